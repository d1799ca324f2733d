package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"tidings/store"
)

// Errors FetchArticle returns besides the fetch failures (*ArticleError
// wraps each of them), checked with errors.Is.
var (
	// ErrNoArticle means the page was fetched but holds no article that
	// readability can find (an index page, a video page, a login wall).
	ErrNoArticle = errors.New("no article found on the page")
	// ErrNoArchive means the page asks not to be archived (robots meta or
	// X-Robots-Tag noarchive), so its text is not kept.
	ErrNoArchive = errors.New("the page asks not to be archived (robots noarchive)")
)

// ArticleError is a failure of FetchArticle on one page. Message is
// written for the user; Err is the cause for errors.Is.
type ArticleError struct {
	URL     string
	Message string
	Err     error
}

func (e *ArticleError) Error() string { return "article " + redact(e.URL) + ": " + e.Message }

// Unwrap returns the cause.
func (e *ArticleError) Unwrap() error { return e.Err }

// Article is the readable part of an item's web page.
type Article struct {
	// URL is the page's URL after redirects: relative links in it were
	// resolved against this one.
	URL string
	// Title and Byline are the page's own, as plain text; either may be
	// empty.
	Title  string
	Byline string
	// Content is the article as sanitised HTML, exactly as feed content
	// is (same allow-list, video hosts, absolute URLs, no control
	// characters).
	Content string
}

// minArticleChars is the least text an extracted article must have:
// readability returns a page's scraps when it finds nothing better, and
// a few words are not worth showing instead of the feed's summary.
const minArticleChars = 200

// maxArticleElements bounds the elements readability scores on one page,
// so that a huge page costs bounded time; a real article page has a few
// thousand.
const maxArticleElements = 100_000

// articleAccept asks for a web page.
const articleAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

// ArticleFetcher fetches items' web pages and extracts their article, for
// subscriptions that want the whole article when their feed carries only
// summaries. It uses its Fetcher's HTTP client and settings, so a page
// fetch obeys every rule a feed fetch does: the refusal of non-public
// addresses on every connection and redirect, fetch.max_body,
// fetch.timeout, the User-Agent, and fetch.per_host fetches at once to one
// host (counted apart from the feed fetches of Run, which have their own
// bound). It is safe for concurrent use; one per process is enough.
type ArticleFetcher struct {
	f     *Fetcher
	san   *sanitizer
	hosts hostLimit
	// extracting holds a token per page being extracted: at most half the
	// CPUs, so that the feeds' own parses always have the rest.
	extracting chan struct{}
}

// NewArticleFetcher returns an ArticleFetcher using f's client and
// Options (Timeout, MaxBody, PerHost, UserAgent, IframeHosts).
func NewArticleFetcher(f *Fetcher) *ArticleFetcher {
	return &ArticleFetcher{f: f, san: f.sanitizer(), hosts: hostLimit{per: f.opt.PerHost},
		extracting: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}
}

// FetchArticle fetches pageURL (an item's link) and returns its article.
// It waits for a free per-host slot, then gives up after fetch.timeout.
// Every failure is an *ArticleError whose message says what happened:
// errors.Is ErrNoArticle for a page without an article, ErrNoArchive for a
// page that asks not to be archived, ErrTooLarge, ErrTimeout-like
// timeouts, *BlockedAddressError for a non-public address, ctx's error
// when ctx ends.
func (a *ArticleFetcher) FetchArticle(ctx context.Context, pageURL string) (Article, error) {
	fail := func(err error) (Article, error) {
		var ae *ArticleError
		if errors.As(err, &ae) {
			return Article{}, ae
		}
		return Article{}, &ArticleError{URL: pageURL, Message: describe(err, a.f.opt.Timeout), Err: err}
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail(fmt.Errorf("%q is not an http(s) URL: %w", pageURL, errUnsupportedScheme))
	}
	release, err := a.hosts.acquire(ctx, strings.ToLower(u.Hostname()))
	if err != nil {
		return fail(err)
	}
	defer release()

	ctx, cancel := context.WithTimeout(ctx, a.f.opt.Timeout)
	defer cancel()
	page, finalURL, header, err := a.download(ctx, u)
	if err != nil {
		return fail(err)
	}
	select {
	case a.extracting <- struct{}{}:
	case <-ctx.Done():
		return fail(errors.Join(ErrCanceled, ctx.Err()))
	}
	art, err := a.extract(page, header, finalURL)
	<-a.extracting
	if err != nil {
		return Article{}, &ArticleError{URL: pageURL, Message: err.Error(), Err: err}
	}
	return art, nil
}

