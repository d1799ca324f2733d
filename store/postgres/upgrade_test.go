package postgres

import (
	"bufio"
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"tidings/store"
)

// loadDump runs a plain pg_dump file (statements ending in ";" at the end
// of a line, and COPY ... FROM stdin blocks) on conn, as psql would.
func loadDump(t *testing.T, conn *pgx.Conn, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 16<<20)
	var stmt strings.Builder
	for lines.Scan() {
		line := lines.Text()
		if stmt.Len() == 0 && (line == "" || strings.HasPrefix(line, "--")) {
			continue
		}
		stmt.WriteString(line + "\n")
		if !strings.HasSuffix(line, ";") {
			continue
		}
		sql := stmt.String()
		stmt.Reset()
		if strings.HasPrefix(sql, "COPY ") && strings.Contains(sql, "FROM stdin;") {
			var data strings.Builder
			for lines.Scan() && lines.Text() != `\.` {
				data.WriteString(lines.Text() + "\n")
			}
			if _, err := conn.PgConn().CopyFrom(t.Context(), strings.NewReader(data.String()), sql); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			continue
		}
		if _, err := conn.Exec(t.Context(), sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
}

// oldFeed is a feed of the single-user schema as the old tidings kept it.
type oldFeed struct {
	URL, Title, UserTitle, Origin, ConfigFile string
	Tags                                      []string
	ConfigLine, Items, Unread                 int
}

// oldItem is an item's state in the single-user schema.
type oldItem struct {
	FeedID        int64
	FeedURL       string
	Read, Starred bool
}

// TestUpgradeSingleUser opens a database made by the single-user tidings
// (testdata/v2-single-user.sql, from pg_dump): every feed becomes a
// subscription of the one user "me", with its title, tags, origin and
// counts, and every item keeps its read and starred state, the starred
// item of a removed feed included. A second Open changes nothing.
func TestUpgradeSingleUser(t *testing.T) {
	dsn := freshDatabase(t)
	conn := connect(t, dsn)
	loadDump(t, conn, "testdata/v2-single-user.sql")
	if _, err := conn.Exec(t.Context(), "SELECT pg_catalog.set_config('search_path', 'public', false)"); err != nil {
		t.Fatal(err)
	}

	rows, err := conn.Query(t.Context(), `SELECT f.url, f.title, f.user_title, f.origin, f.config_file, f.tags, f.config_line,
		(SELECT count(*) FROM items i WHERE i.feed_id = f.id), (SELECT count(*) FROM items i WHERE i.feed_id = f.id AND NOT i.read)
		FROM feeds f ORDER BY f.url COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	oldFeeds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[oldFeed])
	if err != nil {
		t.Fatal(err)
	}
	oldItems := make(map[int64]oldItem)
	rows, err = conn.Query(t.Context(), "SELECT id, coalesce(feed_id, 0), feed_url, read, starred FROM items")
	if err != nil {
		t.Fatal(err)
	}
	var (
		id int64
		it oldItem
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &it.FeedID, &it.FeedURL, &it.Read, &it.Starred}, func() error {
		oldItems[id] = it
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// What the fixture was made of (see the task that made it): 5 feeds
	// left of 6, 25 items in them and 1 kept, 6 read by ID and all of
	// feed 2, 4 starred.
	if len(oldFeeds) != 5 || len(oldItems) != 26 {
		t.Fatalf("fixture: %d feeds, %d items; want 5 and 26", len(oldFeeds), len(oldItems))
	}

	// The states the fixture was made with: items 1 2 3 7 8 26 read, 2 9
	// 14 22 starred, 22 read, feed 2 (feed id 4) marked all read.
	for id, o := range oldItems {
		wantRead := slices.Contains([]int64{1, 2, 3, 7, 8, 26, 22}, id) || o.FeedID == 4
		wantStarred := slices.Contains([]int64{2, 9, 14, 22}, id)
		if o.Read != wantRead || o.Starred != wantStarred {
			t.Fatalf("fixture item %d = %+v; want read %v, starred %v", id, o, wantRead, wantStarred)
		}
	}

	db := open(t, dsn)
	before := snapshot(t, db)
	user := before.user
	if user.Name != "me" || user.ID != 1 {
		t.Fatalf("user after upgrade = %+v; want 1, me", user)
	}
	if len(before.subs) != len(oldFeeds) {
		t.Fatalf("%d subscriptions; want %d", len(before.subs), len(oldFeeds))
	}
	for i, o := range oldFeeds {
		s := before.subs[i]
		tags := o.Tags
		if tags == nil {
			tags = []string{}
		}
		if s.URL != o.URL || s.Title != o.Title || s.UserTitle != o.UserTitle || string(s.Origin) != o.Origin ||
			s.ConfigFile != o.ConfigFile || s.ConfigLine != o.ConfigLine || !slices.Equal(s.Tags, tags) ||
			s.Items != o.Items || s.Unread != o.Unread {
			t.Errorf("subscription %s = %q %q %s %s:%d %q %d/%d; want %+v", s.URL, s.Title, s.UserTitle, s.Origin,
				s.ConfigFile, s.ConfigLine, s.Tags, s.Unread, s.Items, o)
		}
	}
	if s := before.subs[0]; s.URL != "http://127.0.0.2:18181/feeds/0" || s.Name() != "My first" {
		t.Errorf("first subscription = %s named %q; want feeds/0 named My first", s.URL, s.Name())
	}
	if len(before.items) != len(oldItems) {
		t.Errorf("%d items readable by me; want %d", len(before.items), len(oldItems))
	}
	for _, it := range before.items {
		o := oldItems[it.ID]
		if it.FeedID != o.FeedID || it.FeedURL != o.FeedURL || it.Read != o.Read || it.Starred != o.Starred {
			t.Errorf("item %d = feed %d %s, read %v, starred %v; want %+v", it.ID, it.FeedID, it.FeedURL, it.Read, it.Starred, o)
		}
	}
	var read, starred int
	for _, o := range oldItems {
		if o.Read {
			read++
		}
		if o.Starred {
			starred++
		}
	}
	for name, tt := range map[string]struct {
		q    store.Query
		want int
	}{
		"read":    {store.Query{Read: true}, read},
		"unread":  {store.Query{Unread: true}, len(oldItems) - read},
		"starred": {store.Query{Starred: true}, starred},
	} {
		if n, err := db.CountItems(t.Context(), user.ID, tt.q); err != nil || n != tt.want {
			t.Errorf("CountItems %s = %d, %v; want %d", name, n, err, tt.want)
		}
	}
	// The unread set migration 7 fills is the unread items, as their
	// states say.
	var unread []int64
	for id, o := range oldItems {
		if !o.Read {
			unread = append(unread, id)
		}
	}
	slices.Sort(unread)
	if got, err := db.ItemIDs(t.Context(), user.ID, store.Query{Unread: true, ByID: true, Oldest: true}); err != nil || !slices.Equal(got, unread) {
		t.Errorf("unread IDs = %v, %v; want %v", got, err, unread)
	}
	if files := before.configFiles; len(files) != 1 {
		t.Errorf("ConfigFiles = %v; want the one file of the declared feed", files)
	}
	checkCounters(t, db)

	db.Close()
	db = open(t, dsn)
	if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("a second Open changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
	var versions int
	migs, _ := store.LoadMigrations(migrationFS, "migrations")
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM tidings_migrations").Scan(&versions); err != nil || versions != len(migs) {
		t.Errorf("%d migrations recorded, %v; want %d", versions, err, len(migs))
	}
	// Still usable: the kept item's feed subscribed again takes it back.
	kept := oldItems[22]
	if !kept.Starred || kept.FeedID != 0 {
		t.Fatalf("fixture item 22 = %+v; want the starred item of the removed feed", kept)
	}
	s := subscribeURL(t, db, user.ID, kept.FeedURL)
	if s.Items != 1 || s.Unread != 0 {
		t.Errorf("feed 4 again: %d items, %d unread; want the kept one, read", s.Items, s.Unread)
	}
	checkCounters(t, db)
}

// state is everything the Store API shows the user "me".
type state struct {
	user        store.User
	subs        []store.Subscription
	items       []store.Item
	tags        []store.Tag
	counts      store.Counts
	configFiles map[string]int
	feeds       []store.Feed
}

func snapshot(t *testing.T, db *DB) state {
	t.Helper()
	ctx := context.Background()
	var (
		s   state
		err error
	)
	if s.user, err = db.User(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	if s.subs, err = db.Subscriptions(ctx, s.user.ID, true); err != nil {
		t.Fatal(err)
	}
	if s.items, _, err = db.Items(ctx, s.user.ID, store.Query{}); err != nil {
		t.Fatal(err)
	}
	if s.tags, err = db.Tags(ctx, s.user.ID); err != nil {
		t.Fatal(err)
	}
	if s.counts, err = db.UnreadCounts(ctx, s.user.ID); err != nil {
		t.Fatal(err)
	}
	if s.configFiles, err = db.ConfigFiles(ctx, s.user.ID); err != nil {
		t.Fatal(err)
	}
	if s.feeds, err = db.FeedList(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUpgradeEmpty: a new database has no user until one is made.
func TestUpgradeEmpty(t *testing.T) {
	db := openEmpty(t)
	users, err := db.Users(t.Context())
	if err != nil || len(users) != 0 {
		t.Errorf("Users of a new database = %+v, %v; want none", users, err)
	}
	if _, err := db.User(t.Context(), "me"); err == nil {
		t.Error(`user "me" in a new database`)
	}
}
