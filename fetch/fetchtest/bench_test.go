package fetchtest_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/mmcdole/gofeed"

	"tidings/fetch/fetchtest"
)

// BenchmarkGofeedParse is the floor of the whole-program run (bench/run.sh):
// gofeed alone parsing the very bodies cmd/feedserver serves (mixed-xml,
// 20 items a feed), without fetching, normalising or storing. It reports
// ns/item; the target is CPU per stored item within 1.5x of it.
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
			for b.Loop() {
				for _, body := range bodies {
					f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
					if err != nil || len(f.Items) != items {
						b.Fatalf("parse: %v", err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*feeds*items), "ns/item")
		})
	}
}
