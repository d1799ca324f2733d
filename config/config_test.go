package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	// CRON_TZ specs need the zone database; embed it so that the tests do
	// not depend on the machine's /usr/share/zoneinfo.
	_ "time/tzdata"
)

// isolate clears the environment Load reads and points HOME and the XDG
// directories into a fresh temporary directory, which it returns.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv(EnvConfig, "")
	t.Setenv(EnvDatabase, "")
	return home
}

// writeConfig writes body to dir/name and returns its path.
func writeConfig(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadValid(t *testing.T) {
	home := isolate(t)
	dir := t.TempDir()
	defDB := filepath.Join(home, ".local", "share", "tidings", "tidings.db")

	tests := []struct {
		name string
		body string
		want func(c *Config) // edits Default() into the expected config
	}{
		{
			name: "empty file is all defaults",
			body: "",
			want: func(c *Config) {},
		},
		{
			name: "iframe hosts: PeerTube added, case and repeats folded",
			body: "[content]\niframe_hosts = [\"youtube.com\", \"Videos.Example.org.\", \"videos.example.org\"]\n",
			want: func(c *Config) { c.Content.IframeHosts = []string{"youtube.com", "videos.example.org"} },
		},
		{
			name: "iframe hosts: none",
			body: "[content]\niframe_hosts = []\n",
			want: func(c *Config) { c.Content.IframeHosts = []string{} },
		},
		{
			name: "comments and empty tables",
			body: "# nothing\n[fetch]\n[retention]\n",
			want: func(c *Config) {},
		},
		{
			name: "every key",
			body: `
database = "data/feeds.db"
schedule = "CRON_TZ=Europe/Paris 0 7 * * *"
listen = ":8080"
log_level = "DEBUG"
shutdown_grace = "1m30s"

[fetch]
concurrency = 8
per_host = 1
allow_private_networks = true
timeout = "10s"
max_body = "512KiB"
max_items = 200
max_server_delay = "1d"

[retention]
read_after = "2w"

[[feed]]
url = "https://example.org/feed.xml"
title = "  Example  "
tags = ["news", "go", "news", "a/b.c_d-e", "café"]
schedule = "@hourly"

[[feed]]
url = "http://127.0.0.1:8080/atom"
`,
			want: func(c *Config) {
				c.Database = filepath.Join(dir, "data", "feeds.db")
				c.Schedule = "CRON_TZ=Europe/Paris 0 7 * * *"
				c.Listen = ":8080"
				c.LogLevel = "debug"
				c.ShutdownGrace = 90 * time.Second
				c.Fetch = Fetch{Concurrency: 8, PerHost: 1, AllowPrivateNetworks: true, Timeout: 10 * time.Second,
					MaxBody: 512 << 10, MaxItems: 200, MaxServerDelay: 24 * time.Hour}
				c.Retention.ReadAfter = 14 * 24 * time.Hour
				c.Feeds = []Feed{
					{URL: "https://example.org/feed.xml", Title: "Example", Tags: []string{"news", "go", "a/b.c_d-e", "café"}, Schedule: "@hourly", Line: 20},
					{URL: "http://127.0.0.1:8080/atom", Line: 26},
				}
			},
		},
		{
			name: "postgres URL kept as given",
			body: `database = "postgres://tidings:secret@db.example:5432/tidings?sslmode=disable"`,
			want: func(c *Config) { c.Database = "postgres://tidings:secret@db.example:5432/tidings?sslmode=disable" },
		},
		{
			name: "postgresql URL kept as given",
			body: `database = "postgresql:///tidings"`,
			want: func(c *Config) { c.Database = "postgresql:///tidings" },
		},
		{
			name: "absolute database path",
			body: `database = "/var/lib/tidings/t.db"`,
			want: func(c *Config) { c.Database = "/var/lib/tidings/t.db" },
		},
		{
			name: "home database path",
			body: `database = "~/feeds/t.db"`,
			want: func(c *Config) { c.Database = filepath.Join(home, "feeds", "t.db") },
		},
		{
			name: "parent-relative database path",
			body: `database = "../t.db"`,
			want: func(c *Config) { c.Database = filepath.Join(filepath.Dir(dir), "t.db") },
		},
		{
			name: "read_after never",
			body: "[retention]\nread_after = \"never\"\n",
			want: func(c *Config) { c.Retention.ReadAfter = 0 },
		},
		{
			name: "read_after string zero",
			body: "[retention]\nread_after = \"0\"\n",
			want: func(c *Config) { c.Retention.ReadAfter = 0 },
		},
		{
			name: "read_after integer zero",
			body: "[retention]\nread_after = 0\n",
			want: func(c *Config) { c.Retention.ReadAfter = 0 },
		},
		{
			name: "query_timeout",
			body: "[store]\nquery_timeout = \"2s\"\n",
			want: func(c *Config) { c.Store.QueryTimeout = 2 * time.Second },
		},
		{
			name: "max_body as plain bytes",
			body: "[fetch]\nmax_body = 1048576\n",
			want: func(c *Config) { c.Fetch.MaxBody = 1 << 20 },
		},
		{
			name: "dotted keys and inline tables",
			body: "fetch.timeout = \"5s\"\nretention = { read_after = \"30d\" }\n",
			want: func(c *Config) {
				c.Fetch.Timeout = 5 * time.Second
				c.Retention.ReadAfter = 30 * 24 * time.Hour
			},
		},
		{
			name: "inline array of feeds",
			body: "feed = [\n  { url = \"https://a.example/f\" },\n  { url = \"https://b.example/f\", schedule = \"@every 10s\" },\n]\n",
			want: func(c *Config) {
				c.Feeds = []Feed{{URL: "https://a.example/f", Line: 2}, {URL: "https://b.example/f", Schedule: "@every 10s", Line: 3}}
			},
		},
		{
			name: "empty feed schedule means the default",
			body: "[[feed]]\nurl = \"https://a.example/f\"\nschedule = \"\"\ntags = []\n",
			want: func(c *Config) { c.Feeds = []Feed{{URL: "https://a.example/f", Line: 1}} },
		},
		{
			name: "byte order mark",
			body: "\ufeff[[feed]]\nurl = \"https://a.example/f\"\n",
			want: func(c *Config) { c.Feeds = []Feed{{URL: "https://a.example/f", Line: 1}} },
		},
		{
			name: "CRLF line ends and indentation",
			body: "schedule = \"@daily\"\r\n\r\n[[feed]]\r\n\turl = \"https://a.example/f\"\r\n",
			want: func(c *Config) {
				c.Schedule = "@daily"
				c.Feeds = []Feed{{URL: "https://a.example/f", Line: 3}}
			},
		},
		{
			name: "listen on IPv6 and port 0",
			body: `listen = "[::1]:0"`,
			want: func(c *Config) { c.Listen = "[::1]:0" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, dir, "config.toml", tt.body)
			got, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := Default()
			want.File = path
			want.Database = defDB
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// TestLoadInvalid checks that each kind of problem is reported on its line
// with its key; the golden files check the full messages.
func TestLoadInvalid(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		body string
		want []string // "LINE KEY" of each problem, in order
	}{
		{"syntax", "a = 1\nb = = 2\n", []string{"2 "}},
		{"duplicate key is a syntax error", "listen = \":1\"\nlisten = \":2\"\n", []string{"2 "}},
		{"unknown top key", "\n\nbogus = 1\n", []string{"3 bogus"}},
		{"unknown nested key", "[fetch]\nconcurrency = 2\nbogus = 1\n", []string{"3 fetch.bogus"}},
		{"wrong type", "[fetch]\nconcurrency = \"2\"\n", []string{"2 fetch.concurrency"}},
		{"float for integer", "[fetch]\nper_host = 1.5\n", []string{"2 fetch.per_host"}},
		{"concurrency zero", "[fetch]\nconcurrency = 0\n", []string{"2 fetch.concurrency"}},
		{"per_host negative", "[fetch]\nper_host = -1\n", []string{"2 fetch.per_host"}},
		{"timeout zero", "[fetch]\ntimeout = \"0s\"\n", []string{"2 fetch.timeout"}},
		{"query_timeout zero", "[store]\nquery_timeout = \"0s\"\n", []string{"2 store.query_timeout"}},
		{"query_timeout not a duration", "[store]\nquery_timeout = \"soon\"\n", []string{"2 store.query_timeout"}},
		{"bad duration", "shutdown_grace = \"soon\"\n", []string{"1 shutdown_grace"}},
		{"negative duration", "[fetch]\nmax_server_delay = \"-1h\"\n", []string{"2 fetch.max_server_delay"}},
		{"bad size", "[fetch]\nmax_body = \"16 parsecs\"\n", []string{"2 fetch.max_body"}},
		{"zero size", "[fetch]\nmax_body = 0\n", []string{"2 fetch.max_body"}},
		{"listen without port", "listen = \"127.0.0.1\"\n", []string{"1 listen"}},
		{"listen port out of range", "listen = \":70000\"\n", []string{"1 listen"}},
		{"log level", "log_level = \"trace\"\n", []string{"1 log_level"}},
		{"bad schedule", "schedule = \"every hour\"\n", []string{"1 schedule"}},
		{"empty schedule", "schedule = \"\"\n", []string{"1 schedule"}},
		{"never fires", "schedule = \"0 0 31 4 *\"\n", []string{"1 schedule"}},
		{"sqlite URL", "database = \"sqlite://x.db\"\n", []string{"1 database"}},
		{"feed url not http", "[[feed]]\nurl = \"javascript:alert(1)\"\n", []string{"2 feed.url"}},
		{"feed url relative", "[[feed]]\nurl = \"example.org/feed\"\n", []string{"2 feed.url"}},
		{"feed without url", "[[feed]]\ntitle = \"x\"\n", []string{"1 feed"}},
		{"feed tag with space", "[[feed]]\nurl = \"https://a.example/\"\ntags = [\"a b\"]\n", []string{"3 feed.tags"}},
		{"feed tag too long", "[[feed]]\nurl = \"https://a.example/\"\ntags = [\"" + strings.Repeat("x", 65) + "\"]\n", []string{"3 feed.tags"}},
		{"duplicate feeds", "[[feed]]\nurl = \"https://a.example/f\"\n[[feed]]\nurl = \"https://a.example/g\"\n[[feed]]\nurl = \"https://A.example/f\"\n", []string{"6 feed.url"}},
		{"feed as table", "[feed]\nurl = \"https://a.example/f\"\n", []string{"1 feed"}},
		{
			name: "all problems at once, in line order",
			body: "[[feed]]\nurl = \"ftp://x\"\nschedule = \"@never\"\n[fetch]\nconcurrency = 0\ntimout = \"1s\"\n[retention]\nread_after = \"1y\"\n",
			want: []string{"2 feed.url", "3 feed.schedule", "5 fetch.concurrency", "6 fetch.timout", "8 retention.read_after"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, dir, "config.toml", tt.body)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", c)
			}
			if c != nil {
				t.Errorf("Load returned a config with its error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T %v, want Errors", err, err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimSpace(strings.Join([]string{strconv.Itoa(e.Line), e.Key}, " ")))
				if e.File != path {
					t.Errorf("File = %q, want %q", e.File, path)
				}
				if e.Msg == "" {
					t.Errorf("empty message in %#v", e)
				}
				if !strings.HasPrefix(e.Error(), path+":"+strconv.Itoa(e.Line)+": ") {
					t.Errorf("Error() = %q, want it to start with FILE:LINE", e.Error())
				}
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.TrimSpace(w)
			}
			if !slices.Equal(got, want) {
				t.Errorf("problems = %q, want %q\n%v", got, want, err)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "c.toml", Line: 3, Key: "fetch.timeout", Msg: "bad"}, "c.toml:3: fetch.timeout: bad"},
		{Error{File: "c.toml", Line: 3, Msg: "bad"}, "c.toml:3: bad"},
		{Error{File: "c.toml", Msg: "bad"}, "c.toml: bad"},
		{Error{Line: 7, Key: "listen", Msg: "bad"}, "line 7: listen: bad"},
		{Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	errs := Errors{{File: "a", Line: 1, Msg: "x"}, {File: "a", Line: 2, Msg: "y"}}
	if got := errs.Error(); got != "a:1: x\na:2: y" {
		t.Errorf("Errors.Error() = %q", got)
	}
	var one *Error
	if !errors.As(error(errs), &one) || one.Line != 1 {
		t.Errorf("errors.As(Errors, *Error) = %v", one)
	}
}

func TestSyntaxErrorHasContext(t *testing.T) {
	isolate(t)
	path := writeConfig(t, t.TempDir(), "c.toml", "a = \"x\"\nb = [1, 2\n")
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load error %v, want an *Error", err)
	}
	if e.Line == 0 || !strings.Contains(e.Msg, "invalid TOML") || !strings.Contains(e.Context, "^") {
		t.Errorf("syntax error = %#v, want a line, a message and a context with a caret", e)
	}
}

func TestLoadDefaultFile(t *testing.T) {
	t.Run("missing default file gives defaults", func(t *testing.T) {
		home := isolate(t)
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		if !reflect.DeepEqual(c, want) {
			t.Errorf("Load(\"\") = %+v, want %+v", c, want)
		}
		if c.File != "" {
			t.Errorf("File = %q, want empty", c.File)
		}
		if wantDB := filepath.Join(home, ".local", "share", "tidings", "tidings.db"); c.Database != wantDB {
			t.Errorf("Database = %q, want %q", c.Database, wantDB)
		}
	})
	t.Run("default file under HOME", func(t *testing.T) {
		home := isolate(t)
		p := writeConfig(t, home, ".config/tidings/config.toml", "listen = \":1234\"\ndatabase = \"t.db\"\n")
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != p || c.Listen != ":1234" {
			t.Errorf("Load(\"\") = File %q Listen %q, want %q and :1234", c.File, c.Listen, p)
		}
		if want := filepath.Join(home, ".config", "tidings", "t.db"); c.Database != want {
			t.Errorf("Database = %q, want %q (relative to the file)", c.Database, want)
		}
	})
	t.Run("default file under XDG_CONFIG_HOME", func(t *testing.T) {
		isolate(t)
		xdg := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", xdg)
		p := writeConfig(t, xdg, "tidings/config.toml", "log_level = \"warn\"\n")
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != p || c.LogLevel != "warn" {
			t.Errorf("Load(\"\") = File %q LogLevel %q, want %q and warn", c.File, c.LogLevel, p)
		}
	})
	t.Run("broken default file is an error", func(t *testing.T) {
		home := isolate(t)
		writeConfig(t, home, ".config/tidings/config.toml", "bogus = 1\n")
		if _, err := Load(""); err == nil {
			t.Fatal("Load(\"\") of a broken default file: no error")
		}
	})
}

func TestDefaultPaths(t *testing.T) {
	home := isolate(t)
	if got, want := DefaultPath(), filepath.Join(home, ".config", "tidings", "config.toml"); got != want {
		t.Errorf("DefaultPath() = %q, want %q", got, want)
	}
	if got, want := DefaultDatabasePath(), filepath.Join(home, ".local", "share", "tidings", "tidings.db"); got != want {
		t.Errorf("DefaultDatabasePath() = %q, want %q", got, want)
	}
	cfgHome, dataHome := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("XDG_DATA_HOME", dataHome)
	if got, want := DefaultPath(), filepath.Join(cfgHome, "tidings", "config.toml"); got != want {
		t.Errorf("DefaultPath() with XDG_CONFIG_HOME = %q, want %q", got, want)
	}
	if got, want := DefaultDatabasePath(), filepath.Join(dataHome, "tidings", "tidings.db"); got != want {
		t.Errorf("DefaultDatabasePath() with XDG_DATA_HOME = %q, want %q", got, want)
	}
	if got := Default().Database; got != filepath.Join(dataHome, "tidings", "tidings.db") {
		t.Errorf("Default().Database = %q", got)
	}
	// The XDG spec says relative values are to be ignored.
	t.Setenv("XDG_CONFIG_HOME", "relative/dir")
	t.Setenv("XDG_DATA_HOME", "relative/dir")
	if got, want := DefaultPath(), filepath.Join(home, ".config", "tidings", "config.toml"); got != want {
		t.Errorf("DefaultPath() with relative XDG_CONFIG_HOME = %q, want %q", got, want)
	}
	if got, want := DefaultDatabasePath(), filepath.Join(home, ".local", "share", "tidings", "tidings.db"); got != want {
		t.Errorf("DefaultDatabasePath() with relative XDG_DATA_HOME = %q, want %q", got, want)
	}
}

func TestLoadMissingNamedFile(t *testing.T) {
	isolate(t)
	missing := filepath.Join(t.TempDir(), "nope.toml")
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error for a named file that does not exist")
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not match fs.ErrNotExist", err)
		}
		if !strings.Contains(err.Error(), "tidings init --config "+missing) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("error %q does not say the file is missing and how to create it", err)
		}
		if strings.Count(err.Error(), "not exist") != 1 {
			t.Errorf("error %q says twice that the file does not exist", err)
		}
	}
	t.Run("argument", func(t *testing.T) {
		_, err := Load(missing)
		check(t, err)
	})
	t.Run("TIDINGS_CONFIG", func(t *testing.T) {
		t.Setenv(EnvConfig, missing)
		_, err := Load("")
		check(t, err)
	})
}

