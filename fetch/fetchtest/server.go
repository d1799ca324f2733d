// Package fetchtest runs a fake feed server on loopback for tests and
// benchmarks of the fetcher: many feeds in RSS, Atom and JSON Feed, spread
// over several loopback addresses so that a client sees many hosts, with
// validators (ETag, Last-Modified) that change only when items change, new
// items on demand, per-response latency, counters, and a catalogue of broken
// and hostile responses (see Fault).
//
// Like net/http/httptest it is meant for tests and for the standalone
// cmd/feedserver; it never listens on anything but the addresses it is given,
// which default to 127.0.0.1.
package fetchtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Format is the syntax a feed is served in.
type Format string

// The formats a feed can be served in.
const (
	RSS  Format = "rss"  // RSS 2.0 with content:encoded
	Atom Format = "atom" // Atom 1.0
	JSON Format = "json" // JSON Feed 1.1
	// Mixed serves feed i as RSS, Atom or JSON Feed round-robin (i mod 3).
	Mixed Format = "mixed"
	// MixedXML serves feed i as RSS or Atom round-robin (i mod 2), for
	// clients that do not read JSON Feed.
	MixedXML Format = "mixed-xml"
)

// DefaultEpoch is the publication time of the first item of feed 0 when
// Options.Epoch is zero. It is fixed so that bodies and validators are the
// same on every run.
var DefaultEpoch = time.Date(2025, time.January, 6, 9, 0, 0, 0, time.UTC)

// ItemInterval is the time between two consecutive items of one feed.
const ItemInterval = 6 * time.Hour

// Options configures a Server. The zero value serves one RSS feed of ten
// items on 127.0.0.1 with no latency.
type Options struct {
	// Feeds is the number of feeds (default 1; 0 is allowed only with
	// NoFeeds, for servers used for their faults alone).
	Feeds int
	// NoFeeds serves no regular feeds at all; Feeds is ignored.
	NoFeeds bool
	// Items is how many items each feed shows (default 10). A feed starts
	// with Items items; AddItems publishes newer ones, and the feed keeps
	// showing its newest Items items, as a blog's feed does.
	Items int
	// Format of the feeds (default RSS).
	Format Format
	// Latency is slept before every response (feeds and faults) while the
	// request counts as in flight. It ends early if the client goes away.
	Latency time.Duration
	// Addrs are the IP addresses (or host:port) to listen on, one listener
	// each; feed i lives on Addrs[i mod len(Addrs)]. Default "127.0.0.1".
	// LoopbackAddrs builds a list of distinct loopback addresses.
	Addrs []string
	// Port is used for every address in Addrs that has no port of its own;
	// 0 (the default) picks a free port per listener.
	Port int
	// Gzip compresses feed bodies when the request accepts gzip.
	Gzip bool
	// NoValidators serves feeds without ETag and Last-Modified, as some
	// servers do, so that every GET answers 200 with the whole body
	// (SetValidators changes it while the server runs).
	NoValidators bool
	// Epoch is when the first item of feed 0 was published (default
	// DefaultEpoch). Item j of feed i is published at
	// Epoch + j*ItemInterval + i minutes.
	Epoch time.Time
	// Seed varies the generated text; the same seed gives the same bodies.
	Seed uint64
	// Now is the clock used for Date and Retry-After headers (default
	// time.Now).
	Now func() time.Time
	// SlowInterval is the pause between two bytes of FaultSlow (default 1s).
	SlowInterval time.Duration
	// OnRequest, if set, is called with every request before it is served
	// (for tests that inspect headers such as User-Agent). It must be safe
	// for concurrent use and must not keep the request.
	OnRequest func(*http.Request)
}

// LoopbackAddrs returns n distinct loopback addresses starting at
// 127.0.0.2: 127.0.0.2, 127.0.0.3, ... (n at most 250). On Linux every
// 127.0.0.0/8 address reaches the local machine without configuration.
func LoopbackAddrs(n int) []string {
	if n > 250 {
		n = 250
	}
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = "127.0.0." + strconv.Itoa(i+2)
	}
	return addrs
}

// Server is a running fake feed server. Its methods are safe for concurrent
// use.
type Server struct {
	opts  Options
	hosts []*host

	mu    sync.Mutex // guards feeds' item counts and cached bodies
	feeds []*feed

	done     chan struct{} // closed by Close: endless handlers stop
	closeMu  sync.Once
	handlers sync.WaitGroup

	noValidators atomic.Bool

	requests     atomic.Int64
	notModified  atomic.Int64
	bytesSent    atomic.Int64
	inFlight     atomic.Int64
	maxInFlight  atomic.Int64
	feedRequests []atomic.Int64
}

