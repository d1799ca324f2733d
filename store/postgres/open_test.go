package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"tidings/store"
)

// connect opens a plain connection to dsn, as another program would,
// closed when the test ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// tables lists the tables of the connection's current schema.
func tables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestOpenMigrates(t *testing.T) {
	dsn := freshSchema(t)
	db := open(t, dsn)
	subscribeURL(t, db, me(t, db), "https://kept.test/feed")
	db.Close()

	conn := connect(t, dsn)
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var n, max int
	if err := conn.QueryRow(t.Context(), "SELECT count(*), max(version) FROM "+versionTable).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(migs) || max != len(migs) {
		t.Errorf("version table has %d rows up to %d; want %d", n, max, len(migs))
	}

	if name := db.Name(); !strings.HasPrefix(name, "postgres://") || strings.Contains(name, "?") {
		t.Errorf("Name() = %q; want a postgres:// URL without parameters", name)
	}

	// Opening again applies nothing and keeps the data.
	db = open(t, dsn)
	if _, err := db.Subscription(t.Context(), me(t, db), "https://kept.test/feed"); err != nil {
		t.Errorf("feed lost on reopen: %v", err)
	}
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM "+versionTable).Scan(&n); err != nil || n != len(migs) {
		t.Errorf("reopen: %d version rows, %v; want %d", n, err, len(migs))
	}
}

func TestOpenRefusesForeignTables(t *testing.T) {
	for _, table := range ourTables {
		t.Run(table, func(t *testing.T) {
			dsn := freshSchema(t)
			conn := connect(t, dsn)
			if _, err := conn.Exec(t.Context(), "CREATE TABLE "+table+" (id serial PRIMARY KEY, name text)"); err != nil {
				t.Fatal(err)
			}
			before := tables(t, conn)
			_, err := Open(t.Context(), dsn)
			if !errors.Is(err, store.ErrNotTidings) {
				t.Fatalf("Open of a schema with another program's %s table: %v; want ErrNotTidings", table, err)
			}
			if !strings.Contains(err.Error(), table) {
				t.Errorf("error %q does not name the table", err)
			}
			if after := tables(t, conn); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("refused Open changed the tables: %q, then %q", before, after)
			}
		})
	}
}

func TestOpenSharesSchemaWithOtherTables(t *testing.T) {
	dsn := freshSchema(t)
	conn := connect(t, dsn)
	if _, err := conn.Exec(t.Context(), "CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	db := open(t, dsn)
	subscribeURL(t, db, me(t, db), "https://x.test/feed")
	var id int
	if err := conn.QueryRow(t.Context(), "SELECT id FROM accounts").Scan(&id); err != nil || id != 7 {
		t.Errorf("the other program's table: %d, %v; want its row kept", id, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := freshSchema(t)
	open(t, dsn).Close()
	conn := connect(t, dsn)
	if _, err := conn.Exec(t.Context(), "INSERT INTO "+versionTable+" (version, name) VALUES (999, '0999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dsn)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v; want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "999") || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("error %q should give the version and say to upgrade", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dsn, _ := server(t)
	tests := []struct {
		name, dsn string
		want      []string // in the message
		not       string   // never in the message
	}{
		{"bad URL", "postgres://[::1", []string{"postgres://"}, ""},
		{"bad port", "postgres://me:hunter2@db.test:port/tidings", []string{"invalid port"}, "hunter2"},
		{"nobody listening", "postgres://me:hunter2@127.0.0.1:1/tidings?connect_timeout=5",
			[]string{"127.0.0.1:1", "check that PostgreSQL runs"}, "hunter2"},
		{"no such database", withParam(dsn, "dbname", "tidings_test_missing_db"), []string{"tidings_test_missing_db"}, ""},
		{"no such schema", withParam(dsn, "search_path", "tidings_test_missing_schema"), []string{"CREATE SCHEMA"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(t.Context(), tt.dsn)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.not != "" && strings.Contains(err.Error(), tt.not) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// TestOpenRace opens one new, empty database from several goroutines at
// once, each with its own pool, as processes starting together would: the
// advisory lock lets one migrate and the others find it done.
func TestOpenRace(t *testing.T) {
	dsn := freshDatabase(t)
	const n = 6
	var (
		wg   sync.WaitGroup
		dbs  [n]*DB
		errs [n]error
	)
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if t.Failed() {
		return
	}
	migs, _ := store.LoadMigrations(migrationFS, "migrations")
	var rows int
	if err := connect(t, dsn).QueryRow(t.Context(), "SELECT count(*) FROM "+versionTable).Scan(&rows); err != nil || rows != len(migs) {
		t.Errorf("version table: %d rows, %v; want each of the %d migrations once", rows, err, len(migs))
	}
	// Every store works on the result.
	for i, db := range dbs {
		if _, err := db.Subscribe(t.Context(), me(t, db), store.Subscription{Feed: store.Feed{URL: "https://race.test/" + string(rune('a'+i))}}); err != nil {
			t.Errorf("Subscribe through store %d: %v", i, err)
		}
	}
}

// TestOpenWithoutCreatePermission opens a schema the user may not create
// tables in: the error says what to grant.
func TestOpenWithoutCreatePermission(t *testing.T) {
	dsn, schema := freshSchemaNamed(t)
	_, admin := server(t)
	role := uniqueName(t)
	for _, q := range []string{"CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA " + schema + " TO " + role} {
		if _, err := admin.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, q := range []string{"REVOKE USAGE ON SCHEMA " + schema + " FROM " + role, "DROP ROLE " + role} {
			if _, err := admin.Exec(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	_, err := Open(t.Context(), withParam(dsn, "user", role))
	if err == nil {
		t.Fatal("Open without CREATE permission succeeded")
	}
	if !strings.Contains(err.Error(), "GRANT CREATE ON SCHEMA "+schema) {
		t.Errorf("error %q does not say what to grant", err)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}

// TestOpenSessionSettings checks the settings Open gives every connection,
// and that the URL can override the idle transaction timeout.
func TestOpenSessionSettings(t *testing.T) {
	dsn := freshSchema(t)
	tests := []struct {
		dsn, setting, want string
	}{
		{dsn, "TimeZone", "UTC"},
		{dsn, "idle_in_transaction_session_timeout", "2min"},
		{withParam(dsn, "idle_in_transaction_session_timeout", "5000"), "idle_in_transaction_session_timeout", "5s"},
	}
	for _, tt := range tests {
		db := open(t, tt.dsn)
		var got string
		if err := db.pool.QueryRow(t.Context(), "SELECT current_setting($1)", tt.setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s = %q; want %q", tt.setting, got, tt.want)
		}
	}
}
