package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntheticConfig returns a config declaring n feeds over 100 hosts, with a
// few distinct schedules and tags, like a large generated subscription list.
func syntheticConfig(n int) string {
	var b strings.Builder
	b.WriteString("[fetch]\nconcurrency = 32\nper_host = 2\n")
	schedules := []string{"", "@every 30m", "*/15 * * * *", "CRON_TZ=Europe/Paris 0 7 * * *"}
	for i := range n {
		fmt.Fprintf(&b, "\n[[feed]]\nurl = \"http://127.0.0.%d:8080/feed/%d.xml\"\ntags = [\"t%d\", \"all\"]\n", 2+i%100, i, i%10)
		if s := schedules[i%len(schedules)]; s != "" {
			fmt.Fprintf(&b, "schedule = %q\n", s)
		}
	}
	return b.String()
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("feeds=%d", n), func(b *testing.B) {
			b.Setenv(EnvDatabase, "")
			path := filepath.Join(b.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(syntheticConfig(n)), 0o644); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				c, err := Load(path)
				if err != nil {
					b.Fatal(err)
				}
				if len(c.Feeds) != n {
					b.Fatalf("loaded %d feeds, want %d", len(c.Feeds), n)
				}
			}
		})
	}
}

func BenchmarkValidateSchedule(b *testing.B) {
	for _, spec := range []string{"@every 30m", "*/15 * * * *", "CRON_TZ=Europe/Paris 0 7 * * *", "0 0 29 2 *"} {
		b.Run(spec, func(b *testing.B) {
			for b.Loop() {
				if err := ValidateSchedule(spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
