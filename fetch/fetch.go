// Package fetch turns a feed (its URL and stored state) into normalised
// items and a new state, politely and safely: conditional GET, compressed
// bodies with a size cap, timeouts, redirects, Retry-After and cache hints,
// and a refusal to reach non-public addresses. Run fetches many feeds at
// once, bounded globally and per host, and saves them through one writer.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"tidings/store"
)

// Defaults of Options.
const (
	DefaultConcurrency = 32
	DefaultPerHost     = 2
	DefaultTimeout     = 30 * time.Second
	DefaultMaxBody     = 16 << 20
	DefaultMaxItems    = 5000
)

// Options configure a Fetcher. The zero value of each field means its
// default.
type Options struct {
	// Concurrency bounds the fetches in flight in Run (default 32).
	Concurrency int
	// PerHost bounds the fetches in flight to one host in Run (default 2).
	PerHost int
	// AllowPrivateNetworks lifts the refusal to connect to loopback,
	// private and other non-public addresses (fetch.allow_private_networks).
	AllowPrivateNetworks bool
	// Timeout is the total time one fetch may take, body included (default
	// 30s). Connecting and the TLS handshake get at most 10s of it.
	Timeout time.Duration
	// MaxBody caps a body after decompression (default 16 MiB).
	MaxBody int64
	// MaxItems caps the items kept from one fetch, the newest by date
	// (default DefaultMaxItems); the feed's LastError says how many were
	// dropped.
	MaxItems int
	// DefaultSchedule is the schedule of feeds without their own.
	DefaultSchedule string
	// MaxServerDelay caps how long server hints may delay a feed.
	MaxServerDelay time.Duration
	// UserAgent is sent with every request (default
	// "tidings/" + BuildVersion() + " (+https://github.com/tidings-reader/tidings)").
	UserAgent string
	// Logger receives debug and info records (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Fetched, when set, is called by Run once for each feed it fetches, from
	// the fetching goroutine, as soon as the feed's download and parse end:
	// before its result waits for the writer (Run's done comes after the
	// save). A caller that hands Run a bounded number of feeds not fetched
	// yet, so that none waits past its claim's lease, makes room here; the
	// results waiting to be saved are bounded by Run itself. Not called for
	// a fetch abandoned because the run was canceled.
	Fetched func(store.Feed)
	// IframeHosts are the video hosts whose players item HTML may embed
	// (content.iframe_hosts; a host allows its subdomains). nil means
	// DefaultIframeHosts; an empty list allows none. Any other iframe
	// becomes a link to its source.
	IframeHosts []string
	// ArticleConcurrency bounds the article pages Run fetches at once for
	// feeds whose subscribers want whole articles (default
	// DefaultArticleConcurrency), apart from the feed fetches; PerHost
	// bounds them per host as well.
	ArticleConcurrency int
	// Client replaces the HTTP client New builds. It is used as given
	// (its transport decides about network safety and timeouts), except
	// that the fetcher's redirect policy is set when it has none.
	Client *http.Client
}

// Fetcher fetches feeds. It is safe for concurrent use.
type Fetcher struct {
	opt     Options
	san     *sanitizer
	client  *http.Client
	planner *Planner
	log     *slog.Logger
	// large holds a token per body larger than smallBody being read or
	// parsed (see readBody).
	large chan struct{}
	// articles fetches whole articles for Run (see articleRun); made on
	// first use, shared by every Run so that its per-host bound holds.
	articlesOnce sync.Once
	articles     *ArticleFetcher
}

// New returns a Fetcher with o's settings, defaults filled in.
func New(o Options) *Fetcher {
	check := publicOnly
	if o.AllowPrivateNetworks {
		check = allowAll
	}
	return newFetcher(o, check)
}

