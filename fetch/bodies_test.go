package fetch

import (
	"strings"
	"testing"
)

// TestItemBodies: the body is found in every element feeds put it in, and
// the richest one wins.
func TestItemBodies(t *testing.T) {
	long := strings.Repeat("the whole article text ", 20)
	ns := ` xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/"` +
		` xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:xhtml="http://www.w3.org/1999/xhtml"` +
		` xmlns:fi="http://www.w3.org/2001/fullitem"`
	rss := func(item string) string {
		return `<rss version="2.0"` + ns + `><channel><title>T</title><item><guid>g</guid>` + item + `</item></channel></rss>`
	}
	tests := []struct {
		name, body, want string
	}{
		{"content:encoded over a summary", rss(`<description>short</description><content:encoded>&lt;p&gt;` + long + `&lt;/p&gt;</content:encoded>`), long[:40]},
		{"description richer than content:encoded", rss(`<content:encoded>teaser</content:encoded><description>` + long + `</description>`), long[:40]},
		{"xhtml:body", rss(`<description>short</description><xhtml:body><xhtml:p>` + long + `</xhtml:p></xhtml:body>`), long[:40]},
		{"fullitem", rss(`<description>short</description><fi:fullitem>&lt;p&gt;` + long + `&lt;/p&gt;</fi:fullitem>`), long[:40]},
		{"media:description", rss(`<media:description>` + long + `</media:description>`), long[:40]},
		{"itunes:summary", rss(`<description>short</description><itunes:summary>` + long + `</itunes:summary>`), long[:40]},
		{"atom summary", `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>i</id><title>t</title>` +
			`<summary type="html">&lt;p&gt;` + long + `&lt;/p&gt;</summary></entry></feed>`, long[:40]},
		{"atom xhtml content", `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>i</id><title>t</title>` +
			`<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>` + long + `</p></div></content></entry></feed>`, long[:40]},
		{"atom text content", `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>i</id><title>t</title>` +
			`<content type="text">1 &lt; 2</content></entry></feed>`, "1 &lt; 2"},
		{"youtube media:group", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><title>T</title>` +
			`<entry><id>i</id><title>t</title><link rel="alternate" href="https://www.youtube.com/watch?v=x"/><media:group>` +
			`<media:thumbnail url="https://i1.ytimg.com/vi/x/hqdefault.jpg" width="480" height="360"/>` +
			`<media:description>What the video is about</media:description></media:group></entry></feed>`,
			`<p><img src="https://i1.ytimg.com/vi/x/hqdefault.jpg"></p>What the video is about`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := oneItem(t, mustParse(t, []byte(tt.body), "", "http://example.test/feed"))
			if !strings.Contains(it.Content, tt.want) {
				t.Errorf("content %q lacks %q", it.Content, tt.want)
			}
		})
	}
}
