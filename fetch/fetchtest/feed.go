package fetchtest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// feed is one regular feed. Its fields are guarded by Server.mu.
type feed struct {
	id     int
	format Format
	total  int // items ever published; the newest Items of them are served
	epoch  time.Time
	cache  []byte
	gzip   []byte
}

func (s *Server) newFeed(i int) *feed {
	f := &feed{id: i, format: s.opts.Format, total: s.opts.Items, epoch: epochOf(s.opts.Epoch, i)}
	switch f.format {
	case Mixed:
		f.format = []Format{RSS, Atom, JSON}[i%3]
	case MixedXML:
		f.format = []Format{RSS, Atom}[i%2]
	}
	return f
}

func (f *feed) add(n int) {
	f.total += n
	f.cache, f.gzip = nil, nil
}

// etag depends only on the feed, its format and its item count, so it
// changes exactly when items change.
func (f *feed) etag() string {
	return fmt.Sprintf(`"f%d-%s-n%d"`, f.id, f.format, f.total)
}

// epochOf is the publication time of item 0 of feed i.
func epochOf(epoch time.Time, i int) time.Time {
	return epoch.Add(time.Duration(i) * time.Minute)
}

// modified is the publication time of the newest item: it moves exactly
// when items are added.
func (f *feed) modified() time.Time {
	return f.epoch.Add(time.Duration(f.total-1) * ItemInterval)
}

func (f *feed) body(s *Server) []byte {
	if f.cache == nil {
		f.cache = renderFeed(s.opts, f.format, f.id, f.total, s.opts.Items, "http://"+s.hostOf(f.id).addr)
	}
	return f.cache
}

func (f *feed) gzipBody() []byte {
	if f.gzip == nil {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(f.cache)
		_ = zw.Close()
		f.gzip = b.Bytes()
	}
	return f.gzip
}

func feedTitle(i int) string { return "Fetchtest blog " + strconv.Itoa(i) }

func itemGUID(i, j int) string {
	return "tag:fetchtest.invalid,2025:feed-" + strconv.Itoa(i) + "/item-" + strconv.Itoa(j)
}

// item is one generated item, the same in every format.
type item struct {
	guid, link, title, summary, content, author string
	published                                   time.Time
	categories                                  []string
	enclosure                                   string // URL of an audio file, or empty
}

// makeItem generates item j of feed i, served on host base (scheme://host).
func makeItem(o Options, i, j int, base string) item {
	r := rand.New(rand.NewPCG(o.Seed^uint64(i)*0x9e3779b97f4a7c15, uint64(j)+1))
	slug := fmt.Sprintf("%s-%d", words[r.IntN(len(words))], j)
	link := fmt.Sprintf("%s/blog/%d/posts/%s", base, i, slug)
	it := item{
		guid:      itemGUID(i, j),
		link:      link,
		title:     fmt.Sprintf("Post %d: %s", j, titleWords(r)),
		author:    authors[(max(i, 0)+j)%len(authors)],
		published: epochOf(o.Epoch, i).Add(time.Duration(j) * ItemInterval),
		categories: []string{
			words[r.IntN(len(words))], words[r.IntN(len(words))],
		},
	}
	var c strings.Builder
	nPara := 3 + r.IntN(3)
	for p := range nPara {
		c.WriteString("<p>")
		c.WriteString(sentences(r, 2+r.IntN(3)))
		if p == 0 {
			fmt.Fprintf(&c, ` See <a href="%s/blog/%d/posts/%s">the earlier post</a> for background.`,
				base, i, words[r.IntN(len(words))])
		}
		if p == 1 {
			fmt.Fprintf(&c, ` There is more on <a href="https://www.example.com/%s/%s">example.com</a> &amp; elsewhere.`,
				words[r.IntN(len(words))], words[r.IntN(len(words))])
		}
		c.WriteString("</p>\n")
		if p == 0 {
			fmt.Fprintf(&c, `<figure><img src="%s/images/%d/%d.jpg" alt="A %s %s" width="800" height="450"><figcaption>%s</figcaption></figure>`+"\n",
				base, i, j, words[r.IntN(len(words))], words[r.IntN(len(words))], titleWords(r))
		}
		if p == 2 {
			fmt.Fprintf(&c, "<blockquote><p>%s</p></blockquote>\n<ul><li>%s</li><li><code>%s()</code></li></ul>\n",
				sentences(r, 1), titleWords(r), words[r.IntN(len(words))])
		}
	}
	it.content = c.String()
	it.summary = sentences(r, 1)
	if j%5 == 4 {
		it.enclosure = fmt.Sprintf("%s/media/%d/%d.mp3", base, i, j)
	}
	return it
}

func titleWords(r *rand.Rand) string {
	n := 3 + r.IntN(4)
	ws := make([]string, n)
	for k := range ws {
		ws[k] = words[r.IntN(len(words))]
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ")
}

func sentences(r *rand.Rand, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(titleWords(r))
		for range 4 + r.IntN(8) {
			b.WriteByte(' ')
			b.WriteString(words[r.IntN(len(words))])
		}
		b.WriteByte('.')
	}
	return b.String()
}

var authors = []string{"Ada Lovelace", "Grace Hopper", "Ken Thompson", "Barbara Liskov", "Rob Pike"}

var words = strings.Fields(`the a of and to in is that it for on with as was at by an be this from
or have not are but had they which one you were all we when there can been has more if no out so
what up said about than into them only some could time these two may first then do any like my now
over such our man me even most made after also did many before must through back years where much
your way well down should because each just those people how too little state good very make world
still own see men work long get here between both life being under never day same another know while
last might us great old year off come since against go came right used take three feed server cache
parser latency goroutine channel kernel socket buffer deploy release compiler garden coffee winter
bicycle river mountain library`)