// host is one listener: one address, one http.Server.
type host struct {
	addr        string // host:port actually bound
	srv         *http.Server
	ln          net.Listener
	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// New starts a server listening on every address in o.Addrs. It panics if
// an address cannot be bound, as httptest.NewServer does; use Start to get
// the error instead.
func New(o Options) *Server {
	s, err := Start(o)
	if err != nil {
		panic(err)
	}
	return s
}

// NewServer starts a server for the test t and closes it when the test
// ends. It fails the test if an address cannot be bound.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := Start(o)
	if err != nil {
		t.Fatalf("fetchtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start is New returning an error instead of panicking.
func Start(o Options) (*Server, error) {
	o = o.withDefaults()
	s := &Server{opts: o, done: make(chan struct{})}
	s.noValidators.Store(o.NoValidators)
	for _, a := range o.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, strconv.Itoa(o.Port))
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen on %s (on Linux every 127.0.0.x works; elsewhere add the address to the loopback interface): %w", a, err)
		}
		h := &host{addr: ln.Addr().String(), ln: ln}
		h.srv = &http.Server{Handler: s.handler(h), ReadHeaderTimeout: 10 * time.Second}
		s.hosts = append(s.hosts, h)
	}
	n := o.Feeds
	if o.NoFeeds {
		n = 0
	}
	s.feeds = make([]*feed, n)
	s.feedRequests = make([]atomic.Int64, n)
	for i := range s.feeds {
		s.feeds[i] = s.newFeed(i)
	}
	for _, h := range s.hosts {
		go func() { _ = h.srv.Serve(h.ln) }()
	}
	return s, nil
}

func (o Options) withDefaults() Options {
	if o.Feeds <= 0 {
		o.Feeds = 1
	}
	if o.Items <= 0 {
		o.Items = 10
	}
	if o.Format == "" {
		o.Format = RSS
	}
	if len(o.Addrs) == 0 {
		o.Addrs = []string{"127.0.0.1"}
	}
	if o.Epoch.IsZero() {
		o.Epoch = DefaultEpoch
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SlowInterval <= 0 {
		o.SlowInterval = time.Second
	}
	return o
}

// Close stops every listener, ends responses still being written (hanging,
// endless and slow ones included) and waits for their handlers to return.
// It may be called more than once.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		close(s.done)
		for _, h := range s.hosts {
			_ = h.srv.Close()
		}
		s.handlers.Wait()
	})
}

// Len is the number of feeds served.
func (s *Server) Len() int { return len(s.feeds) }

// Hosts returns the host:port of every listener, in Options.Addrs order.
func (s *Server) Hosts() []string {
	out := make([]string, len(s.hosts))
	for i, h := range s.hosts {
		out[i] = h.addr
	}
	return out
}

// URL returns the URL of feed i (0 <= i < Len()).
func (s *Server) URL(i int) string {
	return "http://" + s.hostOf(i).addr + feedPath(i)
}

// URLs returns the URL of every feed, in feed order.
func (s *Server) URLs() []string {
	out := make([]string, len(s.feeds))
	for i := range out {
		out[i] = s.URL(i)
	}
	return out
}

// FeedFormat returns the format feed i is served in.
func (s *Server) FeedFormat(i int) Format { return s.feeds[i].format }

// FeedTitle returns the title feed i is served with.
func (s *Server) FeedTitle(i int) string { return feedTitle(i) }

func (s *Server) hostOf(i int) *host { return s.hosts[i%len(s.hosts)] }

func feedPath(i int) string { return "/feeds/" + strconv.Itoa(i) }

// AddItems publishes n new items at the top of feed i. Its ETag and
// Last-Modified change, so the next conditional request gets a 200.
func (s *Server) AddItems(i, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[i].add(n)
}

// SetValidators turns ETag and Last-Modified on or off for every feed
// (see Options.NoValidators). Off, a conditional GET always gets 200 and
// the whole body, which is the same as long as no items are added.
func (s *Server) SetValidators(on bool) { s.noValidators.Store(!on) }

// AddItemsAll publishes n new items at the top of every feed.
func (s *Server) AddItemsAll(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.feeds {
		f.add(n)
	}
}

// Prepare renders every feed body now (and compresses it, with
// Options.Gzip), so that requests cost only a copy until the next AddItems.
// Benchmarks call it before each measured phase; without it bodies are
// rendered on first request.
func (s *Server) Prepare() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.feeds {
		f.body(s)
		if s.opts.Gzip {
			f.gzipBody()
		}
	}
}

// TotalItems is the number of items feed i has ever published: the
// Items it started with plus every AddItems.
func (s *Server) TotalItems(i int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feeds[i].total
}

// ItemGUIDs returns the GUIDs (Atom ids, JSON Feed ids) of the items feed i
// serves now, newest first.
func (s *Server) ItemGUIDs(i int) []string {
	s.mu.Lock()
	total := s.feeds[i].total
	s.mu.Unlock()
	var out []string
	for j := total - 1; j >= 0 && j >= total-s.opts.Items; j-- {
		out = append(out, itemGUID(i, j))
	}
	return out
}

// ETag returns the ETag feed i is served with now (quoted).
func (s *Server) ETag(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feeds[i].etag()
}

