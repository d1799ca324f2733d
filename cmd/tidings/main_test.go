package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is the clock of every test run of Main.
var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// harness is a clean environment for running tidings in-process: its own
// XDG directories and home, and (unless asked otherwise) a config file
// named by TIDINGS_CONFIG whose database is a file next to it.
type harness struct {
	t          *testing.T
	dir        string
	configPath string
	dbPath     string
}

// newHarness writes config (with `database = "tidings.db"` prepended) and
// points TIDINGS_CONFIG at it.
func newHarness(t *testing.T, config string) *harness {
	h := newBareHarness(t)
	h.configPath = filepath.Join(h.dir, "config.toml")
	h.dbPath = filepath.Join(h.dir, "tidings.db")
	if err := os.WriteFile(h.configPath, []byte("database = \"tidings.db\"\n"+config), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TIDINGS_CONFIG", h.configPath)
	return h
}

// newBareHarness sets up the directories but no config file at all.
func newBareHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg-config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg-data"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	for _, k := range []string{"TIDINGS_CONFIG", "TIDINGS_DATABASE", "COLUMNS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return &harness{t: t, dir: dir, dbPath: filepath.Join(dir, "xdg-data", "tidings", "tidings.db")}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs tidings with args in-process, with the clock at testNow.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	return h.runIn(strings.NewReader(""), args...)
}

