package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/fetch/fetchtest"
)

// privatePostgres is a PostgreSQL server of the test's own, in a data
// directory under t.TempDir(), on a free loopback port: a test may stop
// and start it without touching the machine's server.
type privatePostgres struct {
	t       *testing.T
	bin     string // the directory of initdb, pg_ctl and postgres
	data    string
	logFile string
	port    int
}

// startPrivatePostgres makes and starts a private server. Without
// PostgreSQL's programs the test skips, but never under CI=true.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no /usr/lib/postgresql/*/bin/initdb (CI=true: the test must run; install PostgreSQL's server package)")
		}
		t.Skip("no /usr/lib/postgresql/*/bin/initdb on this machine")
	}
	slices.Sort(bins)
	pg := &privatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	dir := t.TempDir()
	// PostgreSQL refuses to run as root: as root the server runs as the
	// postgres user, which must reach its directory.
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pg.data = filepath.Join(dir, "data")
	pg.logFile = filepath.Join(dir, "postgres.log")
	if os.Geteuid() == 0 {
		if err := os.WriteFile(pg.logFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("chown", "postgres", dir, pg.logFile).CombinedOutput(); err != nil {
			t.Fatalf("chown %s to postgres: %v\n%s", dir, err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pg.run("initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	pg.start()
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(pg.data, "postmaster.pid")); err == nil {
			pg.run("pg_ctl", "-D", pg.data, "-m", "immediate", "-w", "stop")
		}
	})
	return pg
}

// run runs one of PostgreSQL's programs, as postgres when the test runs as
// root.
func (pg *privatePostgres) run(prog string, args ...string) {
	pg.t.Helper()
	path := filepath.Join(pg.bin, prog)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(pg.logFile)
		pg.t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", prog, strings.Join(args, " "), err, out, log)
	}
}

func (pg *privatePostgres) start() {
	pg.t.Helper()
	pg.run("pg_ctl", "-D", pg.data, "-l", pg.logFile, "-w", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", pg.port), "start")
}

// stop stops the server the fast way: sessions are ended at once.
func (pg *privatePostgres) stop() {
	pg.t.Helper()
	pg.run("pg_ctl", "-D", pg.data, "-m", "fast", "-w", "stop")
}

func (pg *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", pg.port)
}

// storedGUIDs returns the GUIDs of the items stored per feed URL, each as
// often as it is stored.
func storedGUIDs(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT feed_url, guid FROM items")
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string][]string)
	for rows.Next() {
		var u, g string
		if err := rows.Scan(&u, &g); err != nil {
			t.Fatal(err)
		}
		got[u] = append(got[u], g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestRunPostgresGoesAway: the PostgreSQL server of a running daemon stops
// and comes back. Meanwhile /healthz answers 503 and the daemon logs the
// outage once, not once per feed or per claim; once the server is back it
// answers 200 again and carries on, and every item the feeds published
// (before, during and after) is stored exactly once.
func TestRunPostgresGoesAway(t *testing.T) {
	const feeds = 12
	pg := startPrivatePostgres(t)
	// Once armed, the farm says when a request comes in; it answers after
	// the latency, so the test stops the server with fetches in flight,
	// whose saves then fail.
	var armed atomic.Bool
	inFlight := make(chan struct{}, 1)
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 3, Addrs: fetchtest.LoopbackAddrs(3),
		Latency: 700 * time.Millisecond,
		OnRequest: func(*http.Request) {
			if armed.Load() {
				select {
				case inFlight <- struct{}{}:
				default:
				}
			}
		}})
	// published collects every item the farm has shown: it shows the
	// newest 3 of each feed, and the test adds at most 3 at a time.
	published := make(map[int][]string)
	collect := func() {
		for i := range feeds {
			for _, g := range srv.ItemGUIDs(i) {
				if !slices.Contains(published[i], g) {
					published[i] = append(published[i], g)
				}
			}
		}
	}
	collect()
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, `log_level = "info"

[fetch]
allow_private_networks = true
timeout = "5s"
`, "@every 1s", srv.URLs()...)
	// daemonConfig points at a SQLite file: point it at the server.
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text = []byte(strings.Replace(string(text), fmt.Sprintf("database = %q", filepath.Join(dir, "tidings.db")),
		fmt.Sprintf("database = %q", pg.url()), 1))
	if err := os.WriteFile(cfg, text, 0o644); err != nil {
		t.Fatal(err)
	}

	complete := func() bool {
		got := storedGUIDs(t, pg.url())
		for i := range feeds {
			if len(got[srv.URL(i)]) != srv.TotalItems(i) {
				return false
			}
		}
		return true
	}
	d := startDaemon(t, dir, cfg)
	eventually(t, "the first items stored", complete)
	if code, body := d.get("/healthz"); code != 200 {
		t.Fatalf("/healthz before the outage: %d %s", code, body)
	}

	// Items published now are fetched, and lost with their save when the
	// server stops under the fetch: fetched again later, and stored once.
	srv.AddItemsAll(2)
	collect()
	armed.Store(true)
	<-inFlight
	pg.stop()
	eventually(t, "/healthz to answer 503", func() bool { code, _ := d.get("/healthz"); return code == 503 })
	// Let the due feeds come round several times while the server is
	// away (the daemon polls every second; every claim fails): the log
	// must not grow a line a poll. /healthz must answer 503 throughout.
	for range 6 {
		time.Sleep(500 * time.Millisecond)
		if code, body := d.get("/healthz"); code != 503 || !strings.Contains(body, "unreachable") {
			t.Fatalf("/healthz while the database is away: %d %s", code, body)
		}
	}
	if d.countLog("claim due feeds failed") == 0 {
		t.Fatalf("the failed claims were not logged")
	}

	pg.start()
	srv.AddItemsAll(1)
	collect()
	eventually(t, "/healthz to answer 200 again", func() bool { code, _ := d.get("/healthz"); return code == 200 })
	eventually(t, "every item stored after the outage", complete)

	got := storedGUIDs(t, pg.url())
	for i := range feeds {
		want := slices.Clone(published[i])
		have := slices.Clone(got[srv.URL(i)])
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(have, want) {
			t.Errorf("feed %d: stored %v, want each of %v once", i, have, want)
		}
	}
	if n := d.countLog("level=ERROR"); n > 2 {
		t.Errorf("%d error lines for one outage, want at most 2 (a claim, a save); the log:\n%s", n, d.logText())
	}
	if d.countLog("claim due feeds failed") != 1 {
		t.Errorf("the failed claims were not logged once")
	}
	if d.countLog("claiming due feeds works again") != 1 {
		t.Errorf("the end of the outage was not logged once")
	}
	d.signal(os.Interrupt)
	if code := d.wait(); code != 0 {
		t.Errorf("exit %d after the outage", code)
	}
}
