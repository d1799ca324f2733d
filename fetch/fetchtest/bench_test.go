package fetchtest_test

import (
	"bytes"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"tidings/fetch/fetchtest"
)

// BenchmarkGofeedParse is the floor of the whole-program run (bench/run.sh):
// gofeed alone parsing the very bodies cmd/feedserver serves (mixed-xml,
// 20 items a feed), without fetching, normalising or storing. It reports
// ns/item (wall) and cpu-ns/item (user+system CPU of the process, which
// stays meaningful on a busy machine); the target is tidings' CPU
// per stored item within 1.5x of it.
func BenchmarkGofeedParse(b *testing.B) {
	for _, format := range []fetchtest.Format{fetchtest.MixedXML, fetchtest.Mixed} {
		b.Run(string(format), func(b *testing.B) {
			const feeds, items = 100, 20
			s := fetchtest.NewServer(b, fetchtest.Options{Feeds: feeds, Items: items, Format: format, Seed: 1})
			bodies := make([][]byte, feeds)
			var size int64
			for i := range bodies {
				resp, err := http.Get(s.URL(i))
				if err != nil {
					b.Fatal(err)
				}
				bodies[i], err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					b.Fatal(err)
				}
				size += int64(len(bodies[i]))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				for _, body := range bodies {
					f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
					if err != nil || len(f.Items) != items {
						b.Fatalf("parse: %v", err)
					}
				}
			}
			n := float64(b.N * feeds * items)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/item")
			b.ReportMetric(float64(cpuTime(b)-cpu0)/n, "cpu-ns/item")
		})
	}
}

// cpuTime is the user+system CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
