// Command feedserver runs the fetchtest fake feed server on its own, for
// whole-program benchmarks of tidings (and of other feed readers) on one
// machine:
//
//	go run ./cmd/feedserver -feeds 1000 -items 20 -hosts 100 -latency 50ms \
//	    -port 8080 -urls urls.txt -opml feeds.opml
//
// serves 1,000 feeds of 20 items spread over 127.0.0.2 to 127.0.0.101, port
// 8080, writes their URLs one per line (a newsboat urls file) and as OPML
// (for `tidings import`), and serves a control API on 127.0.0.1:
//
//	GET  /stats                 counters as JSON
//	POST /add?n=2               publish n new items in every feed (default 2)
//	POST /validators?on=false   stop sending ETag and Last-Modified, so every
//	                            GET gets the whole body (on=true: send them again)
//	POST /reset                 set the counters back to zero
//
// SIGUSR1 also adds 2 items to every feed. SIGINT or SIGTERM stops the
// server and prints the counters.
package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"tidings/fetch/fetchtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	err := Main(ctx, os.Args[1:], os.Stdout, os.Stderr, usr1)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "feedserver:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage error")

// Main runs the server until ctx ends. Every value received on addSignal
// publishes 2 new items in every feed. It returns errUsage (wrapped) for bad
// flags and flag.ErrHelp for -h.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, addSignal <-chan os.Signal) error {
	fs := flag.NewFlagSet("feedserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		feeds    = fs.Int("feeds", 1000, "number of feeds")
		items    = fs.Int("items", 20, "items per feed")
		hosts    = fs.Int("hosts", 100, "number of loopback addresses, from 127.0.0.2 (at most 250)")
		latency  = fs.Duration("latency", 0, "delay before every response, e.g. 50ms")
		port     = fs.Int("port", 8080, "port on every address (0: a free port each)")
		format   = fs.String("format", "mixed", "rss, atom, json, mixed (all three round-robin) or mixed-xml (rss and atom)")
		gz       = fs.Bool("gzip", true, "gzip bodies for clients that accept it")
		valid    = fs.Bool("validators", true, "send ETag and Last-Modified and answer conditional GETs with 304")
		seed     = fs.Uint64("seed", 1, "seed of the generated text")
		urlsPath = fs.String("urls", "", "write the feed URLs here, one per line")
		opmlPath = fs.String("opml", "", "write the feeds here as OPML")
		control  = fs.String("control", "", "control API address (default 127.0.0.1 on -port, or a free port)")
		verbose  = fs.Bool("v", false, "log every control action")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q; every option is a flag (see -h)", errUsage, fs.Arg(0))
	}
	f := fetchtest.Format(*format)
	switch f {
	case fetchtest.RSS, fetchtest.Atom, fetchtest.JSON, fetchtest.Mixed, fetchtest.MixedXML:
	default:
		return fmt.Errorf("%w: -format %q: want rss, atom, json, mixed or mixed-xml", errUsage, *format)
	}
	if *feeds < 1 || *items < 1 || *hosts < 1 || *hosts > 250 {
		return fmt.Errorf("%w: -feeds and -items must be at least 1, -hosts between 1 and 250", errUsage)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv, err := fetchtest.Start(fetchtest.Options{
		Feeds: *feeds, Items: *items, Format: f, Latency: *latency,
		Addrs: fetchtest.LoopbackAddrs(*hosts), Port: *port, Gzip: *gz, Seed: *seed,
		NoValidators: !*valid,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	// Render every body up front: the server should cost the client under
	// test as little CPU as possible during a measured run.
	srv.Prepare()

	if *urlsPath != "" {
		if err := writeURLs(*urlsPath, srv.URLs()); err != nil {
			return err
		}
	}
	if *opmlPath != "" {
		if err := writeOPML(*opmlPath, srv); err != nil {
			return err
		}
	}

	ctlAddr := *control
	if ctlAddr == "" {
		ctlAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))
	}
	ln, err := net.Listen("tcp", ctlAddr)
	if err != nil {
		return fmt.Errorf("control API on %s: %w (choose another with -control)", ctlAddr, err)
	}
	ctl := &http.Server{Handler: controlHandler(srv, log), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ctl.Serve(ln) }()
	defer ctl.Close()

	fmt.Fprintf(stdout, "serving %d feeds of %d items on %d hosts (%s ... %s), latency %s\n",
		*feeds, *items, len(srv.Hosts()), srv.Hosts()[0], srv.Hosts()[len(srv.Hosts())-1], *latency)
	fmt.Fprintf(stdout, "control http://%s/stats  (POST /add?n=2, POST /reset; SIGUSR1 adds 2 items per feed)\n", ln.Addr())

	for {
		select {
		case <-ctx.Done():
			st, _ := json.Marshal(stats(srv))
			fmt.Fprintf(stdout, "stopped; %s\n", st)
			return nil
		case <-addSignal:
			srv.AddItemsAll(2)
			srv.Prepare()
			log.Info("items added", slog.Int("per_feed", 2))
		}
	}
}

