package fetch_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
)

func pngBytes(t *testing.T, side int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32()) // noise, so that it does not compress
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// iconSite serves a site whose paths answer as the map says (a body of
// the given type), 404 elsewhere, and counts the requests.
func iconSite(t *testing.T, paths map[string][2]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := paths[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p[0])
		_, _ = w.Write([]byte(p[1]))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchIcon(t *testing.T) {
	small := string(pngBytes(t, 8))
	big := string(pngBytes(t, 200))
	if len(big) <= store.MaxIconSize {
		t.Fatalf("the big icon has %d bytes", len(big))
	}
	ico := "\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00fake icon data"
	gif := "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	page := func(head string) [2]string {
		return [2]string{"text/html; charset=utf-8", "<!doctype html><html><head><title>x</title>" + head + "</head><body><link rel=icon href=/late.png></body></html>"}
	}
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	ctx := context.Background()

	for _, tc := range []struct {
		name   string
		paths  map[string][2]string
		noSite bool
		icon   string // path of the feed's own image, if any
		want   string // "" means ErrNoIcon
		typ    string
	}{
		{"link rel icon", map[string][2]string{
			"/":                page(`<link rel="shortcut icon" href="/static/i.png">`),
			"/static/i.png":    {"image/png", small},
			"/favicon.ico":     {"image/x-icon", ico},
			"/apple-touch.png": {"image/png", big},
		}, false, "", small, "image/png"},
		{"favicon.ico", map[string][2]string{"/": page(""), "/favicon.ico": {"image/vnd.microsoft.icon", ico}}, false, "", ico, "image/x-icon"},
		{"no site URL: the feed's origin", map[string][2]string{"/favicon.ico": {"image/gif", gif}}, true, "", gif, "image/gif"},
		{"a declared icon too big, then favicon.ico", map[string][2]string{
			"/": page(`<link rel=icon href="/big.png">`), "/big.png": {"image/png", big}, "/favicon.ico": {"image/x-icon", ico},
		}, false, "", ico, "image/x-icon"},
		{"the feed's image last", map[string][2]string{"/": page(""), "/logo.gif": {"image/gif", gif}}, false, "/logo.gif", gif, "image/gif"},
		{"an image type the bytes deny", map[string][2]string{"/": page(""), "/favicon.ico": {"image/x-icon", "<html>not found</html>"}}, false, "", "", ""},
		{"svg refused", map[string][2]string{"/": page(`<link rel=icon href=/i.svg>`), "/i.svg": {"image/svg+xml", svg}}, false, "", "", ""},
		{"nothing", map[string][2]string{"/": page("")}, false, "", "", ""},
		{"only too big", map[string][2]string{"/favicon.ico": {"image/png", big}}, false, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := iconSite(t, tc.paths)
			feed := store.Feed{ID: 7, URL: srv.URL + "/feed.xml", SiteURL: srv.URL + "/"}
			if tc.noSite {
				feed.SiteURL = ""
			}
			if tc.icon != "" {
				feed.IconURL = srv.URL + tc.icon
			}
			ic, err := f.FetchIcon(ctx, feed)
			if tc.want == "" {
				if !errors.Is(err, fetch.ErrNoIcon) {
					t.Fatalf("FetchIcon: %v, %d bytes; want ErrNoIcon", err, len(ic.Data))
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchIcon: %v", err)
			}
			if ic.FeedID != 7 || ic.Type != tc.typ || string(ic.Data) != tc.want {
				t.Errorf("icon of feed %d, %s, %d bytes; want %s, %d bytes", ic.FeedID, ic.Type, len(ic.Data), tc.typ, len(tc.want))
			}
		})
	}

	// The fetcher's network rules apply: loopback is refused by default.
	srv := iconSite(t, map[string][2]string{"/favicon.ico": {"image/x-icon", ico}})
	strict := fetch.New(fetch.Options{Timeout: 5 * time.Second})
	_, err := strict.FetchIcon(ctx, store.Feed{URL: srv.URL + "/feed", SiteURL: srv.URL + "/"})
	if !errors.Is(err, fetch.ErrNoIcon) || !strings.Contains(err.Error(), "favicon.ico") {
		t.Errorf("a loopback icon with private networks refused: %v", err)
	}
}

func TestIconLinks(t *testing.T) {
	body := `<html><head><base href="/sub/">
		<link rel="apple-touch-icon" href="touch.png">
		<link rel="ICON" type="image/png" href="a.png">
		<link rel="alternate icon" href="https://cdn.example/b.ico">
		<link rel="icon" href="javascript:alert(1)">
		<link rel="icon" href="">
		<link rel="stylesheet" href="s.css">
		<link rel="icon" href="a.png">
		</head><body><link rel="icon" href="/late.png">`
	got := fetch.IconLinks([]byte(body), "https://site.example/page")
	want := []string{"https://site.example/sub/a.png", "https://cdn.example/b.ico", "https://site.example/sub/touch.png"}
	if !slices.Equal(got, want) {
		t.Errorf("IconLinks = %v; want %v", got, want)
	}
}

func FuzzIconLinks(f *testing.F) {
	f.Add([]byte(`<link rel=icon href=/a.png><base href="//x/">`), "https://s.example/")
	f.Fuzz(func(t *testing.T, body []byte, page string) {
		for _, u := range fetch.IconLinks(body, page) {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("IconLinks returned %q", u)
			}
		}
	})
}