func TestLoadEnvOverrides(t *testing.T) {
	home := isolate(t)
	dir := t.TempDir()
	envFile := writeConfig(t, dir, "env.toml", "listen = \":1111\"\ndatabase = \"from-file.db\"\n")
	argFile := writeConfig(t, dir, "arg.toml", "listen = \":2222\"\n")

	t.Run("TIDINGS_CONFIG names the file", func(t *testing.T) {
		t.Setenv(EnvConfig, envFile)
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != envFile || c.Listen != ":1111" || c.Database != filepath.Join(dir, "from-file.db") {
			t.Errorf("Load = %+v", c)
		}
	})
	t.Run("an argument wins over TIDINGS_CONFIG", func(t *testing.T) {
		t.Setenv(EnvConfig, envFile)
		c, err := Load(argFile)
		if err != nil {
			t.Fatal(err)
		}
		if c.File != argFile || c.Listen != ":2222" {
			t.Errorf("Load = %+v", c)
		}
	})
	t.Run("relative TIDINGS_DATABASE is relative to the working directory", func(t *testing.T) {
		t.Setenv(EnvDatabase, "sub/env.db")
		wd := t.TempDir()
		t.Chdir(wd)
		c, err := Load(envFile)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(wd, "sub", "env.db"); c.Database != want {
			t.Errorf("Database = %q, want %q", c.Database, want)
		}
	})
	t.Run("TIDINGS_DATABASE applies without a config file", func(t *testing.T) {
		t.Setenv(EnvDatabase, "/srv/t.db")
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != "" || c.Database != "/srv/t.db" {
			t.Errorf("Load = File %q Database %q", c.File, c.Database)
		}
	})
	t.Run("TIDINGS_DATABASE with home and postgres", func(t *testing.T) {
		t.Setenv(EnvDatabase, "~/x.db")
		c, err := Load(envFile)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(home, "x.db"); c.Database != want {
			t.Errorf("Database = %q, want %q", c.Database, want)
		}
		t.Setenv(EnvDatabase, "postgres://u@127.0.0.1/tidings")
		if c, err = Load(envFile); err != nil || c.Database != "postgres://u@127.0.0.1/tidings" {
			t.Errorf("Load = %v, %v; want the URL as given", c, err)
		}
	})
	t.Run("relative config path and home config path", func(t *testing.T) {
		t.Chdir(dir)
		c, err := Load("env.toml")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != envFile || c.Database != filepath.Join(dir, "from-file.db") {
			t.Errorf("Load(relative) = File %q Database %q", c.File, c.Database)
		}
		p := writeConfig(t, home, "my/tidings.toml", "database = \"db/t.db\"\n")
		c, err = Load("~/my/tidings.toml")
		if err != nil {
			t.Fatal(err)
		}
		if c.File != p || c.Database != filepath.Join(home, "my", "db", "t.db") {
			t.Errorf("Load(~/...) = File %q Database %q", c.File, c.Database)
		}
	})
}

