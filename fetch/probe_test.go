package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"tidings/fetch"
)

const htAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Blog</title><id>urn:atom-blog</id>
<updated>2026-11-27T10:00:00Z</updated><link href="https://example.org/"/>
<entry><title>Hello</title><id>urn:atom-blog:1</id><updated>2026-11-27T10:00:00Z</updated><link href="https://example.org/1"/></entry>
</feed>`

func htPage(links ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>A blog</title>\n")
	for _, l := range links {
		b.WriteString(l + "\n")
	}
	b.WriteString("</head><body><h1>A blog</h1><p>Posts.</p></body></html>")
	return b.String()
}

// htProbeServer serves pages and feeds by path; a value "302 /x" or
// "301 /x" redirects, a value "404" is not found.
func htProbeServer(t *testing.T, paths map[string]string) string {
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := paths[r.URL.Path]
		switch {
		case !ok || v == "404":
			http.NotFound(w, r)
		case v == "410":
			w.WriteHeader(http.StatusGone)
		case strings.HasPrefix(v, "301 "), strings.HasPrefix(v, "302 "):
			code := 301
			if v[:3] == "302" {
				code = 302
			}
			http.Redirect(w, r, v[4:], code)
		case strings.HasPrefix(v, "<!DOCTYPE html>"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, v)
		default:
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, v)
		}
	}))
	return srv.URL
}

func TestProbe(t *testing.T) {
	rss := string(htRSS("RSS Blog", 2))
	tests := []struct {
		name  string
		paths map[string]string
		start string
		want  []fetch.Candidate // URLs relative to the server
	}{
		{
			name:  "a feed",
			paths: map[string]string{"/feed.xml": rss},
			start: "/feed.xml",
			want:  []fetch.Candidate{{URL: "/feed.xml", Title: "RSS Blog"}},
		},
		{
			name:  "a feed that moved for good",
			paths: map[string]string{"/old": "301 /feed.xml", "/feed.xml": rss},
			start: "/old",
			want:  []fetch.Candidate{{URL: "/feed.xml", Title: "RSS Blog"}},
		},
		{
			name:  "a feed behind a temporary redirect keeps its URL",
			paths: map[string]string{"/latest": "302 /feed.xml", "/feed.xml": rss},
			start: "/latest",
			want:  []fetch.Candidate{{URL: "/latest", Title: "RSS Blog"}},
		},
		{
			name: "a page with links, one broken, two to the same feed",
			paths: map[string]string{
				"/": htPage(
					`<link rel="alternate" type="application/rss+xml" title="Missing" href="/gone.xml">`,
					`<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">`,
					`<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments.rss">`,
					`<link rel="alternate" type="application/atom+xml" title="Same atom" href="/atom-latest">`,
				),
				"/atom.xml":     htAtom,
				"/atom-latest":  "302 /atom.xml",
				"/comments.rss": rss,
			},
			start: "/",
			want: []fetch.Candidate{
				{URL: "/atom.xml", Title: "Atom Blog"},
				{URL: "/comments.rss", Title: "RSS Blog"},
			},
		},
		{
			name:  "a page without links: common paths",
			paths: map[string]string{"/blog/": htPage(), "/rss.xml": rss, "/feed": "302 /rss.xml", "/atom.xml": htAtom},
			start: "/blog/",
			want: []fetch.Candidate{
				{URL: "/feed", Title: "RSS Blog"},
				{URL: "/atom.xml", Title: "Atom Blog"},
			},
		},
		{
			name: "a page whose links all fail: common paths",
			paths: map[string]string{
				"/":           htPage(`<link rel="alternate" type="application/rss+xml" href="/broken.xml">`),
				"/broken.xml": "404",
				"/index.xml":  rss,
			},
			start: "/",
			want:  []fetch.Candidate{{URL: "/index.xml", Title: "RSS Blog"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := htProbeServer(t, tt.paths)
			got, err := htFetcher(fetch.Options{}).Probe(context.Background(), base+tt.start)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			var want []fetch.Candidate
			for _, c := range tt.want {
				want = append(want, fetch.Candidate{URL: base + c.URL, Title: c.Title})
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Probe = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestProbeFindsNothing(t *testing.T) {
	tests := []struct {
		name   string
		paths  map[string]string
		start  string
		wantIs error
		want   string // the whole message, with {base} for the server URL
	}{
		{
			name:   "a page with no feed anywhere",
			paths:  map[string]string{"/": htPage()},
			start:  "/",
			wantIs: fetch.ErrNoFeed,
			want: `no feed found: the page links to no feed (<link rel="alternate">), and none of ` +
				strings.Join(fetch.CommonFeedPaths, ", ") + ` on {base} is a feed`,
		},
		{
			name:   "a page whose only link is broken",
			paths:  map[string]string{"/": htPage(`<link rel="alternate" type="application/rss+xml" href="/x.xml">`)},
			start:  "/",
			wantIs: fetch.ErrNoFeed,
			want: `no feed found: the feeds the page links to failed ({base}/x.xml: server answered 404 Not Found; check the URL), and none of ` +
				strings.Join(fetch.CommonFeedPaths, ", ") + ` on {base} is a feed`,
		},
		{
			name:  "not found",
			paths: map[string]string{},
			start: "/nothing",
			want:  "server answered 404 Not Found; check the URL",
		},
		{
			name:  "gone",
			paths: map[string]string{"/old.xml": "410"},
			start: "/old.xml",
			want:  "server answered 410 Gone: nothing is there any more",
		},
		{
			name:   "neither a feed nor a page",
			paths:  map[string]string{"/data": `{"just": "json"}`},
			start:  "/data",
			wantIs: fetch.ErrNoFeed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := htProbeServer(t, tt.paths)
			got, err := htFetcher(fetch.Options{}).Probe(context.Background(), base+tt.start)
			if err == nil {
				t.Fatalf("Probe = %+v, want an error", got)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			var fe *fetch.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *fetch.Error", err)
			}
			if want := strings.ReplaceAll(tt.want, "{base}", base); tt.want != "" && fe.Message != want {
				t.Errorf("message\n %q\nwant\n %q", fe.Message, want)
			}
		})
	}
}

func TestProbeRefusesPrivateAddresses(t *testing.T) {
	base := htProbeServer(t, map[string]string{"/feed.xml": string(htRSS("Private", 1))})
	_, err := fetch.New(fetch.Options{}).Probe(context.Background(), base+"/feed.xml")
	if !errors.Is(err, fetch.ErrBlockedAddress) || !strings.Contains(err.Error(), "fetch.allow_private_networks") {
		t.Fatalf("Probe = %v, want a refusal naming fetch.allow_private_networks", err)
	}
}