// Stats are the server's counters since it started or since ResetStats.
type Stats struct {
	// Requests is every request received, faults included.
	Requests int64
	// NotModified is the number of 304 answers.
	NotModified int64
	// BytesSent counts response body bytes as written (compressed when
	// compressed).
	BytesSent int64
	// MaxConcurrent is the most requests in flight at once on the whole
	// server.
	MaxConcurrent int64
	// MaxConcurrentPerHost is the most requests in flight at once on any one
	// listener (address).
	MaxConcurrentPerHost int64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests:      s.requests.Load(),
		NotModified:   s.notModified.Load(),
		BytesSent:     s.bytesSent.Load(),
		MaxConcurrent: s.maxInFlight.Load(),
	}
	for _, h := range s.hosts {
		st.MaxConcurrentPerHost = max(st.MaxConcurrentPerHost, h.maxInFlight.Load())
	}
	return st
}

// FeedRequests is the number of requests feed i received.
func (s *Server) FeedRequests(i int) int64 { return s.feedRequests[i].Load() }

// HostRequests is the number of requests the listener for Hosts()[h]
// received.
func (s *Server) HostRequests(h int) int64 { return s.hosts[h].requests.Load() }

// ResetStats sets every counter back to zero (between the phases of a
// benchmark, say). Requests in flight keep counting as in flight.
func (s *Server) ResetStats() {
	s.requests.Store(0)
	s.notModified.Store(0)
	s.bytesSent.Store(0)
	s.maxInFlight.Store(s.inFlight.Load())
	for i := range s.feedRequests {
		s.feedRequests[i].Store(0)
	}
	for _, h := range s.hosts {
		h.requests.Store(0)
		h.maxInFlight.Store(h.inFlight.Load())
	}
}

// handler serves one listener: counting, latency, then routing.
func (s *Server) handler(h *host) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds/{id}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || i < 0 || i >= len(s.feeds) || s.hostOf(i) != h {
			http.NotFound(w, r)
			return
		}
		s.feedRequests[i].Add(1)
		s.serveFeed(w, r, i)
	})
	mux.HandleFunc("GET /fault/{kind}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		s.serveFault(w, r, Fault(r.PathValue("kind")), r.PathValue("rest"))
	})
	mux.HandleFunc("GET /fault/{kind}", func(w http.ResponseWriter, r *http.Request) {
		s.serveFault(w, r, Fault(r.PathValue("kind")), "")
	})
	// Every host serves a small feed at /feed, the first common path a
	// discovering client tries on a page that advertises no feed.
	mux.HandleFunc("GET /feed", func(w http.ResponseWriter, r *http.Request) {
		s.serveDiscovered(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handlers.Add(1)
		defer s.handlers.Done()
		s.requests.Add(1)
		h.requests.Add(1)
		raiseMax(&s.maxInFlight, s.inFlight.Add(1))
		raiseMax(&h.maxInFlight, h.inFlight.Add(1))
		defer s.inFlight.Add(-1)
		defer h.inFlight.Add(-1)
		if s.opts.OnRequest != nil {
			s.opts.OnRequest(r)
		}
		if !s.sleep(r.Context(), s.opts.Latency) {
			panic(http.ErrAbortHandler)
		}
		cw := &countingWriter{ResponseWriter: w, n: &s.bytesSent}
		cw.Header().Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
		mux.ServeHTTP(cw, r)
	})
}

// sleep waits for d, and reports false if the request or the server ended
// first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func raiseMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

// countingWriter counts body bytes into n.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	// Count before writing: a client may hold the bytes before Write
	// returns, and a test may read the counter right then.
	c.n.Add(int64(len(p)))
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n - len(p)))
	return n, err
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// serveFeed answers a GET of feed i, conditionally.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, i int) {
	s.mu.Lock()
	f := s.feeds[i]
	etag, modified := f.etag(), f.modified()
	body := f.body(s)
	gz := s.opts.Gzip && acceptsGzip(r)
	if gz {
		body = f.gzipBody()
	}
	s.mu.Unlock()

	hd := w.Header()
	validators := !s.noValidators.Load()
	if validators {
		hd.Set("ETag", etag)
		hd.Set("Last-Modified", modified.Format(http.TimeFormat))
	}
	hd.Set("Cache-Control", "no-cache")
	if s.opts.Gzip {
		hd.Set("Vary", "Accept-Encoding")
	}
	if validators && notModified(r, etag, modified) {
		s.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", contentType(f.format))
	if gz {
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// notModified applies RFC 9110's rules: If-None-Match wins over
// If-Modified-Since when both are present.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for c := range strings.SplitSeq(inm, ",") {
			c = strings.TrimSpace(c)
			if c == "*" || strings.TrimPrefix(c, "W/") == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !modified.Truncate(time.Second).After(t)
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for c := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		c = strings.TrimSpace(c)
		name, q, _ := strings.Cut(c, ";")
		if strings.TrimSpace(name) == "gzip" || strings.TrimSpace(name) == "*" {
			return strings.ReplaceAll(q, " ", "") != "q=0"
		}
	}
	return false
}

func contentType(f Format) string {
	switch f {
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	default:
		return "application/rss+xml; charset=utf-8"
	}
}
