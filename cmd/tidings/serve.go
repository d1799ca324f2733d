package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tidings/fetch"
	"tidings/web"
	"tidings/web/fever"
	"tidings/web/greader"
	"tidings/web/miniflux"
	"tidings/web/ui"
)

const serveHelp = `Serves the web page, Miniflux's v1 API (/v1/), GET /healthz and Prometheus
GET /metrics on the config's listen address, as 'tidings run' does, without
fetching feeds on schedule and without housekeeping: to read without
fetching, or as one more web server in front of a PostgreSQL database that
a 'tidings run' elsewhere keeps fetched. Refreshing a feed from the page
still fetches that feed.

Logging in: people log in to the page with their password (set with
'tidings user passwd NAME'); each login is a session that lasts
web.session_lifetime after its last use. On a loopback listen address
(127.0.0.1, the default) with a single user who has no password, no login
is asked. On any other address tidings refuses to start while a user has
no password, and names them. Behind an authenticating proxy, set
web.trusted_proxy_header (e.g. Remote-User) and web.trusted_proxies.

SIGINT or SIGTERM stops it: the requests in flight get 5 seconds to finish.`

func setupServe(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("serve takes no arguments")
		}
		return c.serve(ctx)
	}
}

// serve is `tidings serve`: the web server alone.
func (c *cli) serve(ctx context.Context) error {
	e, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	health := func(ctx context.Context) (map[string]any, error) {
		if _, err := e.store.NextDue(ctx); err != nil {
			return map[string]any{"database": "unreachable", "fetching": false}, fmt.Errorf("database: %w", err)
		}
		return map[string]any{"database": "ok", "fetching": false}, nil
	}
	srv, err := newWebServer(ctx, e, e.cfg.Listen, newFetcher(e.cfg, e.log, nil, nil), health, reg)
	if err != nil {
		return err
	}
	ln, err := listen(e.cfg.Listen)
	if err != nil {
		return err
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	e.log.Info("tidings serving the web page, without fetching",
		slog.String("database", e.cfg.Database),
		slog.String("web", "http://"+addr+"/"),
		slog.String("health", "http://"+addr+"/healthz"),
		slog.String("metrics", "http://"+addr+"/metrics"))
	var runErr error
	select {
	case <-ctx.Done():
		e.log.Info("stopping: finishing the requests in flight")
	case err := <-httpErr:
		runErr = fmt.Errorf("web server on %s: %w", addr, err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		e.log.Warn("web server shutdown", slog.String("error", err.Error()))
	}
	if runErr != nil {
		return runErr
	}
	e.log.Info("stopped")
	return nil
}

// listen opens the web server's listening socket, so that a busy port
// fails the start before anything else runs.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w; set listen in the config to a free address", addr, err)
	}
	return ln, nil
}

// newWebServer builds the HTTP server of `tidings run` and `tidings
// serve` for the listen address addr (the config's, before listening): the web.Server with /healthz and
// /metrics (from health and reg), and Miniflux's v1 API, each request of
// which signs in with an app password. It fails when addr is not
// loopback and a user has no password (see web.New).
func newWebServer(ctx context.Context, e *env, addr string, fetcher *fetch.Fetcher, health web.HealthCheck, reg *prometheus.Registry) (*http.Server, error) {
	ws, err := web.New(ctx, web.Options{
		Reader:             e.rd,
		Logger:             e.log.With(slog.String("component", "web")),
		Health:             health,
		Metrics:            promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelError)}),
		Listen:             addr,
		TrustedProxyHeader: e.cfg.Web.TrustedProxyHeader,
		TrustedProxies:     e.cfg.Web.TrustedProxies,
		FrameHosts:         e.cfg.Content.IframeHosts,
	})
	if err != nil {
		return nil, err
	}
	// Miniflux's v1 API, for newsboat and the apps that sync with
	// Miniflux; each request signs in with an app password.
	ws.HandleAPI("/v1/", miniflux.New(e.rd, e.log.With("api", "miniflux")))
	// The Google Reader API, at its own path and FreshRSS's, for
	// NetNewsWire, Reeder, Read You, FeedMe, Liferea and the rest.
	gr := greader.New(greader.Options{Reader: e.rd, Logger: e.log.With("api", "greader")})
	for _, p := range greader.Prefixes {
		ws.HandleAPI(p, gr)
	}
	// The Fever API, for Reeder, Unread, FeedMe and Fiery Feeds; the
	// exact /api/fever keeps the mux from redirecting a POST.
	fv := fever.New(fever.Options{Reader: e.rd, Logger: e.log.With("api", "fever")})
	for _, p := range []string{"/api/fever/", "/api/fever", "/api/fever.php"} {
		ws.HandleAPI(p, fv)
	}
	// The reading page: behind the login, its stylesheet and manifest
	// in the open for the login page.
	ui.Mount(ws, ui.New(ui.Options{Reader: e.rd, Fetcher: fetcher, Logger: e.log.With(slog.String("component", "ui"))}))
	return &http.Server{
		Handler:           ws.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}, nil
}
