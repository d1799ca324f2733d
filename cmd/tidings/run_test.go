package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tidings/config"
	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/sqlite"
)

// The tests of `tidings run` start real processes. Rather than build the
// binary, they run this test binary again with envRunMain set: init then
// calls main, so the child is tidings itself (flags, signals, exit status).
const envRunMain = "TIDINGS_TEST_RUN_MAIN"

func init() {
	if os.Getenv(envRunMain) == "1" {
		main()
	}
}

// daemonProc is one `tidings run` child process.
type daemonProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // host:port of /healthz and /metrics

	mu     sync.Mutex
	log    strings.Builder
	logged chan struct{} // closed and replaced on every line
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// startDaemon runs `tidings run --config cfg` in dir and waits for its start
// line, which gives its listen address.
func startDaemon(t *testing.T, dir, cfg string) *daemonProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "run", "--config", cfg)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), envRunMain+"=1",
		"HOME="+filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "xdg-config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "xdg-data"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{t: t, cmd: cmd, logged: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			d.mu.Lock()
			d.log.WriteString(sc.Text() + "\n")
			close(d.logged)
			d.logged = make(chan struct{})
			d.mu.Unlock()
		}
		err := cmd.Wait()
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("tidings run log:\n%s", d.logText())
		}
	})
	line := d.waitLog(`health=http://`)
	m := regexp.MustCompile(`health=http://([^/]+)/healthz`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in the start line %q", line)
	}
	d.addr = m[1]
	return d
}

// cleanEnv is the environment without any TIDINGS_ or XDG_ variable.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TIDINGS_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (d *daemonProc) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// waitLog waits for a log line containing s (logged since the start) and
// returns it; it fails the test if the process exits first or after a
// minute.
func (d *daemonProc) waitLog(s string) string {
	d.t.Helper()
	timeout := time.After(time.Minute)
	for {
		d.mu.Lock()
		text, logged := d.log.String(), d.logged
		d.mu.Unlock()
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, s) {
				return line
			}
		}
		select {
		case <-logged:
		case <-d.exited:
			d.t.Fatalf("tidings run exited (%v) before logging %q", d.err, s)
		case <-timeout:
			d.t.Fatalf("tidings run did not log %q within a minute", s)
		}
	}
}

// countLog counts the log lines containing s.
func (d *daemonProc) countLog(s string) int {
	return strings.Count(d.logText(), s)
}

