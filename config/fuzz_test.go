package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// fuzzSeeds returns the golden inputs, the starter and a few valid documents.
func fuzzSeeds(t testing.TB) []string {
	seeds := []string{
		Starter(),
		"",
		"database = \"t.db\"\n[fetch]\nconcurrency = 4\n[[feed]]\nurl = \"https://a.example/\"\ntags = [\"x\"]\n",
		"feed = [{ url = \"https://a.example/\" }, { url = \"https://a.example/\" }]\n",
		"fetch.timeout = \"1d\"\nretention = { read_after = \"never\" }\n",
		"[[feed]]\nurl = \"https://a.example/\"\n[feed.x]\ny = 1\n[[feed]]\n\"u\\u0072l\" = 3\n",
		"a = \"\"\"\n[[feed]]\n\"\"\"\n",
	}
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	return seeds
}

// FuzzLoad feeds arbitrary bytes to the config parser: it must never panic,
// must return either a config or Errors, and every problem found after the
// TOML parsed must carry a line.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("fuzz.toml", "/cfg/fuzz.toml", data)
		if err == nil {
			if c == nil {
				t.Fatal("nil config and nil error")
			}
			for _, feed := range c.Feeds {
				if checkFeedURL(feed.URL) != nil || feed.Line < 1 {
					t.Fatalf("accepted a bad feed %+v", feed)
				}
			}
			if c.Fetch.Concurrency < 1 || c.Fetch.PerHost < 1 || c.Fetch.MaxBody < 1 || c.Fetch.Timeout <= 0 {
				t.Fatalf("accepted bad limits %+v", c.Fetch)
			}
			checkLinesCover(t, string(data))
			return
		}
		if c != nil {
			t.Fatal("a config returned with an error")
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T %q is not a non-empty Errors", err, err)
		}
		for _, e := range errs {
			if e.Msg == "" || e.File != "fuzz.toml" {
				t.Fatalf("problem without a message or file: %#v", e)
			}
			if e.Line < 1 {
				t.Fatalf("problem without a line: %v\nin:\n%q", e, data)
			}
			if strings.Contains(e.Error(), "\n") {
				t.Fatalf("problem spans lines: %q", e.Error())
			}
		}
	})
}

// FuzzValidateSchedule checks that no spec panics, and that the normal form
// of every accepted spec is one cron parses and that fires.
func FuzzValidateSchedule(f *testing.F) {
	for _, s := range []string{
		"*/15 * * * *", "@every 10s", "@hourly", "CRON_TZ=Europe/Paris 0 7 * * *", "TZ=UTC",
		"CRON_TZ=", "0 0 30 2 *", "61 * * * *", "1-2-3 * * * *", "*/0 * * * *", "@every -1s",
		"0-63/64 * * * *", "TZ= @daily", "@every 9999999h", "@every 90d", "TZ=UTC @every 1.5w",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		norm, err := NormalizeSchedule(spec)
		if err != nil {
			if !strings.HasSuffix(err.Error(), scheduleHelp) {
				t.Fatalf("error %q does not say what is accepted", err)
			}
			return
		}
		sched, perr := cron.ParseStandard(norm)
		if perr != nil {
			t.Fatalf("accepted %q as %q, which cron rejects: %v", spec, norm, perr)
		}
		if sched.Next(time.Now()).IsZero() {
			t.Fatalf("accepted %q, which never fires", spec)
		}
	})
}
