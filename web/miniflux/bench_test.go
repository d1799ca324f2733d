package miniflux_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"tidings/reader"
)

// BenchmarkEntriesLimit100 measures GET /v1/entries?limit=100 (with its
// total) for a user with 20 feeds of 1,000 items each on SQLite: unread
// newest first, everything, and a page far in.
func BenchmarkEntriesLimit100(b *testing.B) {
	const feeds, items = 20, 1000
	e := newEnv(b, feeds, items)
	u, tok := e.user(b, "alice")
	ctx := context.Background()
	for i := range feeds {
		if _, err := e.r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: e.feeds.URL(i), Tags: []string{"t" + string(rune('a'+i%5))}}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"limit=100&status=unread&direction=desc", "limit=100", "limit=100&offset=5000&order=id"} {
		b.Run(q, func(b *testing.B) { benchGet(b, e.srv.URL+"/v1/entries?"+q, tok) })
	}
}

func benchGet(b *testing.B, url, tok string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Auth-Token", tok)
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