func (d *daemonProc) signal(sig os.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its exit status.
func (d *daemonProc) wait() int {
	d.t.Helper()
	select {
	case <-d.exited:
	case <-time.After(time.Minute):
		d.t.Fatal("tidings run did not exit within a minute")
	}
	var ee *exec.ExitError
	switch {
	case d.err == nil:
		return 0
	case errors.As(d.err, &ee):
		return ee.ExitCode()
	}
	d.t.Fatal(d.err)
	return -1
}

func (d *daemonProc) get(path string) (int, string) {
	d.t.Helper()
	resp, err := http.Get("http://" + d.addr + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// daemonConfig writes a config file in dir with a database next to it, the
// given top-level settings and one [[feed]] block per URL, all on schedule.
func daemonConfig(t *testing.T, dir, settings, schedule string, urls ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "database = %q\nlisten = \"127.0.0.1:0\"\n%s\n", filepath.Join(dir, "tidings.db"), settings)
	for _, u := range urls {
		fmt.Fprintf(&b, "\n[[feed]]\nurl = %q\nschedule = %q\n", u, schedule)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// eventually waits until cond holds, failing the test after a minute.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// appendFeed adds a [[feed]] block to the config file at path.
func appendFeed(t *testing.T, path, url, schedule string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "\n[[feed]]\nurl = %q\nschedule = %q\n", url, schedule); err != nil {
		t.Fatal(err)
	}
}

// requestLog records when each path of a server was requested.
type requestLog struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (l *requestLog) record(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.times == nil {
		l.times = make(map[string][]time.Time)
	}
	l.times[r.Host+r.URL.Path] = append(l.times[r.Host+r.URL.Path], time.Now())
}

func (l *requestLog) of(rawURL string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := strings.TrimPrefix(rawURL, "http://")
	return append([]time.Time(nil), l.times[u]...)
}

func openDB(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// slowServer answers every request with a one-item RSS feed once release
// is closed, on 127.0.0.2 so that it is another host than fetchtest's
// 127.0.0.1.
func slowServer(t *testing.T, release <-chan struct{}) (url string, requests func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	var mu sync.Mutex
	n := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title><link>http://slow.test/</link>`+
			`<item><guid>slow-1</guid><title>Slow item</title><link>http://slow.test/1</link></item></channel></rss>`)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/slow.xml", func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// TestRunFetchesOnScheduleWithASlowFeed: while one feed's answer is held
// back, the other feeds keep their schedule; /healthz and /metrics answer;
// SIGTERM lets the held fetch finish and saves it. It asserts what happens
// and in which order, not how long it takes.
func TestRunFetchesOnScheduleWithASlowFeed(t *testing.T) {
	var reqs requestLog
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Items: 3, OnRequest: reqs.record})
	release := make(chan struct{})
	slowURL, slowRequests := slowServer(t, release)
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "shutdown_grace = \"60s\"\n[fetch]\nallow_private_networks = true\ntimeout = \"60s\"",
		"@every 1s", append(srv.URLs(), slowURL)...)

	d := startDaemon(t, dir, cfg)
	eventually(t, "the slow feed's first request", func() bool { return slowRequests() > 0 })
	// While the slow feed's first answer is held, each other feed is
	// fetched three more times on its 1-second schedule.
	base := make(map[string]int)
	for _, u := range srv.URLs() {
		base[u] = len(reqs.of(u))
	}
	eventually(t, "three more fetches of every other feed while the slow one answers", func() bool {
		for _, u := range srv.URLs() {
			if len(reqs.of(u)) < base[u]+3 {
				return false
			}
		}
		return true
	})
	code, body := d.get("/healthz")
	var health map[string]any
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != http.StatusOK ||
		health["status"] != "ok" || health["database"] != "ok" {
		t.Errorf("GET /healthz = %d %s, want 200 with status and database ok", code, body)
	}
	if _, ok := health["last_round"]; !ok {
		t.Errorf("GET /healthz: no last_round in %s", body)
	}
	code, metrics := d.get("/metrics")
	if code != http.StatusOK || !regexp.MustCompile(`(?m)^tidings_fetches_total\{outcome="not_modified"\} [1-9]`).MatchString(metrics) {
		t.Errorf("GET /metrics = %d, want 304s counted in tidings_fetches_total:\n%s", code, grepLines(metrics, "tidings_"))
	}
	// SIGTERM while the slow fetch is in flight: once the daemon says it
	// lets it finish, its answer comes, and it is saved.
	d.signal(syscall.SIGTERM)
	d.waitLog("letting fetches in flight finish")
	close(release)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}

	if n := slowRequests(); n != 1 {
		t.Errorf("slow feed: %d requests, want 1 (it was still answering)", n)
	}
	db := openDB(t, dir)
	slow, err := feedOf(t, db, slowURL)
	if err != nil {
		t.Fatal(err)
	}
	if slow.Items != 1 {
		t.Errorf("slow feed: %d items stored after SIGTERM, want its in-flight fetch saved (1)", slow.Items)
	}
	// At info, one summary at the first round and one at the end, not a
	// line per round (a line a second here).
	if n := d.countLog(`msg="fetch round"`); n != 0 {
		t.Errorf("%d fetch round lines logged at info, want none (they are debug)", n)
	}
	if n := d.countLog(`msg=fetched`); n != 2 {
		t.Errorf("%d summaries logged, want 2 (the first round's, and the last ones' at the end)", n)
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestRunSIGTERMFinishesInFlight(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 4, Latency: 2 * time.Second,
		OnRequest: func(*http.Request) { once.Do(func() { close(started) }) }})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "shutdown_grace = \"30s\"\n[fetch]\nallow_private_networks = true",
		"@every 1h", srv.URLs()...)
	d := startDaemon(t, dir, cfg)
	<-started
	d.signal(syscall.SIGTERM)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	d.waitLog(`msg=stopped`)
	feeds, err := feedsOf(t, openDB(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		if f.Items != 4 {
			t.Errorf("%s: %d items after SIGTERM, want the in-flight fetch saved (4)", f.URL, f.Items)
		}
	}
}

