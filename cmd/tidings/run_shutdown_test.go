package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestRunShutdownWithAHangingFeed stops the daemon while a feed hangs
// past the grace period: it says it stops claiming, then lets the fetch
// run for the grace, abandons it, and does not speak of housekeeping, as
// no job was running.
func TestRunShutdownWithAHangingFeed(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 2, OnRequest: func(r *http.Request) {
		if strings.Contains(r.URL.Path, string(fetchtest.FaultHang)) {
			once.Do(func() { close(started) })
		}
	}})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "shutdown_grace = \"1s\"\n[fetch]\nallow_private_networks = true\ntimeout = \"30s\"",
		"@every 1h", srv.FaultURL(fetchtest.FaultHang))
	d := startDaemon(t, dir, cfg)
	<-started
	d.signal(syscall.SIGTERM)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	log := d.logText()
	last := -1
	for _, msg := range []string{
		"stopping: no new fetches",
		"stopping: letting fetches in flight finish",
		"grace period over",
		"msg=stopped",
	} {
		i := strings.Index(log, msg)
		if i < 0 {
			t.Errorf("no %q in the log", msg)
			continue
		}
		if i < last {
			t.Errorf("%q logged too early", msg)
		}
		last = i
	}
	for _, msg := range []string{"housekeeping"} {
		if strings.Contains(log, msg) {
			t.Errorf("%q logged, though no housekeeping job ran", msg)
		}
	}
}

// TestWindDown checks that the shutdown waits for housekeeping, and warns
// that it stops waiting, only when a job runs.
func TestWindDown(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		job      bool
		wantLogs []string
		noLogs   []string
	}{
		{"no job running", false, nil, []string{"housekeeping"}},
		{"a job running past the grace", true,
			[]string{"stopping: waiting for the housekeeping job running", "stopping without waiting for housekeeping any longer"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The grace is over when the scheduler returns: without a
			// job, cron's wait is over too, and neither may be taken
			// for the other, whatever the order they are noticed in.
			for range 20 {
				var logs syncBuffer
				d := &daemon{log: slog.New(slog.NewTextHandler(&logs, nil))}
				cr := d.housekeeping(ctx)
				release := make(chan struct{})
				if tt.job {
					started := make(chan struct{})
					if _, err := cr.AddFunc("@every 1s", func() {
						close(started)
						<-release
					}); err != nil {
						t.Fatal(err)
					}
					cr.Start()
					<-started
				} else {
					cr.Start()
				}
				schedErr := make(chan error, 1)
				schedErr <- nil
				stopped := false
				if err := d.windDown(func() { stopped = true }, schedErr, cr, 0); err != nil {
					t.Fatal(err)
				}
				close(release)
				if !stopped {
					t.Error("the scheduler was not stopped")
				}
				for _, msg := range tt.wantLogs {
					if !strings.Contains(logs.String(), msg) {
						t.Errorf("no %q in the log:\n%s", msg, logs.String())
					}
				}
				for _, msg := range tt.noLogs {
					if strings.Contains(logs.String(), msg) {
						t.Errorf("%q in the log:\n%s", msg, logs.String())
					}
				}
				// A failure shows once; and one run with a job is enough,
				// as each takes a second to start.
				if t.Failed() || tt.job {
					return
				}
			}
		})
	}
}
