package postgres

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tidings/store"
)

// checkCounters compares the kept counters with a count of the rows:
// every feed's item_count and every subscription's read_count.
func checkCounters(t *testing.T, db *DB) {
	t.Helper()
	var bad []string
	rows, err := db.pool.Query(t.Context(), `SELECT 'feed ' || f.id || ': item_count ' || f.item_count || ', counted ' || c.n
		FROM feeds f CROSS JOIN LATERAL (SELECT count(*) AS n FROM items i WHERE i.feed_id = f.id) c WHERE c.n <> f.item_count
		UNION ALL
		SELECT 'subscription ' || s.id || ': read_count ' || s.read_count || ', counted ' || c.n
		FROM subscriptions s CROSS JOIN LATERAL (SELECT count(*) AS n FROM items i
			JOIN item_states st ON st.item_id = i.id AND st.user_id = s.user_id AND st.read WHERE i.feed_id = s.feed_id) c
		WHERE c.n <> s.read_count`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("counter off: %s", b)
	}
}

var usersBase = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

// fill saves n items with GUIDs prefix-0... into a feed.
func fill(t *testing.T, db *DB, feedID int64, prefix string, n int) {
	t.Helper()
	its := make([]store.Item, n)
	for i := range its {
		its[i] = store.Item{GUID: fmt.Sprintf("%s-%d", prefix, i), Title: fmt.Sprintf("%s %d", prefix, i),
			Content: "<p>words</p>", Published: usersBase.Add(time.Duration(i) * time.Hour)}
	}
	if _, err := db.SaveFetch(t.Context(), feedID, store.FetchResult{Now: usersBase.Add(1000 * time.Hour), Items: its}); err != nil {
		t.Fatal(err)
	}
}