// newFetcher is New with the address check given, so that tests can allow
// one loopback address and refuse another.
func newFetcher(o Options, check addrCheck) *Fetcher {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.ArticleConcurrency <= 0 {
		o.ArticleConcurrency = DefaultArticleConcurrency
	}
	if o.UserAgent == "" {
		o.UserAgent = "tidings/" + BuildVersion() + " (+https://github.com/tidings-reader/tidings)"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	client := o.Client
	if client == nil {
		client = newClient(o, check)
	} else if client.CheckRedirect == nil {
		c := *client
		c.CheckRedirect = checkRedirect
		client = &c
	}
	return &Fetcher{
		opt:     o,
		san:     newSanitizer(o.IframeHosts),
		client:  client,
		planner: &Planner{Default: o.DefaultSchedule, MaxServerDelay: o.MaxServerDelay},
		log:     o.Logger,
		large:   make(chan struct{}, largeSlots(o.Concurrency)),
	}
}

// Outcome is the result of one fetch of one feed: what to save, and what
// happened.
type Outcome struct {
	// Feed is the feed as it was given to Fetch.
	Feed store.Feed
	// Result is what to save with Saver.SaveFetch.
	Result store.FetchResult
	// Status is the final HTTP status, 0 if there was no answer.
	Status int
	// Err is the feed's failure, an *Error whose Message is also in
	// Result.State.LastError; nil on 200, 304 and a Retry-After answer.
	// errors.Is(Err, ErrCanceled) means the caller's context ended the
	// fetch: Result is then not to be saved.
	Err error
	// NotModified is true on a 304 answer.
	NotModified bool
	// Unchanged is true on a 200 answer identical to the last one parsed
	// (State.BodyHash): it is not parsed again and Result has no items.
	Unchanged bool
	// Saved and SaveErr are what saving the result gave (Run only).
	Saved   store.SaveResult
	SaveErr error
	// Duration is how long the fetch took, parse included.
	Duration time.Duration
}

// Fetch fetches one feed from feed.Target() with a conditional GET using
// its stored validators, parses the answer, and returns what to save: the
// new state (planned by the Planner), the items and the feed's metadata.
// Feed-level failures are not Go errors: they are in Outcome.Err and
// Result.State.LastError. Fetch gives up after Options.Timeout.
func (f *Fetcher) Fetch(ctx context.Context, feed store.Feed) Outcome {
	start := time.Now()
	now := f.opt.Now()
	resp, err := f.download(ctx, feed)
	o := f.finish(ctx, feed, now, resp, err)
	o.Duration = time.Since(start)
	return o
}

// download is the network half of Fetch: one conditional GET of the feed,
// within the fetch timeout.
func (f *Fetcher) download(ctx context.Context, feed store.Feed) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	defer cancel()
	return f.get(ctx, feed.Target(), validators{ETag: feed.State.ETag, LastModified: feed.State.LastModified})
}

