package greader_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"tidings/reader"
	"tidings/store"
	"tidings/store/postgres"
	"tidings/store/sqlite"
	"tidings/web/greader"
)

// The benchmarks' data: a user subscribed to benchFeeds feeds of
// benchItems items in all, nine in ten of them read.
const (
	benchFeeds = 1000
	benchItems = 1_000_000
)

// benchStored is when every item of the benchmarks' data was stored.
var benchStored = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// openBench returns a reader over a SQLite database with the benchmarks'
// data, and its user. Building a million items through the store takes a
// while, so the file is kept in the temporary directory for the next run
// (TIDINGS_GREADER_BENCH_DB names another place).
func openBench(b *testing.B) (*reader.Reader, store.User) {
	b.Helper()
	path := os.Getenv("TIDINGS_GREADER_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-greader-v1.db")
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return benchData(b, db, statErr == nil, func() { db.Close(); os.Remove(path) })
}

// openBenchPostgres is openBench on PostgreSQL (TIDINGS_TEST_POSTGRES, or
// the local server), in a schema kept for the next run.
func openBenchPostgres(b *testing.B) (*reader.Reader, store.User) {
	b.Helper()
	dsn := os.Getenv("TIDINGS_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("PostgreSQL not reachable: %v", err)
		}
		b.Skipf("PostgreSQL not reachable (%v); set TIDINGS_TEST_POSTGRES", err)
	}
	defer conn.Close(ctx)
	const schema = "tidings_bench_greader_v1"
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return benchData(b, db, n == 1, func() {
		db.Close()
		_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
}

// benchData checks the kept data, or builds it when there is none yet;
// drop undoes a build that failed.
func benchData(b *testing.B, db store.Store, kept bool, drop func()) (*reader.Reader, store.User) {
	ctx := context.Background()
	r := reader.New(reader.Options{Store: db, PasswordCost: bcrypt.MinCost})
	if kept {
		if u, err := db.User(ctx, "reader"); err == nil {
			if n, err := db.CountItems(ctx, u.ID, store.Query{}); err == nil && n == benchItems {
				return r, u
			}
		}
		b.Fatal("the kept benchmark data is not what it should be; remove it to build it again")
	}
	if err := buildBench(ctx, db); err != nil {
		drop()
		b.Fatal(err)
	}
	u, err := db.User(ctx, "reader")
	if err != nil {
		b.Fatal(err)
	}
	return r, u
}

// buildBench stores the data through the store's own methods: feeds,
// their items in batches, and the read marks.
func buildBench(ctx context.Context, db store.Store) error {
	u, err := db.CreateUser(ctx, "reader", "")
	if err != nil {
		return err
	}
	feedIDs := make([]int64, benchFeeds)
	for i := range benchFeeds {
		s, err := db.Subscribe(ctx, u.ID, store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://bench%d.test/feed", i)}, Origin: store.OriginUser})
		if err != nil {
			return err
		}
		feedIDs[i] = s.ID
	}
	base := benchStored
	per := benchItems / benchFeeds
	const batchFeeds = 20
	for f0 := 0; f0 < benchFeeds; f0 += batchFeeds {
		var batch []store.FeedFetch
		for f := f0; f < f0+batchFeeds; f++ {
			items := make([]store.Item, per)
			for j := range items {
				n := f*per + j
				items[j] = store.Item{
					GUID:      "g" + strconv.Itoa(n),
					URL:       "https://bench.test/" + strconv.Itoa(n),
					Title:     "Item " + strconv.Itoa(n),
					Content:   "<p>The text of item " + strconv.Itoa(n) + ", long enough to look like a summary of something.</p>",
					Published: base.Add(time.Duration(j*benchFeeds+f) * time.Second),
				}
			}
			batch = append(batch, store.FeedFetch{FeedID: feedIDs[f], Result: store.FetchResult{Now: base, Title: "Feed " + strconv.Itoa(f), Items: items}})
		}
		_, errs, err := db.SaveFetches(ctx, batch)
		if err != nil {
			return err
		}
		for _, e := range errs {
			if e != nil {
				return e
			}
		}
	}
	ids, err := db.ItemIDs(ctx, u.ID, store.Query{ByID: true, Oldest: true})
	if err != nil {
		return err
	}
	var read []int64
	for _, id := range ids {
		if (uint64(id)*2654435761>>12)%10 != 0 {
			read = append(read, id)
		}
	}
	for len(read) > 0 {
		n := min(len(read), 10000)
		if _, err := db.SetRead(ctx, u.ID, read[:n], true); err != nil {
			return err
		}
		read = read[n:]
	}
	return db.Optimize(ctx)
}

// BenchmarkStreams measures, for a user with 1,000 feeds, 1,000,000 items
// and 100,000 unread on SQLite, the unread IDs of the reading list
// (n=10000) as NetNewsWire and Read You ask for them, the contents of 250
// of them, unread-count, and the IDs stored since a time (ot).
func BenchmarkStreams(b *testing.B) {
	r, u := openBench(b)
	benchStreams(b, r, u)
}

// BenchmarkStreamsPostgres is BenchmarkStreams on PostgreSQL.
func BenchmarkStreamsPostgres(b *testing.B) {
	r, u := openBenchPostgres(b)
	benchStreams(b, r, u)
}

func benchStreams(b *testing.B, r *reader.Reader, u store.User) {
	ctx := context.Background()
	if n, err := r.CountItems(ctx, u.ID, store.Query{Unread: true}); err != nil || n < benchItems/20 || n > benchItems/5 {
		b.Fatalf("%d unread, %v", n, err)
	}
	tok, err := r.AddToken(ctx, u.Name, "bench")
	if err != nil {
		b.Fatal(err)
	}
	auth := u.Name + "/" + tok.Secret
	srv := httptest.NewServer(greader.New(greader.Options{Reader: r}))
	b.Cleanup(srv.Close)
	base := srv.URL + "/api/greader/reader/api/0/"

	idsURL := base + "stream/items/ids?s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=10000&output=json"
	body := benchDo(b, "GET", idsURL, auth, "")
	var out struct {
		ItemRefs []struct {
			ID string `json:"id"`
		} `json:"itemRefs"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.ItemRefs) != 10000 {
		b.Fatalf("ids: %v, %d", err, len(out.ItemRefs))
	}
	form := url.Values{"output": {"json"}}
	for _, ref := range out.ItemRefs[:250] {
		id, _ := strconv.ParseInt(ref.ID, 10, 64)
		form.Add("i", fmt.Sprintf("tag:google.com,2005:reader/item/%016x", id))
	}
	contents := form.Encode()

	b.Run("items-ids-unread-10000", func(b *testing.B) {
		for b.Loop() {
			benchDo(b, "GET", idsURL, auth, "")
		}
	})
	b.Run("items-contents-250", func(b *testing.B) {
		for b.Loop() {
			benchDo(b, "POST", base+"stream/items/contents", auth, contents)
		}
	})
	// unread-count: the counts and the newest item's time of 1,000 feeds
	// and their labels.
	b.Run("unread-count", func(b *testing.B) {
		for b.Loop() {
			benchDo(b, "GET", base+"unread-count?output=json", auth, "")
		}
	})
	// ot as apps send it: every item was stored after it, so finding
	// where the items stored since start takes the whole search.
	otURL := fmt.Sprintf("%sstream/items/ids?s=user/-/state/com.google/reading-list&ot=%d&n=1000&output=json",
		base, benchStored.Unix())
	b.Run("items-ids-ot-1000", func(b *testing.B) {
		for b.Loop() {
			benchDo(b, "GET", otURL, auth, "")
		}
	})
	// The store alone, by date and by ID, to tell its share of a request.
	b.Run("core-ItemIDs-unread-10000-by-date", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.ItemIDs(ctx, u.ID, store.Query{Unread: true, Limit: 10001}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("core-ItemIDs-unread-10000", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.ItemIDs(ctx, u.ID, store.Query{Unread: true, ByID: true, Limit: 10001}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchDo(b *testing.B, method, u, auth, body string) []byte {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "GoogleLogin auth="+auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", u, resp.StatusCode, out)
	}
	return out
}
