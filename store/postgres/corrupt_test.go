package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"tidings/store"
)

// TestCorrupted: the server's data_corrupted and index_corrupted become
// store.ErrCorrupt, saying what to do and keeping the server's error;
// internal_error and other errors pass as they are, and retry does not
// retry it.
func TestCorrupted(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"XX001", "pg_dump"},
		{"XX002", "REINDEX"},
	} {
		pgErr := &pgconn.PgError{Code: tt.code, Message: `invalid page in block 7 of relation base/16384/16390`}
		tries := 0
		err := retry(func() error { tries++; return fmt.Errorf("save fetch: %w", pgErr) })
		var pe *pgconn.PgError
		if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &pe) || pe != pgErr || tries != 1 ||
			!strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "tidings writes nothing more") {
			t.Errorf("retry of %s = %v after %d tries; want store.ErrCorrupt wrapping the server's error, saying %q, once", tt.code, err, tries, tt.want)
		}
		if again := corrupted(err); again != err {
			t.Errorf("corrupted wrapped twice: %v", again)
		}
	}
	for _, other := range []error{nil, &pgconn.PgError{Code: "XX000"}, &pgconn.PgError{Code: "53100"}, errors.New("connection reset")} {
		if got := corrupted(other); got != other {
			t.Errorf("corrupted(%v) = %v; want it unchanged", other, got)
		}
	}
}

// TestDamagedDatabase: when the server says a table the store writes is
// damaged (a trigger in the test's schema raises data_corrupted or
// index_corrupted, so the server's own error comes through the real
// driver), that write fails with store.ErrCorrupt saying what to do,
// Damaged reports it, and the store writes nothing more, not even once the
// damage is gone, while reads go on; opened again, it writes.
func TestDamagedDatabase(t *testing.T) {
	tests := []struct {
		errcode, table, event string
		sqlstate, want        string
	}{
		{errcode: "data_corrupted", table: "items", event: "INSERT", sqlstate: "XX001", want: "pg_dump"},
		{errcode: "index_corrupted", table: "feeds", event: "UPDATE", sqlstate: "XX002", want: "REINDEX"},
	}
	for _, tt := range tests {
		t.Run(tt.errcode, func(t *testing.T) {
			ctx := t.Context()
			dsn, schema := freshSchemaNamed(t)
			_, conn := server(t)
			db := open(t, dsn)
			uid := me(t, db)
			a := subscribeURL(t, db, uid, "https://a.test/feed")
			b := subscribeURL(t, db, uid, "https://b.test/feed")
			items := func(prefix string) []store.Item {
				return []store.Item{{GUID: prefix + "1", Title: "one"}, {GUID: prefix + "2", Title: "two"}}
			}
			if _, err := db.SaveFetch(ctx, a.ID, store.FetchResult{Now: time.Now(), Items: items("a")}); err != nil {
				t.Fatal(err)
			}
			saved, _, err := db.Items(ctx, uid, store.Query{FeedID: a.ID})
			if err != nil || len(saved) != 2 {
				t.Fatalf("items of a: %d, %v", len(saved), err)
			}

			if _, err := conn.Exec(ctx, `CREATE FUNCTION `+schema+`.damaged() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'invalid page in block 7 of relation base/16384/16390' USING ERRCODE = '`+tt.errcode+`'; END $$`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `CREATE TRIGGER damaged BEFORE `+tt.event+` ON `+schema+`.`+tt.table+
				` FOR EACH ROW EXECUTE FUNCTION `+schema+`.damaged()`); err != nil {
				t.Fatal(err)
			}
			if err := db.Damaged(); err != nil {
				t.Fatalf("Damaged before any damage was seen: %v", err)
			}

			_, err = db.SaveFetch(ctx, b.ID, store.FetchResult{Now: time.Now(), Items: items("b")})
			var pe *pgconn.PgError
			if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &pe) || pe.Code != tt.sqlstate ||
				!strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "tidings writes nothing more") {
				t.Fatalf("SaveFetch into a damaged %s: %v; want store.ErrCorrupt wrapping the server's %s, saying %q", tt.table, err, tt.sqlstate, tt.want)
			}
			damaged := db.Damaged()
			if !errors.Is(damaged, store.ErrCorrupt) || !errors.As(damaged, &pe) || pe.Code != tt.sqlstate {
				t.Fatalf("Damaged after the server's %s: %v; want it", tt.sqlstate, damaged)
			}

			// The damage is gone behind tidings' back: it still writes
			// nothing until it is opened again.
			if _, err := conn.Exec(ctx, `DROP TRIGGER damaged ON `+schema+`.`+tt.table); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SaveFetch(ctx, b.ID, store.FetchResult{Now: time.Now(), Items: items("b")}); err != damaged {
				t.Errorf("SaveFetch after the damage was found: %v; want the damage, %v", err, damaged)
			}
			if _, err := db.Subscribe(ctx, uid, store.Subscription{Feed: store.Feed{URL: "https://c.test/feed"}}); !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("Subscribe after the damage was found: %v; want store.ErrCorrupt", err)
			}
			if _, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: time.Now(), Lease: time.Minute, All: true}); !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("ClaimFeeds after the damage was found: %v; want store.ErrCorrupt", err)
			}
			// Writes that go straight to the pool are refused by the
			// server: the store's connections are read-only now.
			if n, err := db.SetRead(ctx, uid, []int64{saved[0].ID}, true); !errors.As(err, &pe) || pe.Code != "25006" {
				t.Errorf("SetRead after the damage was found: %d, %v; want the server's read-only refusal (25006)", n, err)
			}

			// Nothing of it reached the database; reads go on.
			var bItems, feeds, reads int
			if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+schema+`.items WHERE feed_id = $1),
				(SELECT count(*) FROM `+schema+`.feeds), (SELECT count(*) FROM `+schema+`.item_states WHERE read)`, b.ID).Scan(&bItems, &feeds, &reads); err != nil {
				t.Fatal(err)
			}
			if bItems != 0 || feeds != 2 || reads != 0 {
				t.Errorf("after the damage: %d items of b, %d feeds, %d read marks stored; want 0, 2, 0", bItems, feeds, reads)
			}
			if subs, err := db.Subscriptions(ctx, uid, true); err != nil || len(subs) != 2 {
				t.Errorf("Subscriptions of a damaged database: %d, %v; want both, read", len(subs), err)
			}
			if got, _, err := db.Items(ctx, uid, store.Query{FeedID: a.ID}); err != nil || len(got) != 2 {
				t.Errorf("Items of a damaged database: %d, %v; want a's 2", len(got), err)
			}

			again := open(t, dsn)
			if err := again.Damaged(); err != nil {
				t.Errorf("Damaged of the store opened again: %v", err)
			}
			if res, err := again.SaveFetch(ctx, b.ID, store.FetchResult{Now: time.Now(), Items: items("b")}); err != nil || res.New != 2 {
				t.Errorf("SaveFetch of the store opened again: %+v, %v; want 2 new", res, err)
			}
		})
	}
}

