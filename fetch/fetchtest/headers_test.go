package fetchtest

import (
	"net/http"
	"testing"
)

// FuzzRequestHeaders feeds arbitrary conditional and encoding headers to the
// parsers the server applies to requests: they must never panic, and a
// request naming the current ETag must always get a 304.
func FuzzRequestHeaders(f *testing.F) {
	f.Add(`"f1-rss-n10"`, "Mon, 06 Jan 2025 09:00:00 GMT", "gzip, br")
	f.Add(`W/"x", *`, "yesterday", "gzip;q=0")
	f.Add("", "", "*")
	modified := DefaultEpoch
	f.Fuzz(func(t *testing.T, inm, ims, ae string) {
		r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/feeds/1", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("If-None-Match", inm)
		r.Header.Set("If-Modified-Since", ims)
		r.Header.Set("Accept-Encoding", ae)
		notModified(r, `"f1-rss-n10"`, modified)
		acceptsGzip(r)
		r.Header.Set("If-None-Match", inm+`, "f1-rss-n10"`)
		if !notModified(r, `"f1-rss-n10"`, modified) {
			t.Errorf("If-None-Match %q names the ETag but got no 304", r.Header.Get("If-None-Match"))
		}
	})
}
