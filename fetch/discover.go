package fetch

// Link is a feed advertised by an HTML page.
type Link struct {
	URL   string // absolute
	Title string
	Type  string // MIME type as given, e.g. application/atom+xml
}

// DiscoverLinks returns the feeds an HTML page at pageURL advertises with
// <link rel="alternate"> (RSS, Atom, JSON Feed types), absolute, in page order,
// without duplicates.
//
// TEMPORARY stub; the parse work replaces it.
func DiscoverLinks(body []byte, pageURL string) []Link { return nil }

// CommonFeedPaths are the paths tried, in order, on a page that advertises no
// feed.
var CommonFeedPaths = []string{"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml", "/rss", "/feed.json"}