func TestRunReloadsOnSIGHUP(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 2})
	dir := t.TempDir()
	settings := "[fetch]\nallow_private_networks = true"
	cfg := daemonConfig(t, dir, settings, "@every 1s", srv.URL(0))
	// Feed 1 starts hourly; the edit below makes it every second.
	appendFeed(t, cfg, srv.URL(1), "@every 1h")
	d := startDaemon(t, dir, cfg)
	eventually(t, "the first fetches", func() bool { return srv.FeedRequests(0) > 0 && srv.FeedRequests(1) > 0 })

	// A broken file: every problem is logged with its line, the old config
	// keeps running.
	broken := "database = " + fmt.Sprintf("%q", filepath.Join(dir, "tidings.db")) +
		"\nlisten = \"127.0.0.1:0\"\nschedul = \"@hourly\"\n[fetch]\nallow_private_networks = true\n" +
		"[[feed]]\nurl = \"ftp://example.com/feed\"\n"
	if err := os.WriteFile(cfg, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	d.signal(syscall.SIGHUP)
	d.waitLog("config not reloaded")
	logText := d.logText()
	for _, want := range []string{"config.toml:3", "schedul", "config.toml:7"} {
		if !strings.Contains(logText, want) {
			t.Errorf("the log of a broken reload does not mention %q:\n%s", want, logText)
		}
	}
	before := srv.FeedRequests(0)
	eventually(t, "the old config to keep fetching", func() bool { return srv.FeedRequests(0) >= before+2 })

	// A good edit: feed 2 added, feed 0 removed, feed 1 changed from
	// hourly to every second (which must not wait for its hourly plan).
	if n := srv.FeedRequests(1); n != 1 {
		t.Fatalf("hourly feed fetched %d times before the edit, want 1", n)
	}
	daemonConfig(t, dir, settings, "@every 1s", srv.URL(1), srv.URL(2))
	d.signal(syscall.SIGHUP)
	d.waitLog("config reloaded")
	eventually(t, "the added feed fetched", func() bool { return srv.FeedRequests(2) > 0 })
	removedAt := srv.FeedRequests(0)
	keptAt := srv.FeedRequests(1)
	eventually(t, "the changed feed fetched every second", func() bool { return srv.FeedRequests(1) >= keptAt+2 })
	// One fetch of feed 0 may have been in flight during the reload.
	if n := srv.FeedRequests(0); n > removedAt+1 {
		t.Errorf("removed feed fetched %d more times after the reload", n-removedAt)
	}
	d.signal(syscall.SIGINT)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGINT, want 0", code)
	}
	feeds, err := feedsOf(t, openDB(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, f := range feeds {
		urls = append(urls, f.URL)
	}
	if want := []string{srv.URL(1), srv.URL(2)}; strings.Join(urls, " ") != strings.Join(want, " ") {
		t.Errorf("feeds after reload: %v, want %v", urls, want)
	}
}

func TestRunCrashLosesNothing(t *testing.T) {
	// SIGKILL `tidings run` while fetches are in flight, start it again:
	// every item is stored exactly once, and the feeds the dead process had
	// claimed are fetched again once their lease (10s: timeout 5s plus as
	// much again) runs out. The timeout is well above the server's 300ms,
	// so that a loaded machine does not turn fetches into failures, whose
	// backoff starts at a minute.
	var requests atomic.Int64
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 24, Items: 5, Latency: 300 * time.Millisecond,
		Addrs: fetchtest.LoopbackAddrs(6), OnRequest: func(*http.Request) { requests.Add(1) }})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true\ntimeout = \"5s\"\nconcurrency = 8",
		"@every 1s", srv.URLs()...)
	ctx := context.Background()
	db := openDB(t, dir)

	allStored := func(want func(i int) int) bool {
		feeds, err := feedsOf(t, db)
		if err != nil {
			t.Fatal(err)
		}
		items := map[string]int{}
		for _, f := range feeds {
			items[f.URL] = f.Items
		}
		for i, u := range srv.URLs() {
			if items[u] < want(i) {
				return false
			}
		}
		return true
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		// Three minutes: long enough for a feed that failed anyway to come
		// back from its first backoff.
		deadline := time.Now().Add(3 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	first := startDaemon(t, dir, cfg)
	waitUntil("every feed stored once", func() bool { return allStored(func(int) int { return 5 }) })
	// New items everywhere, then kill the process in the middle of the
	// fetches that pick them up: requests have just arrived, and each is
	// answered only 300ms later.
	srv.AddItemsAll(2)
	base := requests.Load()
	eventually(t, "fetches in flight", func() bool { return requests.Load() >= base+4 })
	first.signal(syscall.SIGKILL)
	first.wait()
	killed := time.Now()

	// Which feeds did the dead process hold? Claiming every feed now gets
	// only the ones not leased; release those again at once.
	free, err := db.ClaimFeeds(ctx, store.ClaimRequest{All: true, Now: killed, Lease: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	isFree := map[string]bool{}
	for _, f := range free {
		ids = append(ids, f.ID)
		isFree[f.URL] = true
	}
	if err := db.Release(ctx, ids); err != nil {
		t.Fatal(err)
	}
	var held []int
	for i, u := range srv.URLs() {
		if !isFree[u] {
			held = append(held, i)
		}
	}
	if len(held) == 0 {
		t.Fatal("the killed process held no claims: it was not busy")
	}
	heldRequests := map[int]int64{}
	for _, i := range held {
		heldRequests[i] = srv.FeedRequests(i)
	}

	srv.AddItemsAll(1)
	second := startDaemon(t, dir, cfg)
	waitUntil("every item stored after the restart", func() bool {
		return allStored(func(i int) int { return srv.TotalItems(i) })
	})
	waitUntil("the held feeds fetched again", func() bool {
		for _, i := range held {
			if srv.FeedRequests(i) <= heldRequests[i] {
				return false
			}
		}
		return true
	})
	second.signal(syscall.SIGTERM)
	if code := second.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}

	for i, u := range srv.URLs() {
		items, _, err := db.Items(ctx, meID(t, db), store.Query{FeedURL: u})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.GUID] {
				t.Errorf("feed %d: item %s stored twice", i, it.GUID)
			}
			seen[it.GUID] = true
		}
		if len(items) != srv.TotalItems(i) {
			t.Errorf("feed %d: %d items stored, want %d (every item published)", i, len(items), srv.TotalItems(i))
		}
		for _, g := range srv.ItemGUIDs(i) {
			if !seen[g] {
				t.Errorf("feed %d: item %s lost", i, g)
			}
		}
	}
}