// FullContent returns what to show of item for a subscription that wants
// whole articles: the article of its page when one is found, else the
// feed's own content, unchanged, with the error that says why (nil when
// the article was found). An item without a link keeps its content and
// gets no error.
func (a *ArticleFetcher) FullContent(ctx context.Context, item store.Item) (string, error) {
	if item.URL == "" {
		return item.Content, nil
	}
	art, err := a.FetchArticle(ctx, item.URL)
	if err != nil {
		return item.Content, err
	}
	return art.Content, nil
}

// download GETs the page with the fetcher's client, following redirects,
// and reads its body up to fetch.max_body.
func (a *ArticleFetcher) download(ctx context.Context, u *url.URL) ([]byte, string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", nil, fmt.Errorf("invalid URL %q: %w", u, err)
	}
	req.Header.Set("User-Agent", a.f.opt.UserAgent)
	req.Header.Set("Accept", articleAccept)
	req.Header.Set("Accept-Encoding", "gzip, br, deflate")
	resp, err := a.f.client.Do(req)
	if err != nil {
		return nil, "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNonAuthoritativeInfo {
		return nil, "", nil, &StatusError{Code: resp.StatusCode}
	}
	body, release, err := a.f.readBody(ctx, resp)
	if err != nil {
		return nil, "", nil, err
	}
	if release != nil {
		// The body outlives the large-body slot: keep a copy.
		body = bytes.Clone(body)
		release()
	}
	return body, resp.Request.URL.String(), resp.Header, nil
}

// extract finds the article in a page fetched from pageURL.
func (a *ArticleFetcher) extract(body []byte, header http.Header, pageURL string) (Article, error) {
	if robotsNoArchive(header.Values("X-Robots-Tag")) {
		return Article{}, ErrNoArchive
	}
	text := decodePage(body, header.Get("Content-Type"))
	doc, err := html.ParseWithOptions(bytes.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return Article{}, fmt.Errorf("the page is not readable HTML (%v): %w", err, ErrNoArticle)
	}
	if metaNoArchive(doc) {
		return Article{}, ErrNoArchive
	}
	base, _ := url.Parse(pageURL)
	p := readability.NewParser()
	p.MaxElemsToParse = maxArticleElements
	art, err := p.ParseAndMutate(doc, base)
	if err != nil {
		return Article{}, fmt.Errorf("%w (%v); the feed's own content is kept", ErrNoArticle, err)
	}
	if art.Node == nil {
		return Article{}, fmt.Errorf("%w; the feed's own content is kept", ErrNoArticle)
	}
	var out strings.Builder
	if err := art.RenderHTML(&out); err != nil {
		return Article{}, fmt.Errorf("%w (%v); the feed's own content is kept", ErrNoArticle, err)
	}
	content := a.san.sanitize(out.String(), &lazyBase{raw: pageURL})
	if utf8.RuneCountInString(plainText(content)) < minArticleChars {
		return Article{}, fmt.Errorf("%w (under %d characters of text); the feed's own content is kept", ErrNoArticle, minArticleChars)
	}
	return Article{URL: pageURL, Title: plainText(art.Title()), Byline: plainText(art.Byline()), Content: content}, nil
}

