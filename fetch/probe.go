package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"tidings/store"
)

// maxProbeLinks bounds how many advertised feeds of one page Probe tries.
const maxProbeLinks = 10

// Candidate is a feed found by Probe.
type Candidate struct {
	// URL is the feed's URL: the one asked for, or where it permanently
	// redirects.
	URL string
	// Title is the feed's own title, else the title the page gave its link.
	Title string
}

// Probed is a feed ProbeFetch found, with the answer that showed it is a
// feed, so that subscribing to it needs no second download: see Outcome.
type Probed struct {
	Candidate
	// resp is the feed's answer, at is when it was asked for.
	resp *response
	at   time.Time
}

// Outcome is what Fetch of feed would have given from p's answer: feed is
// the subscription just stored for p (with its ID and schedule, never
// fetched), and the Result is to be saved with Saver.SaveFetch.
func (f *Fetcher) Outcome(ctx context.Context, feed store.Feed, p Probed) Outcome {
	o := f.finish(ctx, feed, p.at, p.resp, nil)
	// The candidate's URL is already where a permanent redirect led: that
	// redirect is no move still to come.
	if st := &o.Result.State; st.RedirectURL == feed.Target() {
		st.RedirectURL, st.RedirectCount = "", 0
	}
	return o
}

// Probe is ProbeFetch without the answers: the feeds a URL offers.
func (f *Fetcher) Probe(ctx context.Context, rawURL string) ([]Candidate, error) {
	found, err := f.ProbeFetch(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	cands := make([]Candidate, len(found))
	for i, p := range found {
		cands[i] = p.Candidate
	}
	return cands, nil
}

// ProbeFetch finds the feeds a URL offers, for `tidings add`, keeping each
// one's answer (see Outcome). If rawURL is a
// feed, it is the only candidate. If it is an HTML page, the feeds it
// advertises (<link rel="alternate">) are tried, and if none of them is a
// feed, CommonFeedPaths on the page's origin. Only URLs that really answer
// with a feed are returned, without duplicates, in the page's order. A URL
// without a scheme is taken as https. When nothing is found, the error (an
// *Error wrapping ErrNoFeed, or the failure of the first request) says why.
func (f *Fetcher) ProbeFetch(ctx context.Context, rawURL string) ([]Probed, error) {
	u := strings.TrimSpace(rawURL)
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	at := f.opt.Now()
	page, err := f.probeGet(ctx, u)
	if err != nil {
		e := newError(u, err, f.opt.Timeout)
		if errors.Is(err, ErrGone) {
			// The fetch message speaks of a subscription; there is none yet.
			e.Message = "server answered 410 Gone: nothing is there any more"
		}
		return nil, e
	}
	p, perr := parseSafely(page.Body, page.Header.Get("Content-Type"), page.URL, f.opt.Now())
	if perr == nil {
		return []Probed{{Candidate: Candidate{URL: candidateURL(u, page), Title: p.Title}, resp: page, at: at}}, nil
	}
	if !looksLikeHTML(page.Body) && !isHTMLType(page.Header.Get("Content-Type")) {
		e := notFeed(page, perr)
		return nil, &Error{URL: u, Message: e.Error(), Err: fmt.Errorf("%w: %w", ErrNoFeed, e)}
	}

	var reasons []string
	links := DiscoverLinks(page.Body, page.URL)
	if len(links) > maxProbeLinks {
		links = links[:maxProbeLinks]
	}
	tries := make([]probeTry, len(links))
	for i, l := range links {
		tries[i] = probeTry{url: l.URL, title: l.Title}
	}
	cands, failures := f.tryFeeds(ctx, tries)
	if len(cands) > 0 {
		return cands, nil
	}
	if len(links) == 0 {
		reasons = append(reasons, "the page links to no feed (<link rel=\"alternate\">)")
	} else {
		reasons = append(reasons, fmt.Sprintf("the feeds the page links to failed (%s)", strings.Join(failures, "; ")))
	}

	origin := originOf(page.URL)
	tries = tries[:0]
	for _, path := range CommonFeedPaths {
		tries = append(tries, probeTry{url: origin + path})
	}
	cands, _ = f.tryFeeds(ctx, tries)
	if len(cands) > 0 {
		return cands, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, newError(u, err, f.opt.Timeout)
	}
	reasons = append(reasons, fmt.Sprintf("none of %s on %s is a feed", strings.Join(CommonFeedPaths, ", "), origin))
	return nil, &Error{URL: u, Message: "no feed found: " + strings.Join(reasons, ", and "), Err: ErrNoFeed}
}

// probeGet fetches one URL for Probe, within the fetch timeout; anything
// but a 200 (or 203) is an error.
func (f *Fetcher) probeGet(ctx context.Context, u string) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	defer cancel()
	r, err := f.get(ctx, u, validators{})
	if err != nil {
		return nil, err
	}
	// One probe's body costs little; its slot is for the daemon's many
	// fetches at once.
	r.done()
	if r.Status != http.StatusOK && r.Status != http.StatusNonAuthoritativeInfo {
		return nil, &StatusError{Code: r.Status}
	}
	return r, nil
}

// probeTry is a URL that may be a feed, with the title a page gave it.
type probeTry struct {
	url, title string
}

// tryFeeds fetches the URLs, PerHost at a time, and returns those that are
// feeds, in order, without duplicates (two URLs that end at the same
// address are one feed), and a short reason for each failure.
func (f *Fetcher) tryFeeds(ctx context.Context, tries []probeTry) ([]Probed, []string) {
	type result struct {
		cand   Probed
		final  string
		reason string
	}
	results := make([]result, len(tries))
	sem := make(chan struct{}, f.opt.PerHost)
	var wg sync.WaitGroup
	for i, t := range tries {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i].reason = t.url + ": fetch canceled"
				return
			}
			defer func() { <-sem }()
			at := f.opt.Now()
			r, err := f.probeGet(ctx, t.url)
			if err != nil {
				results[i].reason = t.url + ": " + describe(err, f.opt.Timeout)
				return
			}
			p, perr := parseSafely(r.Body, r.Header.Get("Content-Type"), r.URL, f.opt.Now())
			if perr != nil {
				results[i].reason = t.url + ": " + notFeed(r, perr).Error()
				return
			}
			title := p.Title
			if title == "" {
				title = t.title
			}
			results[i] = result{cand: Probed{Candidate: Candidate{URL: candidateURL(t.url, r), Title: title}, resp: r, at: at}, final: r.URL}
		})
	}
	wg.Wait()

	var (
		cands   []Probed
		reasons []string
		seen    = make(map[string]bool)
	)
	for _, r := range results {
		if r.reason != "" {
			reasons = append(reasons, r.reason)
			continue
		}
		if seen[r.final] || seen[r.cand.URL] {
			continue
		}
		seen[r.final], seen[r.cand.URL] = true, true
		cands = append(cands, r.cand)
	}
	return cands, reasons
}

// candidateURL is the URL to subscribe to: where a permanent redirect
// leads, else the URL asked for (a temporary redirect may change).
func candidateURL(asked string, r *response) string {
	if t := r.permanentTarget(); t != "" {
		return t
	}
	return asked
}

// originOf returns scheme://host of a URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func isHTMLType(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml+xml")
}
