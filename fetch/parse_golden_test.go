package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenNow is the fixed "now" of the golden tests: after every snapshot, so
// no date is clamped unless it really is in the future.
var goldenNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type goldenItem struct {
	GUID       string            `json:"guid,omitempty"`
	URL        string            `json:"url,omitempty"`
	Title      string            `json:"title,omitempty"`
	Author     string            `json:"author,omitempty"`
	Published  string            `json:"published,omitempty"`
	Updated    string            `json:"updated,omitempty"`
	Categories []string          `json:"categories,omitempty"`
	Enclosures []store.Enclosure `json:"enclosures,omitempty"`
	Content    string            `json:"content,omitempty"`
}

type goldenFeed struct {
	Title       string       `json:"title,omitempty"`
	SiteURL     string       `json:"site_url,omitempty"`
	IconURL     string       `json:"icon_url,omitempty"`
	ServerDelay string       `json:"server_delay,omitempty"`
	Items       []goldenItem `json:"items"`
}

func goldenTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// renderParsed is the JSON form of a Parsed that golden files hold.
func renderParsed(t *testing.T, p *Parsed) []byte {
	t.Helper()
	g := goldenFeed{Title: p.Title, SiteURL: p.SiteURL, IconURL: p.IconURL, Items: []goldenItem{}}
	if p.ServerDelay != 0 {
		g.ServerDelay = p.ServerDelay.String()
	}
	for _, it := range p.Items {
		g.Items = append(g.Items, goldenItem{
			GUID: it.GUID, URL: it.URL, Title: it.Title, Author: it.Author,
			Published: goldenTime(it.Published), Updated: goldenTime(it.Updated),
			Categories: it.Categories, Enclosures: it.Enclosures, Content: it.Content,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.Bytes()
}

// TestParseRealWorld parses every real-world snapshot and compares the
// normalised result with its golden file (go test -run RealWorld -update
// rewrites them).
func TestParseRealWorld(t *testing.T) {
	files, err := filepath.Glob("testdata/realworld/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".golden.json") || name == "LICENSE" || name == "README.md" {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ct := "application/xml"
			if strings.HasSuffix(name, ".json") {
				ct = "application/feed+json"
			}
			p, err := Parse(body, ct, "http://example.test/"+name, goldenNow)
			var got []byte
			if strings.Contains(name, "FirstEntry") {
				// Not feeds: the first entry's content of another snapshot,
				// an HTML fragment. Parse must say so.
				if !errors.Is(err, ErrNotFeed) {
					t.Fatalf("Parse of an HTML fragment: got %v, want an error matching ErrNotFeed", err)
				}
				got = []byte(`{"error": ` + strconv.Quote(err.Error()) + "}\n")
			} else {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(p.Items) == 0 {
					t.Errorf("no items")
				}
				checkParsed(t, p, goldenNow)
				got = renderParsed(t, p)
			}
			goldenPath := path + ".golden.json"
			if *updateGolden {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test ./fetch -run RealWorld -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (go test ./fetch -run RealWorld -update rewrites it):\n%s",
					goldenPath, firstDiff(string(want), string(got)))
			}
		})
	}
	if n != 43 {
		t.Errorf("found %d real-world snapshots, want 43", n)
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}
