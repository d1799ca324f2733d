package postgres

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tidings/store"
)

// needRealDisk skips a test that needs root and PostgreSQL's server
// programs when the machine lacks them, except under CI=true, where .ci/run
// runs as root with PostgreSQL installed and the test must run. It returns
// the directory of initdb, pg_ctl and postgres.
func needRealDisk(t *testing.T) string {
	t.Helper()
	skip := func(msg string) {
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the test must run)")
		}
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		skip("a real full disk is a small tmpfs, and mounting one needs root")
	}
	bins, err := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if err != nil || len(bins) == 0 {
		skip("no /usr/lib/postgresql/*/bin/initdb on this machine; install PostgreSQL's server package")
	}
	slices.Sort(bins)
	return filepath.Dir(bins[len(bins)-1])
}

// asPostgres runs one of PostgreSQL's programs as the postgres user (the
// server refuses to run as root), failing the test with its output.
func asPostgres(t *testing.T, bin, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, prog)}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
}

// fillDisk writes a file in dir until its file system has no room left,
// and returns the file's path: removing it gives the room back.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	// The last pages a short write left.
	small := make([]byte, 512)
	for {
		if _, err := f.Write(small); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return path
		}
	}
}

// manyItems returns n items of about 2 KB each, enough to need new pages
// in every table and index they go to.
func manyItems(prefix string, n int) []store.Item {
	items := make([]store.Item, n)
	for i := range items {
		items[i] = store.Item{
			GUID:    fmt.Sprintf("%s-%d", prefix, i),
			URL:     fmt.Sprintf("https://example.com/%s/%d", prefix, i),
			Title:   fmt.Sprintf("Item %d of %s", i, prefix),
			Content: "<p>" + strings.Repeat(fmt.Sprintf("word%d %s%d ", i, prefix, i*7), 120) + "</p>",
		}
	}
	return items
}

// TestDiskFullRealDisk: a private PostgreSQL cluster whose data directory
// is on a 96 MB tmpfs (its WAL on the ordinary disk, so that the server
// meets the full disk as it extends a table, as a full data disk does,
// rather than stopping for want of WAL). With the disk full, SaveFetch
// fails with store.ErrDiskFull, saying what to do and keeping the server's
// own disk_full error; nothing of the fetch is stored (no item, the feed's
// state as before); the server goes on; and once space is freed the same
// save, and others, work.
func TestDiskFullRealDisk(t *testing.T) {
	bin := needRealDisk(t)
	dir := t.TempDir()
	// The postgres user must reach its directories.
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	disk := filepath.Join(dir, "disk")
	if err := os.Mkdir(disk, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=96m,mode=0755"); err != nil {
		t.Fatalf("mount a 96 MB tmpfs as root: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(disk, 0); err != nil {
			t.Errorf("unmount %s: %v", disk, err)
			syscall.Unmount(disk, syscall.MNT_DETACH)
		}
	})
	data, wal, logFile := filepath.Join(disk, "data"), filepath.Join(dir, "wal"), filepath.Join(dir, "postgres.log")
	if err := os.WriteFile(logFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "postgres", disk, dir, logFile).CombinedOutput(); err != nil {
		t.Fatalf("chown to postgres: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	asPostgres(t, bin, "initdb", "-D", data, "-X", wal, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	asPostgres(t, bin, "pg_ctl", "-D", data, "-l", logFile, "-w", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c autovacuum=off", port), "start")
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
			asPostgres(t, bin, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		}
		if t.Failed() {
			log, _ := os.ReadFile(logFile)
			t.Logf("server log:\n%s", log)
		}
	})
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", port)

	ctx := t.Context()
	db := open(t, dsn)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	user := me(t, db)
	a := subscribeURL(t, db, user, "https://example.com/a.xml")
	b := subscribeURL(t, db, user, "https://example.com/b.xml")
	var started time.Time
	if err := conn.QueryRow(ctx, "SELECT pg_postmaster_start_time()").Scan(&started); err != nil {
		t.Fatal(err)
	}
	stored := func(feedID int64) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM items WHERE feed_id = $1", feedID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	now := time.Now().Truncate(time.Second)
	result := func(prefix string) store.FetchResult {
		return store.FetchResult{Now: now, Title: "Feed " + prefix, Items: manyItems(prefix, 400),
			State: store.FeedState{LastFetch: now, LastSuccess: now, ETag: `"` + prefix + `"`, NextDue: now.Add(time.Hour)}}
	}

	filler := fillDisk(t, disk)
	_, err = db.SaveFetch(ctx, a.ID, result("a"))
	var pe *pgconn.PgError
	if !errors.Is(err, store.ErrDiskFull) || !errors.As(err, &pe) || pe.Code != "53100" ||
		!strings.Contains(err.Error(), "free some space on the PostgreSQL server's disk") {
		t.Fatalf("SaveFetch on a full disk: %v; want store.ErrDiskFull saying what to do, wrapping the server's disk_full (53100)", err)
	}
	t.Logf("the error: %v", err)
	if n := stored(a.ID); n != 0 {
		t.Errorf("%d items stored by the save that failed; want none", n)
	}
	s, err := db.Subscription(ctx, user, a.Feed.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !s.State.LastFetch.IsZero() || s.State.ETag != "" || s.Title != "" {
		t.Errorf("the feed after the save that failed: state %+v, title %q; want it as before", s.State, s.Title)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	res, err := db.SaveFetch(ctx, a.ID, result("a"))
	if err != nil || res.New != 400 {
		t.Fatalf("SaveFetch with room again: %+v, %v; want 400 new items", res, err)
	}
	if res, err := db.SaveFetch(ctx, b.ID, result("b")); err != nil || res.New != 400 {
		t.Fatalf("SaveFetch of another feed with room again: %+v, %v; want 400 new items", res, err)
	}
	if na, nb := stored(a.ID), stored(b.ID); na != 400 || nb != 400 {
		t.Errorf("stored %d and %d items; want 400 each", na, nb)
	}
	if s, err := db.Subscription(ctx, user, a.Feed.URL); err != nil || !s.State.LastFetch.Equal(now) || s.State.ETag != `"a"` {
		t.Errorf("the feed after the save: %+v, %v; want its new state", s.State, err)
	}
	var again time.Time
	if err := conn.QueryRow(ctx, "SELECT pg_postmaster_start_time()").Scan(&again); err != nil || !again.Equal(started) {
		t.Errorf("server started at %v, now %v (%v): the full disk restarted it", started, again, err)
	}
}
