package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tidings/store"
)

// defaultServer is where the tests look for PostgreSQL unless
// TIDINGS_TEST_POSTGRES says otherwise.
const defaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// server returns the test server's connection string and a connection to
// it for setting up databases and schemas, closed when the test ends. It
// skips the test when no server answers, except under CI=true, where a
// missing server is a failure.
func server(t testing.TB) (string, *pgx.Conn) {
	t.Helper()
	dsn := os.Getenv("TIDINGS_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultServer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		msg := "PostgreSQL not reachable at " + redact(dsn) + " (" + err.Error() + "); set TIDINGS_TEST_POSTGRES"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return dsn, conn
}

// redact hides the password of a URL connection string.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// uniqueName returns a name no other test run uses.
func uniqueName(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "tidings_test_" + hex.EncodeToString(b)
}

// withParam sets a connection parameter in a URL or key=value string.
func withParam(dsn, key, value string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if key == "dbname" {
			u.Path = "/" + value
			return u.String()
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}

// freshSchema creates an empty schema, dropped when the test ends, and
// returns a connection string whose search_path is that schema.
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn, _ := freshSchemaNamed(t)
	return dsn
}

// freshSchemaNamed is freshSchema, also returning the schema's name.
func freshSchemaNamed(t testing.TB) (string, string) {
	t.Helper()
	dsn, conn := server(t)
	name := uniqueName(t)
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return fast(withParam(dsn, "search_path", name)), name
}

// fast turns off waiting for the WAL flush at commit for a test's
// connections: what a commit makes visible is the same, only a crash of the
// server could lose it, and the tests run several times faster on a busy disk.
func fast(dsn string) string { return withParam(dsn, "synchronous_commit", "off") }

// freshDatabase creates an empty database, dropped when the test ends, and
// returns a connection string for it.
func freshDatabase(t testing.TB) string {
	t.Helper()
	dsn, conn := server(t)
	name := uniqueName(t)
	if _, err := conn.Exec(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return fast(withParam(dsn, "dbname", name))
}

// open opens a store on dsn, closed when the test ends.
func open(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// openEmpty opens a store in a schema of its own.
func openEmpty(t testing.TB) *DB { return open(t, freshSchema(t)) }

// me returns the ID of db's user "me", added on first use.
func me(t testing.TB, db *DB) int64 {
	t.Helper()
	u, err := db.User(t.Context(), "me")
	if errors.Is(err, store.ErrNotFound) {
		u, err = db.CreateUser(t.Context(), "me", "")
		if errors.Is(err, store.ErrUserExists) {
			u, err = db.User(t.Context(), "me")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// subscribeURL subscribes user to u and returns the subscription.
func subscribeURL(t testing.TB, db *DB, user int64, u string) store.Subscription {
	t.Helper()
	s, err := db.Subscribe(t.Context(), user, store.Subscription{Feed: store.Feed{URL: u}})
	if err != nil {
		t.Fatalf("Subscribe %s: %v", u, err)
	}
	return s
}

// feedsOf subscribes to URLs, for ImportFeeds and SyncDeclared.
func feedsOf(urls ...string) []store.Subscription {
	subs := make([]store.Subscription, len(urls))
	for i, u := range urls {
		subs[i] = store.Subscription{Feed: store.Feed{URL: u}}
	}
	return subs
}

func TestRedact(t *testing.T) {
	got := redact("postgres://me:secret@db.internal:5432/tidings")
	if strings.Contains(got, "secret") {
		t.Errorf("redact left the password in: %s", got)
	}
}

// TestDiskFull: the server's disk_full (53100) becomes store.ErrDiskFull,
// saying what to do and keeping the server's error; other errors pass as
// they are, and retry does not retry it.
func TestDiskFull(t *testing.T) {
	full := &pgconn.PgError{Code: "53100", Message: `could not extend file "base/16384/16390": No space left on device`}
	tries := 0
	err := retry(func() error { tries++; return fmt.Errorf("save fetch: %w", full) })
	var pe *pgconn.PgError
	if !errors.Is(err, store.ErrDiskFull) || !errors.As(err, &pe) || pe != full || tries != 1 ||
		!strings.Contains(err.Error(), "free some space on the PostgreSQL server's disk") {
		t.Errorf("retry of a full disk = %v after %d tries; want store.ErrDiskFull wrapping the server's error, once", err, tries)
	}
	if again := diskFull(err); again != err {
		t.Errorf("diskFull wrapped twice: %v", again)
	}
	for _, other := range []error{nil, &pgconn.PgError{Code: "23505"}, errors.New("connection reset")} {
		if got := diskFull(other); got != other {
			t.Errorf("diskFull(%v) = %v; want it unchanged", other, got)
		}
	}
}