// finish is the CPU half of Fetch: it reads the answer (or the failure),
// parses a body, and plans the next fetch.
func (f *Fetcher) finish(ctx context.Context, feed store.Feed, now time.Time, resp *response, err error) Outcome {
	defer resp.done()
	o := Outcome{Feed: feed}
	st := feed.State
	st.LastFetch = now
	sig := Signals{Now: now, Key: feed.URL}
	var res store.FetchResult

	fail := func(err error) {
		e := newError(feed.Target(), err, f.opt.Timeout)
		o.Err = e
		st.LastError = e.Message
		sig.Failed = true
	}
	succeed := func() {
		st.LastSuccess = now
		// A 304 or the same body again has as many items as the parse
		// that dropped some: its note stays.
		if !strings.HasPrefix(st.LastError, droppedNote) || st.ErrorCount > 0 || o.Status == http.StatusOK && !o.Unchanged {
			st.LastError = ""
		}
	}

	switch {
	case err != nil && ctx.Err() != nil:
		// The caller stopped us: this says nothing about the feed.
		o.Err = &Error{URL: feed.Target(), Message: "fetch canceled", Err: errors.Join(ErrCanceled, ctx.Err())}
		o.Result = store.FetchResult{Now: now, State: feed.State}
		return o
	case err != nil:
		fail(err)
	default:
		o.Status = resp.Status
		switch resp.Status {
		case http.StatusNotModified:
			o.NotModified = true
			succeed()
			// A 304 may refresh the validators (RFC 9110 15.4.5).
			if et := resp.Header.Get("ETag"); et != "" {
				st.ETag = et
			}
			if lm := resp.Header.Get("Last-Modified"); lm != "" {
				st.LastModified = lm
			}
			f.trackRedirect(&st, &res, resp)
			sig.ServerDelay = max(headerHint(resp.Header, now).Delay, st.FeedDelay)
		case http.StatusOK, http.StatusNonAuthoritativeInfo:
			sum := bodyHash(resp)
			unchanged := sum == st.BodyHash
			p := &Parsed{}
			if !unchanged {
				var perr error
				p, perr = parseSafelyWith(resp.Body, resp.Header.Get("Content-Type"), documentURL(resp), now, f.san)
				if perr != nil {
					fail(notFeed(resp, perr))
					break
				}
				st.BodyHash, st.FeedDelay, st.UnreadableDates = sum, p.ServerDelay, p.UnreadableDates
				if clampedToNow(p.Items, now) {
					// A later parse of these bytes gives a later date.
					st.BodyHash = ""
				}
			}
			o.Unchanged = unchanged
			succeed()
			if dropped := len(p.Items) - f.opt.MaxItems; dropped > 0 {
				p.Items = newest(p.Items, f.opt.MaxItems, now)
				st.LastError = fmt.Sprintf("%s%d of %d items; the %d oldest were dropped (fetch.max_items)",
					droppedNote, len(p.Items), len(p.Items)+dropped, dropped)
			}
			// The validators are the ones of this answer: none if the
			// server stopped sending them.
			st.ETag = resp.Header.Get("ETag")
			st.LastModified = resp.Header.Get("Last-Modified")
			f.trackRedirect(&st, &res, resp)
			res.Title, res.SiteURL, res.IconURL, res.Items = p.Title, p.SiteURL, p.IconURL, p.Items
			sig.ServerDelay = max(headerHint(resp.Header, now).Delay, st.FeedDelay)
		case http.StatusGone:
			e := newError(feed.Target(), &StatusError{Code: resp.Status}, f.opt.Timeout)
			o.Err = e
			st.LastError = e.Message
			sig.Gone = true
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			until, ok := parseRetryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"), now)
			if !ok {
				fail(&StatusError{Code: resp.Status})
				break
			}
			// Not an error: the server asked for a pause, and the wait
			// reason tells the user.
			st.LastError = ""
			sig.RetryAfter = until
		default:
			fail(&StatusError{Code: resp.Status})
		}
	}

	f.planner.ApplyAll(&st, feed.Schedules, sig)
	res.Now = now
	res.State = st
	o.Result = res
	f.logOutcome(o)
	return o
}

// trackRedirect counts a permanent redirect seen on consecutive successful
// fetches, and moves the feed when the same one is seen movesAfter times.
// The count stays at movesAfter while the redirect lasts, so that every
// later fetch asks for the move again: the store ends the count when the
// feed moves, and refuses a move onto a URL another feed has with a message
// (store.MoveConflict) that must not vanish on the next fetch.
func (f *Fetcher) trackRedirect(st *store.FeedState, res *store.FetchResult, resp *response) {
	target := resp.permanentTarget()
	switch {
	case target == "":
		st.RedirectURL, st.RedirectCount = "", 0
		return
	case target == st.RedirectURL:
		st.RedirectCount = min(st.RedirectCount+1, movesAfter)
	default:
		st.RedirectURL, st.RedirectCount = target, 1
	}
	if st.RedirectCount >= movesAfter {
		res.MoveTo = target
	}
}

// movesAfter is how many fetches in a row must see the same permanent
// redirect before the feed moves.
const movesAfter = 3

