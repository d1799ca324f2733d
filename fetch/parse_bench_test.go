package fetch

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"tidings/fetch/fetchtest"
)

// benchBody is one feed body as served, with the URL it was fetched from.
type benchBody struct {
	url, contentType string
	body             []byte
}

// benchSets returns the bodies the parse benchmarks run over: one 20-item
// feed in each format as the fetchtest server renders them for the
// whole-program runs (fetched from it over loopback), and the real-world
// snapshots.
func benchSets(b *testing.B) map[string][]benchBody {
	b.Helper()
	srv := fetchtest.NewServer(b, fetchtest.Options{Feeds: 3, Items: 20, Format: fetchtest.Mixed})
	sets := map[string][]benchBody{}
	for i := range srv.Len() {
		resp, err := http.Get(srv.URL(i))
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		name := "fetchtest-" + string(srv.FeedFormat(i))
		sets[name] = append(sets[name], benchBody{srv.URL(i), resp.Header.Get("Content-Type"), body})
		sets["fetchtest-all"] = append(sets["fetchtest-all"], benchBody{srv.URL(i), resp.Header.Get("Content-Type"), body})
	}
	files, err := filepath.Glob("testdata/realworld/*")
	if err != nil || len(files) == 0 {
		b.Fatalf("no real-world snapshots (%v)", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.Contains(name, ".golden.") || strings.Contains(name, "FirstEntry") || !strings.Contains(name, ".") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			continue // the comparison needs bodies both can read
		}
		sets["realworld"] = append(sets["realworld"], benchBody{"http://example.test/" + name, "", body})
	}
	return sets
}

var benchSetNames = []string{"fetchtest-rss", "fetchtest-atom", "fetchtest-json", "fetchtest-all", "realworld"}

// BenchmarkParse measures Parse (decode, gofeed, normalise, sanitise) per
// item. Compare with BenchmarkGofeedOnly, the floor:
//
//	go test ./fetch -run '^$' -bench 'Parse$|GofeedOnly' -benchmem
func BenchmarkParse(b *testing.B) {
	sets := benchSets(b)
	for _, name := range benchSetNames {
		bodies := sets[name]
		b.Run(name, func(b *testing.B) {
			items, loops := 0, 0
			cpu0 := processCPU()
			for b.Loop() {
				loops++
				for _, bb := range bodies {
					p, err := Parse(bb.body, bb.contentType, bb.url, goldenNow)
					if err != nil {
						b.Fatal(err)
					}
					items += len(p.Items)
				}
			}
			reportPerItem(b, items, loops, processCPU()-cpu0)
		})
	}
}

// BenchmarkGofeedOnly is gofeed's own parse of the same bodies, with its
// default settings: the floor Parse is compared with.
func BenchmarkGofeedOnly(b *testing.B) {
	sets := benchSets(b)
	for _, name := range benchSetNames {
		bodies := sets[name]
		b.Run(name, func(b *testing.B) {
			items, loops := 0, 0
			cpu0 := processCPU()
			for b.Loop() {
				loops++
				for _, bb := range bodies {
					f, err := gofeed.NewParser().Parse(bytes.NewReader(bb.body))
					if err != nil {
						b.Fatal(err)
					}
					items += len(f.Items)
				}
			}
			reportPerItem(b, items, loops, processCPU()-cpu0)
		})
	}
}

// reportPerItem reports wall time and process CPU time (GC included) per
// item. On a shared machine the CPU figure is the one to compare.
func reportPerItem(b *testing.B, items, loops int, cpu time.Duration) {
	if items == 0 || loops == 0 {
		return
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(items), "ns/item")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(items), "cpu-ns/item")
	}
	b.ReportMetric(float64(items)/float64(loops), "items/op")
}

// BenchmarkNewFeedParser is the cost of the gofeed parser Parse makes per
// call, to compare with a whole parse (BenchmarkParse): small enough that a
// pool would not pay for itself.
func BenchmarkNewFeedParser(b *testing.B) {
	for b.Loop() {
		_ = newFeedParser()
	}
}

// BenchmarkSanitize measures sanitizeHTML alone, per item, on the item
// HTML of the benchmark server's feeds and of the real-world snapshots:
//
//	go test ./fetch -run '^$' -bench 'Sanitize$' -benchmem
func BenchmarkSanitize(b *testing.B) {
	sets := map[string][]string{
		"fetchtest": fetchtestContents(b, fetchtest.MixedXML, 3),
		"realworld": realWorldContents(b),
	}
	for _, name := range []string{"fetchtest", "realworld"} {
		contents := sets[name]
		b.Run(name, func(b *testing.B) {
			items, loops := 0, 0
			cpu0 := processCPU()
			for b.Loop() {
				loops++
				for _, h := range contents {
					_ = sanitizeHTML(h, &lazyBase{raw: "http://example.test/posts/item"})
				}
				items += len(contents)
			}
			reportPerItem(b, items, loops, processCPU()-cpu0)
		})
	}
}