// statsJSON is what /stats answers.
type statsJSON struct {
	Feeds                int   `json:"feeds"`
	ItemsPublished       int   `json:"items_published"`
	Requests             int64 `json:"requests"`
	NotModified          int64 `json:"not_modified"`
	BytesSent            int64 `json:"bytes_sent"`
	MaxConcurrent        int64 `json:"max_concurrent"`
	MaxConcurrentPerHost int64 `json:"max_concurrent_per_host"`
}

func stats(s *fetchtest.Server) statsJSON {
	st := s.Stats()
	total := 0
	for i := range s.Len() {
		total += s.TotalItems(i)
	}
	return statsJSON{
		Feeds: s.Len(), ItemsPublished: total, Requests: st.Requests, NotModified: st.NotModified,
		BytesSent: st.BytesSent, MaxConcurrent: st.MaxConcurrent, MaxConcurrentPerHost: st.MaxConcurrentPerHost,
	}
}

func controlHandler(s *fetchtest.Server, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(stats(s))
	})
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		n := 2
		if v := r.URL.Query().Get("n"); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 1 {
				http.Error(w, "n must be a positive number of items per feed", http.StatusBadRequest)
				return
			}
		}
		s.AddItemsAll(n)
		s.Prepare()
		log.Info("items added", slog.Int("per_feed", n))
		fmt.Fprintf(w, "added %d items to each of %d feeds\n", n, s.Len())
	})
	mux.HandleFunc("POST /validators", func(w http.ResponseWriter, r *http.Request) {
		on, err := strconv.ParseBool(r.URL.Query().Get("on"))
		if err != nil {
			http.Error(w, "on must be true or false", http.StatusBadRequest)
			return
		}
		s.SetValidators(on)
		log.Info("validators", slog.Bool("on", on))
		fmt.Fprintf(w, "validators on: %t\n", on)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		log.Info("counters reset")
		fmt.Fprintln(w, "counters reset")
	})
	return mux
}

func writeURLs(path string, urls []string) error {
	var b []byte
	for _, u := range urls {
		b = append(b, u...)
		b = append(b, '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write the URL list: %w", err)
	}
	return nil
}

type opmlDoc struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Body    []outline `xml:"body>outline"`
}

type outline struct {
	Type   string `xml:"type,attr"`
	Text   string `xml:"text,attr"`
	Title  string `xml:"title,attr"`
	XMLURL string `xml:"xmlUrl,attr"`
}

func writeOPML(path string, s *fetchtest.Server) error {
	doc := opmlDoc{Version: "2.0", Title: "feedserver feeds"}
	for i, u := range s.URLs() {
		doc.Body = append(doc.Body, outline{Type: "rss", Text: s.FeedTitle(i), Title: s.FeedTitle(i), XMLURL: u})
	}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode OPML: %w", err)
	}
	b = append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write the OPML file: %w", err)
	}
	return nil
}
