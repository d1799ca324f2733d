package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"tidings/store"
)

// The fixture testdata/v5-single-user.db was made by the single-user
// tidings (schema 5) with its own commands: six feeds added (five with
// `tidings add --tag news --tag tN`, one declared in a config file at line
// 4 with title "Declared feed" and tag "declared"), the first retitled
// "My first", all fetched (five items each), items 1 2 3 7 8 26 read,
// 2 9 14 22 starred, 22 read, the fifth feed removed (its starred item 22
// kept) and the third marked all read.
const fixture = "testdata/v5-single-user.db"

// oldState is what the single-user schema says of each item: read and
// starred by id, and the feeds with their user titles, tags and origins.
type oldState struct {
	read, starred map[int64]bool
	items         int
	feeds         map[string]oldFeed
}

type oldFeed struct {
	title, origin, configFile string
	configLine, items         int
	tags                      []string
}

func readOldState(t *testing.T, path string) oldState {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	st := oldState{read: map[int64]bool{}, starred: map[int64]bool{}, feeds: map[string]oldFeed{}}
	rows, err := raw.Query("SELECT id, read, starred FROM items")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var read, starred bool
		if err := rows.Scan(&id, &read, &starred); err != nil {
			t.Fatal(err)
		}
		st.items++
		st.read[id], st.starred[id] = read, starred
	}
	rows.Close()
	rows, err = raw.Query(`SELECT url, user_title, origin, config_file, config_line,
		(SELECT count(*) FROM items WHERE feed_id = feeds.id),
		coalesce((SELECT json_group_array(tag) FROM (SELECT tag FROM feed_tags WHERE feed_id = feeds.id ORDER BY pos)), '[]')
		FROM feeds`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var url, tags string
		var f oldFeed
		if err := rows.Scan(&url, &f.title, &f.origin, &f.configFile, &f.configLine, &f.items, &tags); err != nil {
			t.Fatal(err)
		}
		if f.tags, err = decodeList[string](tags); err != nil {
			t.Fatal(err)
		}
		st.feeds[url] = f
	}
	rows.Close()
	return st
}

// TestUpgradeSingleUser opens a database of the single-user tidings: it
// becomes user "me"'s, with every feed a subscription of theirs, every
// item, read and starred state kept, and a second open changes nothing.
func TestUpgradeSingleUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidings.db")
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before := readOldState(t, path)
	if before.items != 26 || len(before.feeds) != 5 {
		t.Fatalf("fixture has %d items and %d feeds; want 26 and 5", before.items, len(before.feeds))
	}

	check := func(t *testing.T) (items []store.Item, subs []store.Subscription) {
		t.Helper()
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer db.Close()
		users, err := db.Users(t.Context())
		if err != nil || len(users) != 1 || users[0].Name != "me" || users[0].Subscriptions != 5 {
			t.Fatalf("Users = %+v, %v; want one user, me, with 5 subscriptions", users, err)
		}
		me := users[0].ID
		items, _, err = db.Items(t.Context(), me, store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != before.items {
			t.Errorf("me sees %d items; want all %d", len(items), before.items)
		}
		for _, it := range items {
			if it.Read != before.read[it.ID] || it.Starred != before.starred[it.ID] {
				t.Errorf("item %d: read %v starred %v; was read %v starred %v", it.ID, it.Read, it.Starred,
					before.read[it.ID], before.starred[it.ID])
			}
		}
		var unread []int64
		for _, it := range items {
			if !it.Read {
				unread = append(unread, it.ID)
			}
		}
		slices.Sort(unread)
		if got, err := db.ItemIDs(t.Context(), me, store.Query{Unread: true, ByID: true, Oldest: true}); err != nil || !slices.Equal(got, unread) {
			t.Errorf("unread IDs = %v, %v; want %v", got, err, unread)
		}
		subs, err = db.Subscriptions(t.Context(), me, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			old, ok := before.feeds[s.URL]
			if !ok {
				t.Errorf("subscription %s was not a feed", s.URL)
				continue
			}
			unread := 0
			for _, it := range items {
				if it.FeedID == s.ID && !it.Read {
					unread++
				}
			}
			if s.UserTitle != old.title || string(s.Origin) != old.origin || s.ConfigFile != old.configFile ||
				s.ConfigLine != old.configLine || !slices.Equal(s.Tags, old.tags) || s.Items != old.items || s.Unread != unread {
				t.Errorf("subscription %s = title %q origin %s %s:%d tags %v items %d unread %d; want %+v, unread %d",
					s.URL, s.UserTitle, s.Origin, s.ConfigFile, s.ConfigLine, s.Tags, s.Items, s.Unread, old, unread)
			}
		}
		if len(subs) != len(before.feeds) {
			t.Errorf("%d subscriptions; want %d", len(subs), len(before.feeds))
		}
		counts, err := db.UnreadCounts(t.Context(), me)
		if err != nil {
			t.Fatal(err)
		}
		wantTotal := 0
		for _, s := range subs {
			wantTotal += s.Unread
			if counts.Feeds[s.ID] != s.Unread {
				t.Errorf("UnreadCounts of %s = %d; want %d", s.URL, counts.Feeds[s.ID], s.Unread)
			}
		}
		if counts.Total != wantTotal || wantTotal != 14 {
			t.Errorf("unread total %d, from subscriptions %d; want 14 as the old tidings said", counts.Total, wantTotal)
		}
		return items, subs
	}
	items1, subs1 := check(t)
	items2, subs2 := check(t)
	if !slices.EqualFunc(items1, items2, func(a, b store.Item) bool {
		return a.ID == b.ID && a.Read == b.Read && a.Starred == b.Starred && a.Content == b.Content
	}) || !slices.EqualFunc(subs1, subs2, func(a, b store.Subscription) bool {
		return a.ID == b.ID && a.Unread == b.Unread && slices.Equal(a.Tags, b.Tags)
	}) {
		t.Error("a second open changed items or subscriptions")
	}
}