func newUser(t *testing.T, db *DB, name string) int64 {
	t.Helper()
	u, err := db.CreateUser(t.Context(), name, "")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func unread(t *testing.T, db *DB, user, feedID int64) int {
	t.Helper()
	s, err := db.SubscriptionByID(t.Context(), user, feedID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.UnreadCounts(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.CountItems(t.Context(), user, store.Query{FeedID: feedID, Unread: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Unread != c.Feeds[feedID] || s.Unread != n {
		t.Errorf("user %d, feed %d: Unread %d, UnreadCounts %d, CountItems %d; want them equal", user, feedID, s.Unread, c.Feeds[feedID], n)
	}
	return s.Unread
}

// TestSharedFeed: two users of one URL share one feed and its items, each
// with their own read and starred state; unsubscribing, the last
// subscriber's removal and a second subscription keep every count right.
func TestSharedFeed(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a, b := newUser(t, db, "a"), newUser(t, db, "b")
	const u = "https://shared.test/feed"
	sa := subscribeURL(t, db, a, u)
	sb := subscribeURL(t, db, b, u)
	if sa.ID != sb.ID {
		t.Fatalf("feeds %d and %d for one URL; want one", sa.ID, sb.ID)
	}
	if _, err := db.Subscribe(ctx, a, store.Subscription{Feed: store.Feed{URL: u}}); !errors.Is(err, store.ErrExists) {
		t.Errorf("second Subscribe = %v; want ErrExists", err)
	}
	fill(t, db, sa.ID, "s", 10)
	ids, err := db.ItemIDs(ctx, a, store.Query{ByID: true, Oldest: true})
	if err != nil || len(ids) != 10 {
		t.Fatalf("ItemIDs = %v, %v", ids, err)
	}
	if n, err := db.SetRead(ctx, a, ids[:4], true); err != nil || n != 4 {
		t.Errorf("SetRead = %d, %v; want 4", n, err)
	}
	if n, err := db.SetRead(ctx, a, ids[:6], true); err != nil || n != 6 {
		t.Errorf("SetRead again = %d, %v; want 6 (of the user's)", n, err)
	}
	if n, err := db.SetStarred(ctx, a, ids[:2], true); err != nil || n != 2 {
		t.Errorf("SetStarred = %d, %v", n, err)
	}
	if n, err := db.SetRead(ctx, a, ids[1:2], false); err != nil || n != 1 {
		t.Errorf("SetRead false = %d, %v", n, err)
	}
	checkCounters(t, db)
	if got := unread(t, db, a, sa.ID); got != 5 {
		t.Errorf("a's unread = %d; want 5", got)
	}
	if got := unread(t, db, b, sa.ID); got != 10 {
		t.Errorf("b's unread = %d; want 10", got)
	}
	if n, err := db.MarkAllRead(ctx, b, store.Query{Until: usersBase.Add(3 * time.Hour)}); err != nil || n != 3 {
		t.Errorf("b's MarkAllRead before 3h = %d, %v; want 3", n, err)
	}
	checkCounters(t, db)

	// A third user may not touch them.
	c := newUser(t, db, "c")
	if n, err := db.SetRead(ctx, c, ids, true); err != nil || n != 0 {
		t.Errorf("SetRead by a stranger = %d, %v; want 0", n, err)
	}
	if _, err := db.Item(ctx, c, ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Item by a stranger = %v; want ErrNotFound", err)
	}

	// a goes: the starred items stay a's, the rest of a's state goes.
	if err := db.Unsubscribe(ctx, a, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.ItemIDs(ctx, a, store.Query{ByID: true, Oldest: true})
	if err != nil || !slices.Equal(got, ids[:2]) {
		t.Errorf("a's items after unsubscribing = %v, %v; want the starred %v", got, err, ids[:2])
	}
	if n := count(t, db, "SELECT count(*) FROM item_states WHERE user_id = $1", a); n != 2 {
		t.Errorf("a has %d state rows; want the 2 starred", n)
	}
	// b is still subscribed: the feed stays, fetched.
	if feeds, err := db.FeedList(ctx); err != nil || len(feeds) != 1 {
		t.Errorf("FeedList = %d feeds, %v; want 1", len(feeds), err)
	}
	// a again: the starred item a read counts as read.
	sa = subscribeURL(t, db, a, u)
	checkCounters(t, db)
	if got := unread(t, db, a, sa.ID); got != 9 {
		t.Errorf("a's unread after subscribing again = %d; want 9", got)
	}
	if err := db.Unsubscribe(ctx, a, u); err != nil {
		t.Fatal(err)
	}

	// b goes last: the feed goes, the items a starred stay, without it.
	if err := db.Unsubscribe(ctx, b, u); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM feeds"); n != 0 {
		t.Errorf("%d feeds after the last unsubscription; want 0", n)
	}
	kept, _, err := db.Items(ctx, a, store.Query{})
	if err != nil || len(kept) != 2 || kept[0].FeedID != 0 || kept[0].FeedURL != u || !kept[0].Starred {
		t.Fatalf("a's kept items = %+v, %v; want 2 starred, without feed, with its URL", kept, err)
	}
	// Subscribing again takes them back.
	sb = subscribeURL(t, db, b, u)
	if sb.Items != 2 || sb.Unread != 2 {
		t.Errorf("b's new subscription: %d items, %d unread; want the 2 kept, unread", sb.Items, sb.Unread)
	}
	sa = subscribeURL(t, db, a, u)
	if sa.Items != 2 || sa.Unread != 1 {
		t.Errorf("a's new subscription: %d items, %d unread; want 2, 1", sa.Items, sa.Unread)
	}
	checkCounters(t, db)
	// A fetch of the same items updates the kept ones instead of adding them again.
	fill(t, db, sa.ID, "s", 10)
	if got := unread(t, db, a, sa.ID); got != 9 {
		t.Errorf("a's unread after the refetch = %d; want 9", got)
	}
	checkCounters(t, db)
}

// count runs a count query.
func count(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.pool.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSubscribeRace subscribes two users to one new URL from two stores
// (two pools, as two processes) at the same moment, many times: one feed
// and two subscriptions each time.
func TestSubscribeRace(t *testing.T) {
	dsn := freshSchema(t)
	x, y := open(t, dsn), open(t, dsn)
	a, b := newUser(t, x, "a"), newUser(t, x, "b")
	for i := range 30 {
		u := fmt.Sprintf("https://race%d.test/feed", i)
		var (
			wg     sync.WaitGroup
			start  = make(chan struct{})
			ea, eb error
			fa, fb store.Subscription
		)
		wg.Go(func() { <-start; fa, ea = x.Subscribe(t.Context(), a, store.Subscription{Feed: store.Feed{URL: u}}) })
		wg.Go(func() { <-start; fb, eb = y.Subscribe(t.Context(), b, store.Subscription{Feed: store.Feed{URL: u}}) })
		close(start)
		wg.Wait()
		if ea != nil || eb != nil {
			t.Fatalf("%s: Subscribe = %v, %v", u, ea, eb)
		}
		if fa.ID != fb.ID {
			t.Errorf("%s: feeds %d and %d; want one", u, fa.ID, fb.ID)
		}
	}
	if n := count(t, x, "SELECT count(*) FROM feeds"); n != 30 {
		t.Errorf("%d feeds; want 30", n)
	}
	if n := count(t, x, "SELECT count(*) FROM subscriptions"); n != 60 {
		t.Errorf("%d subscriptions; want 60", n)
	}
}

// TestPruneShared: an item goes only when every subscriber read it and
// nobody starred it; kept items nobody stars go too; the counters follow.
func TestPruneShared(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a, b := newUser(t, db, "a"), newUser(t, db, "b")
	s := subscribeURL(t, db, a, "https://prune.test/feed")
	subscribeURL(t, db, b, "https://prune.test/feed")
	fill(t, db, s.ID, "p", 6)
	ids, _ := db.ItemIDs(ctx, a, store.Query{ByID: true, Oldest: true})
	db.SetRead(ctx, a, ids, true)
	db.SetRead(ctx, b, ids[:3], true)
	db.SetStarred(ctx, b, ids[2:3], true)
	cutoff := usersBase.Add(100 * time.Hour)
	if n, err := db.Prune(ctx, cutoff, true); err != nil || n != 2 {
		t.Errorf("Prune dry run = %d, %v; want 2", n, err)
	}
	if n, err := db.Prune(ctx, cutoff, false); err != nil || n != 2 {
		t.Errorf("Prune = %d, %v; want 2 (read by both, not starred)", n, err)
	}
	checkCounters(t, db)
	if n := count(t, db, "SELECT count(*) FROM tombstones"); n != 2 {
		t.Errorf("%d tombstones; want 2", n)
	}
	// The pruned ones never come back.
	fill(t, db, s.ID, "p", 6)
	if got := unread(t, db, b, s.ID); got != 3 {
		t.Errorf("b's unread = %d; want 3", got)
	}
	// b unstars after the feed is gone: the kept item goes at the next prune.
	if err := db.Unsubscribe(ctx, a, s.URL); err != nil {
		t.Fatal(err)
	}
	if err := db.Unsubscribe(ctx, b, s.URL); err != nil {
		t.Fatal(err)
	}
	db.SetStarred(ctx, b, ids[2:3], false)
	if n, err := db.Prune(ctx, cutoff, false); err != nil || n != 1 {
		t.Errorf("Prune of the kept item nobody stars = %d, %v; want 1", n, err)
	}
	if n := count(t, db, "SELECT count(*) FROM items"); n != 0 {
		t.Errorf("%d items left; want 0", n)
	}
}

// TestRemoveUser: the user's rows go; a feed only they followed goes; a
// shared one stays with the other's state.
func TestRemoveUser(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a, b := newUser(t, db, "a"), newUser(t, db, "b")
	shared := subscribeURL(t, db, a, "https://both.test/feed")
	subscribeURL(t, db, b, "https://both.test/feed")
	own := subscribeURL(t, db, a, "https://own.test/feed")
	fill(t, db, shared.ID, "x", 3)
	fill(t, db, own.ID, "y", 3)
	ids, _ := db.ItemIDs(ctx, a, store.Query{})
	db.SetStarred(ctx, a, ids, true)
	db.SetRead(ctx, b, ids, true)
	if _, err := db.AddToken(ctx, store.Token{UserID: a, Hash: "h", FeverKey: "f"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveUser(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveUser(ctx, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveUser again = %v; want ErrNotFound", err)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM feeds":                          1,
		"SELECT count(*) FROM items":                          3,
		"SELECT count(*) FROM tokens":                         0,
		"SELECT count(*) FROM tags":                           0,
		"SELECT count(*) FROM item_states WHERE user_id <> 2": 0,
	} {
		if n := count(t, db, q); n != want {
			t.Errorf("%s = %d; want %d", q, n, want)
		}
	}
	checkCounters(t, db)
	if got := unread(t, db, b, shared.ID); got != 0 {
		t.Errorf("b's unread = %d; want 0", got)
	}
	if _, err := db.Subscribe(ctx, a, store.Subscription{Feed: store.Feed{URL: "https://x.test/"}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subscribe for a removed user = %v; want ErrNotFound", err)
	}
	if _, err := db.Subscriptions(ctx, a, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subscriptions of a removed user = %v; want ErrNotFound", err)
	}
	if _, _, err := db.Items(ctx, a, store.Query{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Items of a removed user = %v; want ErrNotFound", err)
	}
}

func TestTokens(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a := newUser(t, db, "a")
	if _, err := db.CreateUser(ctx, "a", ""); !errors.Is(err, store.ErrUserExists) {
		t.Errorf("CreateUser twice = %v; want ErrUserExists", err)
	}
	tok, err := db.AddToken(ctx, store.Token{UserID: a, Label: "phone", Hash: "hash1", FeverKey: "fever1"})
	if err != nil || tok.ID == 0 || !tok.LastUsed.IsZero() {
		t.Fatalf("AddToken = %+v, %v", tok, err)
	}
	if _, err := db.AddToken(ctx, store.Token{UserID: 999, Hash: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddToken for nobody = %v; want ErrNotFound", err)
	}
	now := time.Date(2026, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	u, got, err := db.TokenUser(ctx, "hash1", now)
	if err != nil || u.ID != a || got.ID != tok.ID || !got.LastUsed.Equal(now) {
		t.Errorf("TokenUser = %+v, %+v, %v", u, got, err)
	}
	if _, got, err := db.FeverUser(ctx, "fever1", now.Add(time.Second)); err != nil || !got.LastUsed.Equal(now.Add(time.Second)) {
		t.Errorf("FeverUser = %+v, %v", got, err)
	}
	list, err := db.Tokens(ctx, a)
	if err != nil || len(list) != 1 || !list[0].LastUsed.Equal(now.Add(time.Second)) {
		t.Errorf("Tokens = %+v, %v; want one, last used by FeverUser", list, err)
	}
	if _, _, err := db.FeverUser(ctx, "", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FeverUser of an empty key = %v; want ErrNotFound", err)
	}
	if err := db.RevokeToken(ctx, a, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, a, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken twice = %v; want ErrNotFound", err)
	}
	if _, _, err := db.TokenUser(ctx, "hash1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenUser of a revoked token = %v; want ErrNotFound", err)
	}
}

// TestClaimSchedules: claims give each feed its subscribers' distinct
// schedules, and claim by IDs and by user.
func TestClaimSchedules(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a, b := newUser(t, db, "a"), newUser(t, db, "b")
	both, err := db.Subscribe(ctx, a, store.Subscription{Feed: store.Feed{URL: "https://one.test/"}, Schedule: "@hourly"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sched := range []string{"@every 5m", "@hourly"} {
		if _, err := db.Subscribe(ctx, b, store.Subscription{Feed: store.Feed{URL: "https://one.test/"}, Schedule: sched}); err != nil &&
			!errors.Is(err, store.ErrExists) {
			t.Fatal(err)
		}
	}
	onlyB := subscribeURL(t, db, b, "https://two.test/")
	now := time.Now()
	got, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: now, All: true, UserID: a})
	if err != nil || len(got) != 1 || got[0].ID != both.ID || !slices.Equal(got[0].Schedules, []string{"@every 5m", "@hourly"}) {
		t.Fatalf("claim of a's feeds = %+v, %v; want one feed with two schedules", got, err)
	}
	got, err = db.ClaimFeeds(ctx, store.ClaimRequest{Now: now, IDs: []int64{onlyB.ID}})
	if err != nil || len(got) != 1 || got[0].ID != onlyB.ID || !slices.Equal(got[0].Schedules, []string{""}) {
		t.Errorf("claim by ID = %+v, %v; want feed %d with the default schedule", got, err, onlyB.ID)
	}
	// Reschedule: a feed waiting for its schedule moves; one waiting for
	// a Retry-After does not.
	next := now.Add(time.Hour).Truncate(time.Millisecond)
	if _, err := db.SaveFetch(ctx, both.ID, store.FetchResult{Now: now, State: store.FeedState{LastFetch: now,
		NextDue: now.Add(3 * time.Hour), WaitReason: store.WaitSchedule}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetch(ctx, onlyB.ID, store.FetchResult{Now: now, State: store.FeedState{LastFetch: now,
		NextDue: now.Add(3 * time.Hour), NotBefore: now.Add(3 * time.Hour), WaitReason: store.WaitRetryAfter}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{both.ID, onlyB.ID} {
		if err := db.Reschedule(ctx, id, next); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := db.SubscriptionByID(ctx, a, both.ID)
	if !s.State.NextDue.Equal(next) {
		t.Errorf("rescheduled NextDue = %v; want %v", s.State.NextDue, next)
	}
	s, _ = db.SubscriptionByID(ctx, b, onlyB.ID)
	if !s.State.NextDue.Equal(stored(now.Add(3*time.Hour))) || s.State.WaitReason != store.WaitRetryAfter {
		t.Errorf("Reschedule of a feed waiting for Retry-After: %v (%s); want it unchanged", s.State.NextDue, s.State.WaitReason)
	}
}

// TestTagsAndCounts: tags keep their IDs through edits; counts per tag
// and per feed come in one call.
func TestTagsAndCounts(t *testing.T) {
	db := openEmpty(t)
	ctx := t.Context()
	a, b := newUser(t, db, "a"), newUser(t, db, "b")
	x, err := db.Subscribe(ctx, a, store.Subscription{Feed: store.Feed{URL: "https://x.test/"}, Tags: []string{"Go", "news"}})
	if err != nil {
		t.Fatal(err)
	}
	y, err := db.Subscribe(ctx, a, store.Subscription{Feed: store.Feed{URL: "https://y.test/"}, Tags: []string{"go"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, b, store.Subscription{Feed: store.Feed{URL: "https://y.test/"}, Tags: []string{"other"}}); err != nil {
		t.Fatal(err)
	}
	fill(t, db, x.ID, "x", 4)
	fill(t, db, y.ID, "y", 2)
	tags, err := db.Tags(ctx, a)
	if err != nil || len(tags) != 2 || tags[0].Name != "go" || tags[0].Feeds != 2 || tags[0].Unread != 6 || tags[1].Unread != 4 {
		t.Fatalf("Tags = %+v, %v", tags, err)
	}
	goID := tags[0].ID
	if _, err := db.EditSubscription(ctx, a, x.URL, store.FeedEdit{RemoveTags: []string{"NEWS"}, AddTags: []string{"later"}}); err != nil {
		t.Fatal(err)
	}
	c, err := db.UnreadCounts(ctx, a)
	if err != nil || c.Total != 6 || c.Feeds[x.ID] != 4 || c.Tags[goID] != 6 || len(c.Tags) != 2 {
		t.Errorf("UnreadCounts = %+v, %v", c, err)
	}
	s, err := db.Subscription(ctx, a, x.URL)
	if err != nil || !slices.Equal(s.Tags, []string{"go", "later"}) {
		t.Errorf("tags after edit = %q, %v", s.Tags, err)
	}
	items, _, err := db.Items(ctx, a, store.Query{Tag: "GO", Limit: 3})
	if err != nil || len(items) != 3 || !slices.Equal(items[0].Tags, []string{"go", "later"}) && !slices.Equal(items[0].Tags, []string{"go"}) {
		t.Errorf("Items by tag = %+v, %v", items, err)
	}
	if tags, _ := db.Tags(ctx, b); len(tags) != 1 || tags[0].Name != "other" || tags[0].ID == goID {
		t.Errorf("b's tags = %+v; want only b's own", tags)
	}
}