func TestFeedSchedule(t *testing.T) {
	c := Default()
	if got := c.FeedSchedule(Feed{}); got != DefaultSchedule {
		t.Errorf("FeedSchedule(no schedule) = %q", got)
	}
	if got := c.FeedSchedule(Feed{Schedule: "@daily"}); got != "@daily" {
		t.Errorf("FeedSchedule(@daily) = %q", got)
	}
}

// settingLine matches a commented-out setting of the starter: "#key = value"
// or a commented table header, as opposed to prose ("# ...").
var settingLine = regexp.MustCompile(`^#(\[\[?[a-z_]+\]\]?$|[a-z_]+ *= )`)

func TestStarter(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	s := Starter()

	t.Run("loads as written and gives the defaults", func(t *testing.T) {
		p := writeConfig(t, dir, "starter.toml", s)
		c, err := Load(p)
		if err != nil {
			t.Fatalf("Starter() does not load:\n%v", err)
		}
		want := Default()
		want.File = p
		if !reflect.DeepEqual(c, want) {
			t.Errorf("Starter() loads as %+v, want %+v", c, want)
		}
	})

	t.Run("mentions every key", func(t *testing.T) {
		for table, keys := range schema {
			for _, k := range keys {
				if !regexp.MustCompile(`(?m)^#`+k+` *= `).MatchString(s) && !strings.Contains(s, "["+k+"]") {
					t.Errorf("Starter() does not show key %q of table %q as a setting", k, table)
				}
			}
		}
	})

	t.Run("every commented value is the default", func(t *testing.T) {
		// Uncomment every setting, except the example feed, whose values
		// are examples rather than defaults.
		var out []string
		inFeed := false
		for _, line := range strings.Split(s, "\n") {
			if line == "#[[feed]]" {
				inFeed = true
			}
			if settingLine.MatchString(line) && !inFeed {
				line = strings.TrimPrefix(line, "#")
			}
			out = append(out, line)
		}
		p := writeConfig(t, dir, "uncommented.toml", strings.Join(out, "\n"))
		c, err := Load(p)
		if err != nil {
			t.Fatalf("uncommented starter does not load:\n%v", err)
		}
		want := Default()
		want.File = p
		want.Database = filepath.Join(dir, "tidings.db") // the example value
		if !reflect.DeepEqual(c, want) {
			t.Errorf("uncommented starter = %+v, want %+v", c, want)
		}
	})

	t.Run("example feed is valid", func(t *testing.T) {
		var out []string
		for _, line := range strings.Split(s, "\n") {
			if settingLine.MatchString(line) {
				line = strings.TrimPrefix(line, "#")
			}
			out = append(out, line)
		}
		p := writeConfig(t, dir, "with-feed.toml", strings.Join(out, "\n"))
		c, err := Load(p)
		if err != nil {
			t.Fatalf("uncommented starter with its feed does not load:\n%v", err)
		}
		if len(c.Feeds) != 1 || c.Feeds[0].Schedule == "" || len(c.Feeds[0].Tags) == 0 || c.Feeds[0].Title == "" {
			t.Errorf("example feed = %+v, want one feed with every key set", c.Feeds)
		}
	})
}

