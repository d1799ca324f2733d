package greader_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store/postgres"
	"tidings/web/greader"
)

// pgSchema makes an empty PostgreSQL schema, dropped when the test ends,
// and returns a connection string whose search_path is that schema.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("TIDINGS_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL not reachable: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set TIDINGS_TEST_POSTGRES", err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	name := "tidings_test_greader_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_") + "_" +
		time.Now().Format("150405000000")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// process is one tidings process on the shared database: its own store
// connection, reader and Google Reader API server.
func process(t *testing.T, dsn string) (*reader.Reader, *httptest.Server) {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost})
	srv := httptest.NewServer(greader.New(greader.Options{Reader: r}))
	t.Cleanup(srv.Close)
	return r, srv
}

// TestContinuationAcrossProcesses pages a listing on one tidings process
// and continues it on another on the same PostgreSQL database, and on a
// process started after the first stopped: the continuation is accepted
// by all of them, and refused for another user and when never issued.
func TestContinuationAcrossProcesses(t *testing.T) {
	dsn := pgSchema(t)
	ra, a := process(t, dsn)
	_, b := process(t, dsn)
	ctx := context.Background()
	feeds := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 5})
	auth := map[string]string{}
	for _, name := range []string{"alice", "bob"} {
		u, err := ra.AddUser(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := ra.AddToken(ctx, name, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ra.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: feeds.URL(0)}); err != nil {
			t.Fatal(err)
		}
		auth[name] = name + "/" + tok.Secret
	}
	type page struct {
		IDs          []string
		Continuation string
	}
	get := func(srv *httptest.Server, who, c string) (int, page) {
		t.Helper()
		u := srv.URL + "/api/greader/reader/api/0/stream/items/ids?output=json&n=2&s=user/-/state/com.google/reading-list"
		if c != "" {
			u += "&c=" + url.QueryEscape(c)
		}
		r, _ := http.NewRequest("GET", u, nil)
		r.Header.Set("Authorization", "GoogleLogin auth="+auth[who])
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			ItemRefs []struct {
				ID string `json:"id"`
			} `json:"itemRefs"`
			Continuation string `json:"continuation"`
		}
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
		}
		p := page{Continuation: out.Continuation}
		for _, ref := range out.ItemRefs {
			p.IDs = append(p.IDs, ref.ID)
		}
		return resp.StatusCode, p
	}
	_, first := get(a, "alice", "")
	if first.Continuation == "" || len(first.IDs) != 2 {
		t.Fatalf("first page on process A: %+v", first)
	}
	_, wantNext := get(a, "alice", first.Continuation)
	if len(wantNext.IDs) != 2 || slices.Contains(wantNext.IDs, first.IDs[1]) {
		t.Fatalf("second page on process A: %+v after %+v", wantNext, first)
	}
	if status, next := get(b, "alice", first.Continuation); status != 200 || !slices.Equal(next.IDs, wantNext.IDs) {
		t.Errorf("process B continued A's listing with %d %+v, want %+v", status, next, wantNext)
	}
	// A restart: A's server stops, a new process on the database takes over.
	a.Close()
	_, c := process(t, dsn)
	if status, next := get(c, "alice", first.Continuation); status != 200 || !slices.Equal(next.IDs, wantNext.IDs) {
		t.Errorf("after a restart: %d %+v, want %+v", status, next, wantNext)
	}
	if status, _ := get(b, "bob", first.Continuation); status != 400 {
		t.Errorf("bob used alice's continuation: %d, want 400", status)
	}
	if status, _ := get(b, "alice", first.Continuation[:len(first.Continuation)-2]+"AA"); status != 400 {
		t.Errorf("a continuation never issued: %d, want 400", status)
	}
}