// renderFeed renders items [total-window, total) of feed i, newest first.
// base is scheme://host of the feed's server; if empty the site links use
// the reserved name blog.fetchtest.invalid.
func renderFeed(o Options, format Format, i, total, window int, base string) []byte {
	if base == "" {
		base = "http://blog" + strconv.Itoa(i) + ".fetchtest.invalid"
	}
	var items []item
	for j := total - 1; j >= 0 && j >= total-window; j-- {
		items = append(items, makeItem(o, i, j, base))
	}
	site := base + "/blog/" + strconv.Itoa(i) + "/"
	var updated time.Time
	if len(items) > 0 {
		updated = items[0].published
	}
	switch format {
	case Atom:
		return renderAtom(feedTitle(i), site, site+"atom.xml", updated, items)
	case JSON:
		return renderJSON(feedTitle(i), site, site+"feed.json", items)
	default:
		return renderRSS(feedTitle(i), site, updated, items)
	}
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func renderRSS(title, site string, updated time.Time, items []item) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">` + "\n<channel>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<link>%s</link>\n<description>Posts from %s</description>\n<language>en</language>\n",
		esc(title), esc(site), esc(title))
	if !updated.IsZero() {
		fmt.Fprintf(&b, "<lastBuildDate>%s</lastBuildDate>\n", updated.Format(time.RFC1123Z))
	}
	fmt.Fprintf(&b, "<image><url>%sfavicon.png</url><title>%s</title><link>%s</link></image>\n", esc(site), esc(title), esc(site))
	for _, it := range items {
		b.WriteString("<item>\n")
		fmt.Fprintf(&b, "<title>%s</title>\n<link>%s</link>\n<guid isPermaLink=\"false\">%s</guid>\n<pubDate>%s</pubDate>\n<dc:creator>%s</dc:creator>\n",
			esc(it.title), esc(it.link), esc(it.guid), it.published.Format(time.RFC1123Z), esc(it.author))
		for _, c := range it.categories {
			fmt.Fprintf(&b, "<category>%s</category>\n", esc(c))
		}
		fmt.Fprintf(&b, "<description>%s</description>\n", esc(it.summary))
		fmt.Fprintf(&b, "<content:encoded><![CDATA[%s]]></content:encoded>\n", it.content)
		if it.enclosure != "" {
			fmt.Fprintf(&b, "<enclosure url=\"%s\" length=\"%d\" type=\"audio/mpeg\"/>\n", esc(it.enclosure), 12345678)
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

func renderAtom(title, site, self string, updated time.Time, items []item) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom">` + "\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<id>%s</id>\n<link href=\"%s\"/>\n<link rel=\"self\" href=\"%s\"/>\n<icon>%sfavicon.png</icon>\n",
		esc(title), esc(site), esc(site), esc(self), esc(site))
	if !updated.IsZero() {
		fmt.Fprintf(&b, "<updated>%s</updated>\n", updated.Format(time.RFC3339))
	}
	for _, it := range items {
		b.WriteString("<entry>\n")
		fmt.Fprintf(&b, "<title type=\"text\">%s</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"%s\"/>\n<id>%s</id>\n<published>%s</published>\n<updated>%s</updated>\n<author><name>%s</name></author>\n",
			esc(it.title), esc(it.link), esc(it.guid), it.published.Format(time.RFC3339), it.published.Format(time.RFC3339), esc(it.author))
		for _, c := range it.categories {
			fmt.Fprintf(&b, "<category term=\"%s\"/>\n", esc(c))
		}
		fmt.Fprintf(&b, "<summary type=\"text\">%s</summary>\n", esc(it.summary))
		fmt.Fprintf(&b, "<content type=\"html\">%s</content>\n", esc(it.content))
		if it.enclosure != "" {
			fmt.Fprintf(&b, "<link rel=\"enclosure\" type=\"audio/mpeg\" length=\"12345678\" href=\"%s\"/>\n", esc(it.enclosure))
		}
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	return b.Bytes()
}

type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Icon        string     `json:"icon,omitempty"`
	Items       []jsonItem `json:"items"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url,omitempty"`
	Title         string           `json:"title,omitempty"`
	ContentHTML   string           `json:"content_html,omitempty"`
	Summary       string           `json:"summary,omitempty"`
	DatePublished string           `json:"date_published,omitempty"`
	Authors       []jsonAuthor     `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonAttachment struct {
	URL         string `json:"url"`
	MIMEType    string `json:"mime_type"`
	SizeInBytes int    `json:"size_in_bytes,omitempty"`
}

func renderJSON(title, site, self string, items []item) []byte {
	jf := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: title, HomePageURL: site, FeedURL: self,
		Icon: site + "favicon.png", Items: []jsonItem{}}
	for _, it := range items {
		ji := jsonItem{ID: it.guid, URL: it.link, Title: it.title, ContentHTML: it.content, Summary: it.summary,
			DatePublished: it.published.Format(time.RFC3339), Authors: []jsonAuthor{{Name: it.author}}, Tags: it.categories}
		if it.enclosure != "" {
			ji.Attachments = []jsonAttachment{{URL: it.enclosure, MIMEType: "audio/mpeg", SizeInBytes: 12345678}}
		}
		jf.Items = append(jf.Items, ji)
	}
	b, err := json.MarshalIndent(jf, "", " ")
	if err != nil {
		// Only strings and ints: marshalling cannot fail.
		panic(err)
	}
	return append(b, '\n')
}