// BenchmarkRunIdleMemory measures the resident memory of a real `tidings
// run` (built with go build, not the test binary) with many [[feed]] blocks
// on `@every 30m`, once it has fetched each feed once from a fetchtest
// server and gone idle. It reports VmRSS and VmHWM (peak) from
// /proc/PID/status, and the time from start to the first idle moment.
//
//	go test ./cmd/tidings -run '^$' -bench RunIdleMemory -benchtime 1x
func BenchmarkRunIdleMemory(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc (Linux)")
	}
	bin := filepath.Join(b.TempDir(), "tidings")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("feeds=%d", n), func(b *testing.B) {
			for b.Loop() {
				idleMemory(b, bin, n)
			}
		})
	}
}

func idleMemory(b *testing.B, bin string, feeds int) {
	srv := fetchtest.NewServer(b, fetchtest.Options{Feeds: feeds, Items: 1, Addrs: fetchtest.LoopbackAddrs(50)})
	dir := b.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database = %q\nlisten = \"127.0.0.1:0\"\nlog_level = \"warn\"\n[fetch]\nallow_private_networks = true\n",
		filepath.Join(dir, "tidings.db"))
	for _, u := range srv.URLs() {
		fmt.Fprintf(&cfg, "[[feed]]\nurl = %q\nschedule = \"@every 30m\"\n", u)
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	// Idle: every feed fetched once and saved (in flight back to zero).
	for srv.Stats().Requests < int64(feeds) {
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("only %d of %d feeds fetched in 10 minutes", srv.Stats().Requests, feeds)
		}
		time.Sleep(100 * time.Millisecond)
	}
	db := openDBAt(b, filepath.Join(dir, "tidings.db"))
	for {
		next, err := db.NextDue(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if next.After(time.Now()) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	settled := time.Since(start)
	time.Sleep(5 * time.Second)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, field := range []string{"VmRSS", "VmHWM"} {
		m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(status)
		if m == nil {
			b.Fatalf("no %s in /proc status", field)
		}
		var kb float64
		fmt.Sscan(string(m[1]), &kb)
		b.ReportMetric(kb/1024, field+"-MiB")
	}
	b.ReportMetric(settled.Seconds(), "s-to-idle")
}

func openDBAt(b *testing.B, path string) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// syncBuffer is a bytes buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHousekeeping(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	var logs syncBuffer
	d := &daemon{store: db, log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	d.cfg.Store(&config.Config{Retention: config.Retention{ReadAfter: 90 * 24 * time.Hour}})

	t.Run("prune deletes old read items only", func(t *testing.T) {
		f, err := addFeed(t, db, store.Subscription{Feed: store.Feed{URL: "https://example.com/feed.xml"}})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		old, recent := now.Add(-100*24*time.Hour), now.Add(-24*time.Hour)
		items := []store.Item{
			{GUID: "old-read", Title: "old read", Published: old},
			{GUID: "old-unread", Title: "old unread", Published: old},
			{GUID: "recent-read", Title: "recent read", Published: recent},
		}
		if _, err := db.SaveFetch(ctx, f.ID, store.FetchResult{Now: now, Items: items}); err != nil {
			t.Fatal(err)
		}
		stored, _, err := db.Items(ctx, meID(t, db), store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var read []int64
		for _, it := range stored {
			if strings.HasSuffix(it.GUID, "-read") {
				read = append(read, it.ID)
			}
		}
		if _, err := db.SetRead(ctx, meID(t, db), read, true); err != nil {
			t.Fatal(err)
		}
		d.prune(ctx)
		left, _, err := db.Items(ctx, meID(t, db), store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var guids []string
		for _, it := range left {
			guids = append(guids, it.GUID)
		}
		if got := strings.Join(guids, " "); got != "recent-read old-unread" {
			t.Errorf("after prune: %q, want the recent and the unread item", got)
		}
		if !strings.Contains(logs.String(), "deleted_items=1") {
			t.Errorf("prune not logged:\n%s", logs.String())
		}
	})

	t.Run("a panicking job does not stop the others", func(t *testing.T) {
		cr := d.housekeeping(ctx)
		runs := make(chan struct{}, 10)
		if _, err := cr.AddFunc("@every 1s", func() {
			runs <- struct{}{}
			panic("job failed")
		}); err != nil {
			t.Fatal(err)
		}
		cr.Start()
		defer cr.Stop()
		// The job runs again after its panic: the scheduler survived.
		for range 2 {
			select {
			case <-runs:
			case <-time.After(time.Minute):
				t.Fatal("the job did not run again after panicking")
			}
		}
		if !strings.Contains(logs.String(), "job failed") {
			t.Errorf("the panic was not logged:\n%s", logs.String())
		}
	})
}

func TestRunListenBusy(t *testing.T) {
	// A busy listen address fails the start with status 1 and says what to
	// change, before any feed is fetched.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "", "@every 1s")
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	busy := strings.Replace(string(body), `listen = "127.0.0.1:0"`, fmt.Sprintf("listen = %q", ln.Addr().String()), 1)
	if err := os.WriteFile(cfg, []byte(busy), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "run", "--config", cfg)
	cmd.Env = append(cleanEnv(), envRunMain+"=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "listen on "+ln.Addr().String()) || !strings.Contains(string(out), "set listen in the config") {
		t.Errorf("output does not say which address is busy and what to do:\n%s", out)
	}
}