func (h *harness) runIn(stdin *strings.Reader, args ...string) result {
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: stdin, stdout: &stdout, stderr: &stderr, now: func() time.Time { return testNow }}
	code := c.main(context.Background(), args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// mustRun runs tidings and fails the test unless it exits with want.
func (h *harness) mustRun(want int, args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != want {
		h.t.Fatalf("tidings %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// openStore opens the harness database directly, to fill or inspect it.
func (h *harness) openStore() store.Store {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(h.dbPath), 0o755); err != nil {
		h.t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), h.dbPath)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

// seed fills the store with two feeds and their items, as a fetch would.
// Item IDs are 1 to 5, newest first: 5 is the newest.
func (h *harness) seed() {
	h.t.Helper()
	ctx := context.Background()
	st := h.openStore()
	goFeed, err := addFeed(h.t, st, store.Subscription{Feed: store.Feed{URL: "https://go.example/blog/feed.atom"}, Tags: []string{"go", "programming"}})
	if err != nil {
		h.t.Fatal(err)
	}
	newsFeed, err := addFeed(h.t, st, store.Subscription{Feed: store.Feed{URL: "https://news.example/rss"}, UserTitle: "Morning news"})
	if err != nil {
		h.t.Fatal(err)
	}
	fetched := testNow.Add(-2 * time.Hour)
	save := func(f store.Subscription, title, site string, items ...store.Item) {
		_, err := st.SaveFetch(ctx, f.ID, store.FetchResult{
			// Now is when the items were seen; items published after it
			// would be clamped to it.
			Now:   testNow,
			State: store.FeedState{LastFetch: fetched, LastSuccess: fetched, NextDue: testNow.Add(25 * time.Minute), WaitReason: store.WaitSchedule},
			Title: title, SiteURL: site,
			Items: items,
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	save(goFeed, "The Go Blog", "https://go.example/blog",
		store.Item{GUID: "go-1", URL: "https://go.example/blog/generics", Title: "Generics, ten years on", Author: "Gopher",
			Content:   `<p>Generics arrived in <a href="https://go.example/doc/go1.18">Go 1.18</a>. Here is what we learned.</p><ul><li>Type sets</li><li>Inference</li></ul>`,
			Published: testNow.Add(-72 * time.Hour)},
		store.Item{GUID: "go-2", URL: "https://go.example/blog/iterators", Title: "Range over functions",
			Content: `<h2>Iterators</h2><p>Range over func makes iterators <em>easy</em>.</p><pre>for x := range seq {
	fmt.Println(x)
}</pre>`,
			Published: testNow.Add(-5 * time.Hour)},
	)
	save(newsFeed, "News", "",
		store.Item{GUID: "n-1", Title: "Old story", Content: "<p>Nothing new.</p>", Published: testNow.Add(-40 * 24 * time.Hour)},
		store.Item{GUID: "n-2", URL: "https://news.example/b", Title: "Second story", Content: `<p>See <img src="https://news.example/chart.png" alt="a chart"></p>`, Published: testNow.Add(-26 * time.Hour)},
		store.Item{GUID: "n-3", URL: "https://news.example/c", Title: "Breaking: gophers everywhere", Published: testNow.Add(-30 * time.Minute)},
	)
	// Deterministic IDs: the stores hands them out in insertion order.
	st.SetRead(ctx, meID(h.t, st), []int64{1}, true)
	st.SetStarred(ctx, meID(h.t, st), []int64{4}, true)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestReorderArgs(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Var(new(stringsFlag), "tag", "")
	fs.Bool("json", false, "")
	tests := []struct {
		in, want []string
	}{
		{[]string{"URL", "--tag", "go"}, []string{"--tag", "go", "--", "URL"}},
		{[]string{"--tag", "go", "URL"}, []string{"--tag", "go", "--", "URL"}},
		{[]string{"URL", "--json", "--tag=a", "more"}, []string{"--json", "--tag=a", "--", "URL", "more"}},
		{[]string{"a", "--", "--tag", "b"}, []string{"--", "a", "--tag", "b"}},
		{[]string{"--unknown", "a"}, []string{"--unknown", "--", "a"}},
		{[]string{"-", "--tag"}, []string{"--tag", "--", "-"}},
	}
	for _, tt := range tests {
		got := reorderArgs(fs, tt.in)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("reorderArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUsageAndHelp(t *testing.T) {
	h := newHarness(t, "")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"no command", nil, exitUsage, "", "Commands:"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, exitOK, "search", ""},
		{"help command", []string{"help", "items"}, exitOK, "--since DURATION", ""},
		{"help unknown", []string{"help", "nope"}, exitUsage, "", `unknown command "nope"`},
		{"dash h", []string{"add", "-h"}, exitOK, "--tag T", ""},
		{"global help", []string{"--help"}, exitOK, "Commands:", ""},
		{"unknown flag", []string{"items", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{"bad limit", []string{"items", "--limit", "-3"}, exitUsage, "", "-limit: want a number"},
		{"missing argument", []string{"add"}, exitUsage, "", "add takes one feed URL"},
		{"bad url", []string{"add", "ftp://x/y"}, exitUsage, "", `"ftp://x/y": want an absolute http:// or https:// URL`},
		{"bad tag", []string{"add", "https://x.example/", "--tag", "two words"}, exitUsage, "", "not a simple word"},
		{"bad schedule", []string{"add", "https://x.example/", "--schedule", "every tuesday"}, exitUsage, "", "schedule"},
		{"bad id", []string{"read", "abc"}, exitUsage, "", "not an item ID"},
		{"ids and all", []string{"read", "--all", "3"}, exitUsage, "", "not both"},
		{"edit nothing", []string{"edit", "https://x.example/"}, exitUsage, "", "nothing to change"},
		{"bad since", []string{"items", "--since", "yesterday"}, exitUsage, "", "--since"},
		{"search without query", []string{"search"}, exitUsage, "", "needs a QUERY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.stderr)
			}
		})
	}
}

// TestHelpExplainsEveryFlag checks that each command's help names each of
// its flags with an explanation.
func TestHelpExplainsEveryFlag(t *testing.T) {
	h := newHarness(t, "")
	for _, cmd := range commands() {
		r := h.mustRun(exitOK, "help", cmd.name)
		fs := newFlagSet(cmd, new(string), new(string))
		cmd.setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "user" && !actsForUser(cmd.name) {
				if strings.Contains(r.stdout, "\n  --user NAME\n") {
					t.Errorf("tidings help %s shows --user, but the command acts for no user", cmd.name)
				}
				return
			}
			if !strings.Contains(r.stdout, "--"+f.Name) {
				t.Errorf("tidings help %s does not mention --%s", cmd.name, f.Name)
			}
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("tidings %s --%s has no explanation", cmd.name, f.Name)
			}
		})
		if r2 := h.mustRun(exitOK, cmd.name, "-h"); r2.stdout != r.stdout {
			t.Errorf("tidings %s -h differs from tidings help %s", cmd.name, cmd.name)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if n := utf8.RuneCountInString(line); n > helpWidth {
				t.Errorf("tidings help %s: line of %d characters, over %d: %q", cmd.name, n, helpWidth, line)
			}
		}
	}
	if r := h.mustRun(exitOK, "init", "-h"); !strings.Contains(r.stdout, "where to write the config file") {
		t.Errorf("init -h does not say --config is where to write:\n%s", r.stdout)
	}
}

func TestBrokenConfig(t *testing.T) {
	h := newHarness(t, `
schedule = "every now and then"
bogus_key = 1

[fetch]
timeout = "soon"

[[feed]]
url = "ftp://example.com/feed"
`)
	for _, args := range [][]string{{"feeds"}, {"items"}, {"add", "https://x.example/feed"}, {"export"}} {
		r := h.run(args...)
		if r.code != exitUsage {
			t.Fatalf("tidings %s with a broken config: exit %d, want 2\n%s", args[0], r.code, r.stderr)
		}
		for _, want := range []string{"config.toml:3:", "config.toml:4:", "config.toml:7:", "config.toml:10:"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("tidings %s: stderr lacks %q:\n%s", args[0], want, r.stderr)
			}
		}
	}
	if _, err := os.Stat(h.dbPath); err == nil {
		t.Error("a broken config created the database; it must start nothing")
	}
}

func TestMissingNamedConfig(t *testing.T) {
	h := newBareHarness(t)
	r := h.run("--config", filepath.Join(h.dir, "nope.toml"), "feeds")
	if r.code != exitUsage || !strings.Contains(r.stderr, "nope.toml") {
		t.Fatalf("exit %d, stderr %q; want 2 naming the file", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "not exist") != 1 {
		t.Errorf("stderr %q says twice that the file does not exist", r.stderr)
	}
}

// TestNoConfigAtAll runs add and feeds with no config file anywhere: all
// defaults, the database under XDG_DATA_HOME.
func TestNoConfigAtAll(t *testing.T) {
	h := newBareHarness(t)
	h.mustRun(exitOK, "add", "--no-fetch", "https://blog.example/feed.xml", "--tag", "blogs")
	r := h.mustRun(exitOK, "feeds", "--json")
	if !strings.Contains(r.stdout, `"url":"https://blog.example/feed.xml"`) || !strings.Contains(r.stdout, `"tags":["blogs"]`) {
		t.Errorf("feeds --json:\n%s", r.stdout)
	}
	if _, err := os.Stat(h.dbPath); err != nil {
		t.Errorf("no database at the default place: %v", err)
	}
}

// TestPostgresUnreachable checks that a postgres:// database is opened with
// the PostgreSQL backend, and that one that does not answer is a failure
// that names it.
func TestPostgresUnreachable(t *testing.T) {
	h := newBareHarness(t)
	path := filepath.Join(h.dir, "pg.toml")
	if err := os.WriteFile(path, []byte(`database = "postgres://tidings@127.0.0.1:1/tidings?connect_timeout=2"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.run("--config", path, "feeds")
	if r.code != exitFailure || !strings.Contains(r.stderr, "PostgreSQL") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestNotATidingsDatabase(t *testing.T) {
	h := newHarness(t, "")
	junk := []byte("this is not a database, it is a shopping list\n")
	if err := os.WriteFile(h.dbPath, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.run("feeds")
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "open database") != 1 || strings.Count(r.stderr, h.dbPath) != 1 {
		t.Errorf("stderr %q: want \"open database\" and the file, each once", r.stderr)
	}
	if got, _ := os.ReadFile(h.dbPath); !bytes.Equal(got, junk) {
		t.Error("the file was changed")
	}
}

// meID returns the ID of the database's only user, made if need be.
func meID(t testing.TB, st store.Store) int64 {
	t.Helper()
	u, err := reader.New(reader.Options{Store: st}).ActingUser(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// feedOf returns the only user's subscription to url.
func feedOf(t testing.TB, st store.Store, url string) (store.Subscription, error) {
	t.Helper()
	return reader.New(reader.Options{Store: st}).Lookup(context.Background(), meID(t, st), url)
}

// feedsOf returns the only user's subscriptions, with counts.
func feedsOf(t testing.TB, st store.Store) ([]store.Subscription, error) {
	t.Helper()
	return st.Subscriptions(context.Background(), meID(t, st), true)
}

// addFeed subscribes the only user to s.
func addFeed(t testing.TB, st store.Store, s store.Subscription) (store.Subscription, error) {
	t.Helper()
	return st.Subscribe(context.Background(), meID(t, st), s)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