// decodePage returns an HTML page as UTF-8: by byte order mark, HTTP
// charset, meta charset (the browser's prescan), and else UTF-8 when the
// bytes are valid UTF-8 or a detected legacy encoding. UTF-8 declared for
// bytes that are not (no valid multi-byte sequence among them, or a sure
// guess of a multi-byte legacy encoding) is detected too, as for feeds.
func decodePage(body []byte, contentType string) []byte {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if certain && name == "utf-8" && !utf8.Valid(body) && (!hasValidMultibyte(body) || detectedLegacy(body)) {
		certain = false
	}
	if !certain {
		if utf8.Valid(body) {
			return body
		}
		if e, n := detectLegacy(body); e != nil {
			enc, name = e, n
		} else if e, n, ok := centralEuropean(body); ok {
			enc, name = e, n
		}
	}
	if name == "utf-8" {
		return toValidUTF8(body)
	}
	return transform(enc, body)
}

// robotsNoArchive reports whether X-Robots-Tag values forbid archiving
// for every robot ("noarchive", "none"); values naming another robot
// ("otherbot: noarchive") are not ours.
func robotsNoArchive(values []string) bool {
	for _, v := range values {
		if name, rest, ok := strings.Cut(v, ":"); ok && !strings.ContainsAny(name, ", ") {
			if !strings.EqualFold(strings.TrimSpace(name), "tidings") {
				continue
			}
			v = rest
		}
		if hasRobotsDirective(v) {
			return true
		}
	}
	return false
}

// hasRobotsDirective reports whether a robots directive list holds
// noarchive or none.
func hasRobotsDirective(v string) bool {
	for d := range strings.SplitSeq(v, ",") {
		switch strings.ToLower(strings.TrimSpace(d)) {
		case "noarchive", "none":
			return true
		}
	}
	return false
}

// metaNoArchive reports whether the page's <meta name="robots"> (or
// name="tidings") forbids archiving.
func metaNoArchive(doc *html.Node) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Meta {
			name := strings.ToLower(strings.TrimSpace(attrVal(n.Attr, "name")))
			if (name == "robots" || name == "tidings") && hasRobotsDirective(attrVal(n.Attr, "content")) {
				found = true
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// Reading speeds: words a minute for text written with spaces, and
// characters a minute for Chinese, Japanese and Korean, which is written
// without them (averages of adult silent reading).
const (
	wordsPerMinute    = 230
	cjkCharsPerMinute = 500
)

// ReadingTime estimates how long reading the item content html takes, in
// whole minutes rounded up: zero for content without text, at least a
// minute otherwise. Words are counted as a browser shows the text (no
// markup, script or style); CJK characters count at their own pace.
func ReadingTime(content string) time.Duration {
	words, cjk := 0, 0
	inWord := false
	for _, r := range plainText(content) {
		switch {
		case isCJK(r):
			cjk++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if !inWord {
				words++
			}
			inWord = true
		case unicode.IsSpace(r):
			inWord = false
		}
	}
	if words == 0 && cjk == 0 {
		return 0
	}
	// Minutes, rounded up, in integer arithmetic.
	num := int64(words)*cjkCharsPerMinute + int64(cjk)*wordsPerMinute
	den := int64(wordsPerMinute) * cjkCharsPerMinute
	return time.Duration(max((num+den-1)/den, 1)) * time.Minute
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r)
}

// hostLimit bounds the fetches in flight to one host. Hosts without a
// fetch in flight are forgotten, so a long-running process keeps no
// state for the hosts it fetched once.
type hostLimit struct {
	per   int
	mu    sync.Mutex
	slots map[string]*hostSlot
}

type hostSlot struct {
	sem   chan struct{}
	users int // fetches holding or waiting for the slot
}

// acquire waits until fewer than per fetches to host are in flight, or ctx
// ends; release must be called once the fetch is done.
func (l *hostLimit) acquire(ctx context.Context, host string) (release func(), err error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots = map[string]*hostSlot{}
	}
	s := l.slots[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, max(l.per, 1))}
		l.slots[host] = s
	}
	s.users++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		if s.users--; s.users == 0 {
			delete(l.slots, host)
		}
		l.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem; done() }, nil
	case <-ctx.Done():
		done()
		return nil, fmt.Errorf("waiting for a free connection to %s: %w", host, errors.Join(ErrCanceled, ctx.Err()))
	}
}