// bodyHash identifies a 200 answer by what Parse makes of it: the body,
// the URL it came from (relative links resolve against it), its
// Content-Type (the charset may be there), parseVersion and the tidings
// version (a new version may parse or sanitise differently, so it parses
// every feed once more). The clock is the one other input of Parse; see
// clampedToNow. SHA-256 is fast enough not to matter (a few µs for a feed,
// against a few ms to parse it) and leaves no doubt.
func bodyHash(resp *response) string {
	h := sha256.New()
	for _, s := range []string{parseVersion, BuildVersion(), documentURL(resp), resp.Header.Get("Content-Type")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(resp.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// parseVersion is part of every body hash. Bump it with any change to what
// Parse, normalisation or sanitising make of a body: builds that carry no
// version of their own ("dev", or the same revision with local changes)
// then still parse every feed once more.
const parseVersion = "3"

// clampedToNow reports whether Parse clamped a date of items to now, as it
// does with dates in the future (normalize): parsed later, the same body
// gives a later date, so it must not pass as unchanged. An item dated
// exactly now looks the same, and only costs a parse.
func clampedToNow(items []store.Item, now time.Time) bool {
	for _, it := range items {
		if it.Published.Equal(now) || it.Updated.Equal(now) {
			return true
		}
	}
	return false
}

// notFeed explains why a 200 answer is not a feed.
func notFeed(resp *response, perr error) error {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case len(strings.TrimSpace(string(resp.Body))) == 0:
		return fmt.Errorf("%w: the server sent an empty body", ErrNotFeed)
	case mt == "text/html" || mt == "application/xhtml+xml" || looksLikeHTML(resp.Body):
		return fmt.Errorf("%w: the URL is a web page; subscribing to it finds the feeds it links to", ErrNotFeed)
	case strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/"):
		return fmt.Errorf("%w: the server sent %s", ErrNotFeed, mt)
	}
	if errors.Is(perr, ErrNotFeed) || errors.Is(perr, ErrMalformed) {
		// Parse's own messages already say what is wrong and what to do.
		return perr
	}
	return fmt.Errorf("%w: %w", ErrNotFeed, perr)
}

// looksLikeHTML sniffs the start of a body the way browsers do.
func looksLikeHTML(body []byte) bool {
	return strings.HasPrefix(http.DetectContentType(body), "text/html")
}

func (f *Fetcher) logOutcome(o Outcome) {
	attrs := []slog.Attr{
		slog.String("feed_url", o.Feed.Target()),
		slog.Int("status", o.Status),
		slog.Int("items", len(o.Result.Items)),
		slog.Bool("unchanged", o.Unchanged),
	}
	if o.Err != nil {
		f.log.LogAttrs(context.Background(), slog.LevelDebug, "feed fetch failed",
			append(attrs, slog.String("error", o.Result.State.LastError))...)
		return
	}
	f.log.LogAttrs(context.Background(), slog.LevelDebug, "feed fetched", attrs...)
}

// hostOf returns the host a URL is fetched from, lowercased, for the
// per-host bound; an unparsable URL is its own host.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return strings.ToLower(u.Hostname())
}

// sanitizer is the content policy of f's Options.
func (f *Fetcher) sanitizer() *sanitizer { return f.san }

// documentURL is the URL relative URLs in a 200 answer resolve against
// when the feed names no base of its own: its Content-Location when that
// is an http(s) URL (RFC 9110 8.7: the body is that resource's), else the
// URL finally answered, after redirects.
func documentURL(resp *response) string {
	if cl := resp.Header.Get("Content-Location"); cl != "" {
		if u, ok := resolveHTTP(parseBase(resp.URL), cl); ok {
			return u
		}
	}
	return resp.URL
}

// droppedNote starts the LastError of a feed whose fetch had more items
// than MaxItems: a note, not an error (ErrorCount stays 0).
const droppedNote = "kept the newest "

// newest returns the n newest items of its, by Published (an item without
// a date counts as published at now, as the store dates it), the newer of
// two with the same date being the one first in the feed; they keep the
// feed's order.
func newest(its []store.Item, n int, now time.Time) []store.Item {
	if len(its) <= n {
		return its
	}
	date := func(i int) time.Time {
		if its[i].Published.IsZero() {
			return now
		}
		return its[i].Published
	}
	idx := make([]int, len(its))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return date(b).Compare(date(a)) })
	keep := idx[:n]
	slices.Sort(keep)
	out := make([]store.Item, n)
	for i, k := range keep {
		out[i] = its[k]
	}
	return out
}

// parseSafely is Parse, turning a panic of the parser on a hostile body into
// an error on that feed instead of a crash of every fetch.
func parseSafely(body []byte, contentType, feedURL string, now time.Time) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("the parser failed on this body (%v)", r)
		}
	}()
	return Parse(body, contentType, feedURL, now)
}

// parseSafelyWith is parseSafely with the sanitizer given.
func parseSafelyWith(body []byte, contentType, feedURL string, now time.Time, san *sanitizer) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("the parser failed on this body (%v)", r)
		}
	}()
	return parseWith(body, contentType, feedURL, now, san)
}
