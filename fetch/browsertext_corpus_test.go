package fetch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

// TestBrowserTextCorpus compares, for every item of every real-world
// snapshot, the text a browser shows of the item's HTML as the feed has it
// with the text it shows of what tidings stores (issue 13, item 8). Words
// must come in the same order; whitespace is not compared (a removed
// block may join two lines), and the links tidings adds for iframes and
// embeds are not counted. The golden file lists the counts and each
// mismatch; -update rewrites it.
func TestBrowserTextCorpus(t *testing.T) {
	feeds := realWorldFeeds(t)
	names := make([]string, 0, len(feeds))
	for n := range feeds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	total, same, feedsSame := 0, 0, 0
	for _, name := range names {
		n, ok := 0, 0
		var diffs []string
		for i, raw := range feeds[name] {
			stored := sanitizeHTML(raw, &lazyBase{raw: "http://example.test/posts/item"})
			want := squeeze(browserText(raw))
			got := squeeze(withoutFrameLinks(browserText(stored), raw))
			n++
			if want == got {
				ok++
				continue
			}
			diffs = append(diffs, fmt.Sprintf("  item %d: %s", i, firstDifference(want, got)))
		}
		total += n
		same += ok
		if ok == n {
			feedsSame++
		}
		fmt.Fprintf(&b, "%s: %d of %d items match\n", name, ok, n)
		for _, d := range diffs {
			b.WriteString(d + "\n")
		}
	}
	fmt.Fprintf(&b, "\nall: %d of %d items match in %d snapshots; %d snapshots match in every item\n", same, total, len(names), feedsSame)
	golden := filepath.Join("testdata", "browsertext.golden.txt")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./fetch -run BrowserTextCorpus -update writes it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("browser text comparison differs from %s (-update rewrites it):\n%s", golden, b.String())
	}
	if same*10 < total*9 {
		t.Errorf("only %d of %d items read as the browser shows them", same, total)
	}
}

// squeeze removes all whitespace.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// withoutFrameLinks removes from text the iframe and embed sources of the
// original HTML, which tidings shows as links.
func withoutFrameLinks(text, original string) string {
	z := html.NewTokenizer(strings.NewReader(original))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return text
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data != "iframe" && tok.Data != "embed" {
			continue
		}
		if src, ok := (&lazyBase{raw: "http://example.test/posts/item"}).resolve(attrVal(tok.Attr, "src")); ok {
			text = strings.Replace(text, src, "", 1)
		}
	}
}

// firstDifference shows where two texts part.
func firstDifference(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	clip := func(s string) string {
		s = strings.ToValidUTF8(s[min(i, len(s)):min(i+40, len(s))], "")
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("at byte %d the browser shows %s, tidings %s", i, clip(want), clip(got))
}
