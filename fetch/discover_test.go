package fetch

import (
	"slices"
	"testing"
)

func TestDiscoverLinks(t *testing.T) {
	const page = "https://example.test/blog/post.html"
	tests := []struct {
		name    string
		html    string
		pageURL string
		want    []Link
	}{
		{
			name: "RSS and Atom in page order",
			html: `<html><head><link rel="stylesheet" href="/s.css" type="text/css">
				<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">
				<link rel="alternate" type="application/rss+xml" title="RSS" href="https://example.test/rss.xml">
				</head><body></body></html>`,
			want: []Link{
				{URL: "https://example.test/atom.xml", Title: "Atom", Type: "application/atom+xml"},
				{URL: "https://example.test/rss.xml", Title: "RSS", Type: "application/rss+xml"},
			},
		},
		{
			name: "rel with several words, any case; type with parameters and capitals",
			html: `<LINK REL="Feed ALTERNATE" TYPE="Application/RSS+XML; charset=utf-8" HREF="feed.rss" TITLE="Main">`,
			want: []Link{{URL: "https://example.test/blog/feed.rss", Title: "Main", Type: "Application/RSS+XML; charset=utf-8"}},
		},
		{
			name: "JSON Feed, plain JSON, RDF and XML types",
			html: `<link rel=alternate type=application/feed+json href=/feed.json>
				<link rel=alternate type=application/json href=/api.json>
				<link rel=alternate type=application/rdf+xml href=/index.rdf>
				<link rel=alternate type=text/xml href=/index.xml>`,
			want: []Link{
				{URL: "https://example.test/feed.json", Type: "application/feed+json"},
				{URL: "https://example.test/api.json", Type: "application/json"},
				{URL: "https://example.test/index.rdf", Type: "application/rdf+xml"},
				{URL: "https://example.test/index.xml", Type: "text/xml"},
			},
		},
		{
			name: "not alternate, or not a feed type, or no type",
			html: `<link rel="feed" type="application/rss+xml" href="/a">
				<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
				<link rel="alternate" href="/notype">
				<link rel="alternate stylesheet" type="text/css" href="/alt.css">
				<link rel="alternate" type="application/rss+xml">
				<link rel="alternate" type="application/rss+xml" href="   ">`,
			want: nil,
		},
		{
			name: "base href applies, even after the links",
			html: `<link rel="alternate" type="application/rss+xml" href="feed.xml"><base href="/other/dir/">`,
			want: []Link{{URL: "https://example.test/other/dir/feed.xml", Type: "application/rss+xml"}},
		},
		{
			name: "only the first base counts",
			html: `<base href="https://a.test/"><base href="https://b.test/"><link rel="alternate" type="application/rss+xml" href="f">`,
			want: []Link{{URL: "https://a.test/f", Type: "application/rss+xml"}},
		},
		{
			name: "hostile base is ignored",
			html: `<base href="javascript:alert(1)//"><link rel="alternate" type="application/rss+xml" href="f.xml">`,
			want: []Link{{URL: "https://example.test/blog/f.xml", Type: "application/rss+xml"}},
		},
		{
			name: "protocol-relative",
			html: `<link rel="alternate" type="application/atom+xml" href="//feeds.example.test/x">`,
			want: []Link{{URL: "https://feeds.example.test/x", Type: "application/atom+xml"}},
		},
		{
			name: "only http and https",
			html: `<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
				<link rel="alternate" type="application/rss+xml" href="ftp://example.test/f">
				<link rel="alternate" type="application/rss+xml" href="data:text/xml,<rss/>">
				<link rel="alternate" type="application/rss+xml" href="feed://example.test/f">
				<link rel="alternate" type="application/rss+xml" href="http://ok.test/f">`,
			want: []Link{{URL: "http://ok.test/f", Type: "application/rss+xml"}},
		},
		{
			name: "duplicates removed, first kept",
			html: `<link rel="alternate" type="application/rss+xml" title="one" href="/f">
				<link rel="alternate" type="application/atom+xml" title="two" href="https://example.test/f">`,
			want: []Link{{URL: "https://example.test/f", Title: "one", Type: "application/rss+xml"}},
		},
		{
			name: "links in body count, links in scripts and comments do not",
			html: `<head><script>var s = '<link rel="alternate" type="application/rss+xml" href="/script">';</script>
				<!-- <link rel="alternate" type="application/rss+xml" href="/comment"> --></head>
				<body><link rel="alternate" type="application/rss+xml" href="/body"></body>`,
			want: []Link{{URL: "https://example.test/body", Type: "application/rss+xml"}},
		},
		{
			name: "titles are plain text",
			html: `<link rel="alternate" type="application/rss+xml" title="  Caf&eacute; &amp;
				 &lt;b&gt;News&lt;/b&gt; " href="/f">`,
			want: []Link{{URL: "https://example.test/f", Title: "Café & News", Type: "application/rss+xml"}},
		},
		{
			name: "page in windows-1252",
			html: "<meta charset=\"windows-1252\"><link rel=\"alternate\" type=\"application/rss+xml\" title=\"Caf\xe9\" href=\"/f\">",
			want: []Link{{URL: "https://example.test/f", Title: "Café", Type: "application/rss+xml"}},
		},
		{
			name:    "unparsable page URL keeps absolute links only",
			pageURL: "::not a url",
			html: `<link rel="alternate" type="application/rss+xml" href="/rel">
				<link rel="alternate" type="application/rss+xml" href="https://abs.test/f">`,
			want: []Link{{URL: "https://abs.test/f", Type: "application/rss+xml"}},
		},
		{name: "empty", html: ``, want: nil},
		{name: "not HTML", html: "\x89PNG\r\n\x1a\n\x00\x00", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pageURL := tt.pageURL
			if pageURL == "" {
				pageURL = page
			}
			got := DiscoverLinks([]byte(tt.html), pageURL)
			if !slices.Equal(got, tt.want) {
				t.Errorf("DiscoverLinks =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}