func TestResolvePath(t *testing.T) {
	home := isolate(t)
	if got, want := ResolvePath(""), filepath.Join(home, ".config", "tidings", "config.toml"); got != want {
		t.Errorf("ResolvePath(\"\") = %q, want %q", got, want)
	}
	t.Setenv(EnvConfig, "/etc/tidings.toml")
	if got := ResolvePath(""); got != "/etc/tidings.toml" {
		t.Errorf("ResolvePath(\"\") with %s = %q", EnvConfig, got)
	}
	if got := ResolvePath("x.toml"); got != "x.toml" {
		t.Errorf("ResolvePath(x.toml) = %q", got)
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		c := &Config{LogLevel: level}
		if got := c.SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

func TestFeedNormalForms(t *testing.T) {
	isolate(t)
	path := filepath.Join(t.TempDir(), "config.toml")
	body := `schedule = "@every 2w"

[[feed]]
url = "HTTPS://Example.ORG:443/Feed.xml"
tags = ["Go", "go", "News/World"]
schedule = "@every 90d"

[[feed]]
url = "http://example.org"
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Schedule != "@every 336h0m0s" {
		t.Errorf("schedule = %q, want cron's form of 2w", c.Schedule)
	}
	want := []Feed{
		{URL: "https://example.org/Feed.xml", Tags: []string{"go", "news/world"}, Schedule: "@every 2160h0m0s", Line: 3},
		{URL: "http://example.org", Line: 8},
	}
	if !reflect.DeepEqual(c.Feeds, want) {
		t.Errorf("feeds = %+v\nwant %+v", c.Feeds, want)
	}
}

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "HTTP://Host/feed", want: "http://host/feed"},
		{in: "https://Example.org:443/A?b=C#D", want: "https://example.org/A?b=C#D"},
		{in: "http://example.org:80", want: "http://example.org"},
		{in: "http://example.org:8080/", want: "http://example.org:8080/"},
		{in: "https://[::1]:443/x", want: "https://[::1]/x"},
		{in: " https://a.example/f ", want: "https://a.example/f"},
		{in: "ftp://a.example/f", wantErr: "http"},
		{in: "https:///f", wantErr: "no host"},
		{in: "%zz", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		got, err := CanonicalURL(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CanonicalURL(%q) = %q, %v; want an error about %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
