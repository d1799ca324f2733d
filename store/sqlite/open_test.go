package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tidings/store"
)

// rawExec runs statements on a database file with a plain connection, as
// another program (or an older or newer tidings) would.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirNames lists the files next to the database, to see that a refused
// open created no -wal or -journal file either.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	random := make([]byte, 8192)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) {
			if err := os.WriteFile(path, random, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"text file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("database = \"tidings.db\"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"SQLite header then garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, append([]byte("SQLite format 3\x00"), random...), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"another program's SQLite database", func(t *testing.T, path string) {
			rawExec(t, path,
				"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
				"INSERT INTO notes (body) VALUES ('keep me')")
		}},
		{"another program's WAL database", func(t *testing.T, path string) {
			rawExec(t, path,
				"PRAGMA journal_mode = WAL",
				"CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT)",
				"INSERT INTO feeds (url) VALUES ('https://x.test/')")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.db")
			tt.setup(t, path)
			before := readFile(t, path)
			names := dirNames(t, dir)

			db, err := Open(t.Context(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a file tidings did not make")
			}
			if !errors.Is(err, store.ErrNotTidings) {
				t.Fatalf("Open: %v; want an error wrapping ErrNotTidings", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another path") {
				t.Errorf("message %q should name the file and say what to do", err)
			}
			// The caller says "open database"; the store saying it too
			// would print it twice.
			if !strings.HasPrefix(err.Error(), path+": ") || strings.Contains(err.Error(), "open database") {
				t.Errorf("message %q should start with the path, without \"open database\"", err)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("the refused file was changed")
			}
			if got := dirNames(t, dir); strings.Join(got, ",") != strings.Join(names, ",") {
				t.Errorf("files after a refused open: %q; before: %q", got, names)
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidings.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A later tidings applied migration 999.
	rawExec(t, path, "INSERT INTO "+versionTable+" (version, applied_at) VALUES (999, 0)")
	before := readFile(t, path)

	db, err = Open(t.Context(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded on a newer schema")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade tidings") {
		t.Fatalf("Open: %v; want ErrSchemaTooNew saying to upgrade tidings", err)
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("the refused database was changed")
	}
}

func TestOpenExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deep", "er", "tidings.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a new file in a missing directory: %v", err)
	}
	if _, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: "https://kept.test/feed"}}); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.write.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.read.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	db.Close()

	// Reopening applies nothing twice and keeps the data.
	db, err = Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if _, err := db.Subscription(t.Context(), uid(t, db), "https://kept.test/feed"); err != nil {
		t.Errorf("feed lost on reopen: %v", err)
	}
	var n int
	if err := db.read.QueryRow("SELECT count(*) FROM " + versionTable).Scan(&n); err != nil || n != len(mustMigrations(t)) {
		t.Errorf("%d versions recorded, %v; want %d", n, err, len(mustMigrations(t)))
	}

	// An empty file (say, from touch) is a new database.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(t.Context(), empty)
	if err != nil {
		t.Fatalf("Open of an empty file: %v", err)
	}
	db2.Close()

	// File names with URI syntax in them name that very file.
	odd := filepath.Join(dir, "my feeds?x=1#frag %41.db")
	db3, err := Open(t.Context(), odd)
	if err != nil {
		t.Fatalf("Open(%q): %v", odd, err)
	}
	db3.Close()
	if _, err := os.Stat(odd); err != nil {
		t.Errorf("database not at %q: %v (files: %q)", odd, err, dirNames(t, dir))
	}

	// A directory is refused with a clear message.
	if _, err := Open(t.Context(), dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open of a directory: %v", err)
	}
}

func mustMigrations(t *testing.T) []store.Migration {
	t.Helper()
	m, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return m
}