// TestOtherErrorsDoNotStopWrites: a trigger's error of another class fails
// its write alone; the store is not taken for damaged.
func TestOtherErrorsDoNotStopWrites(t *testing.T) {
	ctx := t.Context()
	dsn, schema := freshSchemaNamed(t)
	_, conn := server(t)
	db := open(t, dsn)
	uid := me(t, db)
	a := subscribeURL(t, db, uid, "https://a.test/feed")
	if _, err := conn.Exec(ctx, `CREATE FUNCTION `+schema+`.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'not today' USING ERRCODE = 'internal_error'; END $$`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TRIGGER refuse BEFORE INSERT ON `+schema+`.items FOR EACH ROW EXECUTE FUNCTION `+schema+`.refuse()`); err != nil {
		t.Fatal(err)
	}
	_, err := db.SaveFetch(ctx, a.ID, store.FetchResult{Now: time.Now(), Items: []store.Item{{GUID: "1", Title: "one"}}})
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "XX000" || errors.Is(err, store.ErrCorrupt) || db.Damaged() != nil {
		t.Fatalf("SaveFetch refused by internal_error: %v, Damaged %v; want the error alone", err, db.Damaged())
	}
	if _, err := conn.Exec(ctx, `DROP TRIGGER refuse ON `+schema+`.items`); err != nil {
		t.Fatal(err)
	}
	if res, err := db.SaveFetch(ctx, a.ID, store.FetchResult{Now: time.Now(), Items: []store.Item{{GUID: "1", Title: "one"}}}); err != nil || res.New != 1 {
		t.Errorf("SaveFetch after: %+v, %v; want 1 new", res, err)
	}
}

// TestDamagedDatabaseBatch: a fetch of a SaveFetches batch that meets a
// damaged table gets store.ErrCorrupt at its index (as SaveFetch returns
// it), not the server's bare error, and Damaged reports it.
func TestDamagedDatabaseBatch(t *testing.T) {
	ctx := t.Context()
	dsn, schema := freshSchemaNamed(t)
	_, conn := server(t)
	db := open(t, dsn)
	uid := me(t, db)
	a := subscribeURL(t, db, uid, "https://a.test/feed")
	b := subscribeURL(t, db, uid, "https://b.test/feed")
	if _, err := conn.Exec(ctx, `CREATE FUNCTION `+schema+`.damaged() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'invalid page in block 7 of relation base/16384/16390' USING ERRCODE = 'data_corrupted'; END $$`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TRIGGER damaged BEFORE INSERT ON `+schema+`.items
		FOR EACH ROW WHEN (NEW.feed_id = `+strconv.FormatInt(b.ID, 10)+`) EXECUTE FUNCTION `+schema+`.damaged()`); err != nil {
		t.Fatal(err)
	}
	_, errs, err := db.SaveFetches(ctx, []store.FeedFetch{
		{FeedID: a.ID, Result: store.FetchResult{Now: time.Now()}},
		{FeedID: b.ID, Result: store.FetchResult{Now: time.Now(), Items: []store.Item{{GUID: "b1", Title: "one"}}}},
	})
	var pe *pgconn.PgError
	if err == nil {
		if !errors.Is(errs[1], store.ErrCorrupt) || !errors.As(errs[1], &pe) || pe.Code != "XX001" {
			t.Errorf("SaveFetches: the damaged fetch's error is %v; want store.ErrCorrupt wrapping the server's XX001", errs[1])
		}
	} else if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("SaveFetches = %v; want store.ErrCorrupt", err)
	}
	if damaged := db.Damaged(); !errors.Is(damaged, store.ErrCorrupt) {
		t.Errorf("Damaged after the batch: %v; want store.ErrCorrupt", damaged)
	}
}
