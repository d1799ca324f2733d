package reader_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
)

// newReader returns a Reader on a new SQLite file, with a fetcher allowed
// on loopback.
func newReader(t *testing.T) (*reader.Reader, store.Store) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	return reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost}), db
}

func mustUser(t *testing.T, r *reader.Reader, name string) store.User {
	t.Helper()
	u, err := r.AddUser(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestActingUser(t *testing.T) {
	ctx := context.Background()
	r, _ := newReader(t)
	me, err := r.ActingUser(ctx, "")
	if err != nil || me.Name != reader.DefaultUser {
		t.Fatalf("first use: %+v, %v; want the user %q made", me, err, reader.DefaultUser)
	}
	again, err := r.ActingUser(ctx, "")
	if err != nil || again.ID != me.ID {
		t.Fatalf("second use: %+v, %v; want the same user", again, err)
	}
	mustUser(t, r, "alice")
	_, err = r.ActingUser(ctx, "")
	var choose *reader.ChooseUserError
	if !errors.As(err, &choose) || !slices.Equal(choose.Names, []string{"alice", "me"}) {
		t.Fatalf("two users, none named: %v", err)
	}
	if strings.Contains(err.Error(), "--") || strings.Contains(err.Error(), "tidings ") {
		t.Errorf("core error with CLI wording: %q", err)
	}
	if a, err := r.ActingUser(ctx, "alice"); err != nil || a.Name != "alice" {
		t.Errorf("named: %+v, %v", a, err)
	}
	if _, err := r.ActingUser(ctx, "bob"); !errors.Is(err, store.ErrNotFound) || err.Error() != `no user named "bob"` {
		t.Errorf("unknown: %v", err)
	}
}

func TestUserRules(t *testing.T) {
	ctx := context.Background()
	r, _ := newReader(t)
	short, empty, good := "abc", "", "correct horse"
	tests := []struct {
		name string
		pw   *string
		want string // substring of the error; "" for none
	}{
		{"alice", &good, ""},
		{"alice", nil, "exists already"},
		{"", nil, "empty"},
		{"with space", nil, "space"},
		{"tab\there", nil, "space"},
		{"bell\a", nil, "control character"},
		{"colon:x", nil, `':'`},
		{"-dash", nil, "starts with '-'"},
		{strings.Repeat("x", 65), nil, "longer than 64"},
		{"bob", &empty, "password is empty"},
		{"bob", &short, "too short (3 characters)"},
		{"bob", new(strings.Repeat("p", 73)), "too long"},
		{"émile.o'", nil, "has '\\'' in it"},
		{"émile", nil, ""},
	}
	for _, tt := range tests {
		_, err := r.AddUser(ctx, tt.name, tt.pw)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("AddUser(%q): %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("AddUser(%q) = %v, want an error saying %s", tt.name, err, tt.want)
		case tt.want != "" && tt.want != "exists already" && !errors.Is(err, reader.ErrInvalid):
			t.Errorf("AddUser(%q) = %v, not ErrInvalid", tt.name, err)
		}
	}
	if _, err := r.AuthenticatePassword(ctx, "alice", good); err != nil {
		t.Errorf("right password: %v", err)
	}
	for _, try := range [][2]string{{"alice", "wrong password"}, {"émile", "anything at all"}, {"nobody", good}} {
		if _, err := r.AuthenticatePassword(ctx, try[0], try[1]); !errors.Is(err, reader.ErrBadLogin) {
			t.Errorf("AuthenticatePassword(%q, %q) = %v, want ErrBadLogin", try[0], try[1], err)
		}
	}
	if err := r.SetPassword(ctx, "émile", "a new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AuthenticatePassword(ctx, "émile", "a new password"); err != nil {
		t.Errorf("after SetPassword: %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	r, db := newReader(t)
	alice := mustUser(t, r, "alice")
	mustUser(t, r, "bob")
	tok, err := r.AddToken(ctx, "alice", "phone")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Secret) != 40 || tok.Hash == tok.Secret || strings.Contains(tok.Hash, tok.Secret) {
		t.Fatalf("token %+v: want a 40-character secret stored only hashed", tok)
	}
	list, err := db.Tokens(ctx, alice.ID)
	if err != nil || len(list) != 1 || list[0].Hash != reader.TokenHash(tok.Secret) || list[0].FeverKey != reader.FeverKey("alice", tok.Secret) {
		t.Fatalf("stored tokens %+v, %v", list, err)
	}
	u, _, err := r.AuthenticateToken(ctx, tok.Secret)
	if err != nil || u.ID != alice.ID {
		t.Fatalf("AuthenticateToken: %+v, %v", u, err)
	}
	if u, _, err := r.AuthenticateFever(ctx, reader.FeverKey("alice", tok.Secret)); err != nil || u.ID != alice.ID {
		t.Fatalf("AuthenticateFever: %+v, %v", u, err)
	}
	if err := r.RevokeToken(ctx, "bob", tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob revoking alice's token: %v", err)
	}
	if err := r.RevokeToken(ctx, "alice", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.AuthenticateToken(ctx, tok.Secret); !errors.Is(err, reader.ErrBadLogin) {
		t.Errorf("revoked token: %v, want ErrBadLogin", err)
	}
	if err := r.RevokeToken(ctx, "alice", tok.ID); err == nil || err.Error() != `user "alice" has no token with ID 1` {
		t.Errorf("revoking twice: %v", err)
	}
}

// TestSharedFeed subscribes two users to one URL: one feed, fetched once;
// each user's reading is their own; one unsubscribing leaves the other's.
func TestSharedFeed(t *testing.T) {
	ctx := context.Background()
	srv := fetchtest.NewServer(t, fetchtest.Options{Items: 3})
	r, db := newReader(t)
	a, b := mustUser(t, r, "alice"), mustUser(t, r, "bob")
	sa, err := r.Subscribe(ctx, a.ID, reader.SubscribeRequest{URL: srv.URL(0), Tags: []string{"Go"}})
	if err != nil || !sa.Fetched || sa.New != 3 {
		t.Fatalf("alice: %+v, %v", sa, err)
	}
	sb, err := r.Subscribe(ctx, b.ID, reader.SubscribeRequest{URL: srv.URL(0), NoFetch: true})
	if err != nil || sb.ID != sa.ID {
		t.Fatalf("bob: %+v, %v; want the same feed %d", sb, err, sa.ID)
	}
	if _, err := r.Subscribe(ctx, a.ID, reader.SubscribeRequest{URL: srv.URL(0), NoFetch: true}); !errors.Is(err, store.ErrExists) {
		t.Errorf("alice again: %v", err)
	}
	if n := srv.FeedRequests(0); n != 1 {
		t.Errorf("%d requests to the feed, want 1", n)
	}
	feeds, err := db.FeedList(ctx)
	if err != nil || len(feeds) != 1 {
		t.Fatalf("%d feeds, %v; want 1", len(feeds), err)
	}
	items, _, err := r.Items(ctx, a.ID, store.Query{Tag: "go"})
	if err != nil || len(items) != 3 {
		t.Fatalf("alice's items: %d, %v", len(items), err)
	}
	if _, _, err := r.Items(ctx, b.ID, store.Query{Tag: "go"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob has no tag go: %v", err)
	}
	it, err := r.Open(ctx, a.ID, items[0].ID, true)
	if err != nil || !it.Read {
		t.Fatalf("Open: %+v, %v; want it read", it, err)
	}
	if it, err := r.Item(ctx, b.ID, items[0].ID); err != nil || it.Read {
		t.Errorf("bob's copy: read=%v, %v; want unread", it.Read, err)
	}
	if _, err := r.Unsubscribe(ctx, a.ID, srv.URL(0)); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Subscriptions(ctx, b.ID); err != nil || len(got) != 1 || got[0].Items != 3 || got[0].Unread != 3 {
		t.Errorf("bob after alice left: %+v, %v", got, err)
	}
	if _, err := r.Item(ctx, a.ID, items[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alice still reads an unstarred item after leaving: %v", err)
	}
}

func TestSubscribeRefusals(t *testing.T) {
	ctx := context.Background()
	srv := fetchtest.NewServer(t, fetchtest.Options{})
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	tests := []struct {
		fault   fetchtest.Fault
		want    string
		notWant []string
	}{
		{fetchtest.FaultTooManyRequests, "429 Too Many Requests", []string{"without a valid Retry-After", "will retry"}},
		{fetchtest.FaultUnavailable, "503 Service Unavailable", []string{"will retry", "backing off"}},
		{fetchtest.FaultServerError, "500 Internal Server Error", []string{"will retry", "backing off"}},
		{fetchtest.FaultNotFound, "check the URL", nil},
	}
	for _, tt := range tests {
		_, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: srv.FaultURL(tt.fault)})
		var na *reader.NotAddedError
		if !errors.As(err, &na) || !na.Unreachable || !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), "; nothing was added") {
			t.Errorf("%s: %v", tt.fault, err)
			continue
		}
		for _, nw := range tt.notWant {
			if strings.Contains(err.Error(), nw) {
				t.Errorf("%s: %q says %q", tt.fault, err, nw)
			}
		}
	}
	for _, req := range []reader.SubscribeRequest{
		{URL: "ftp://x.example/", NoFetch: true},
		{URL: "https://x.example/", Tags: []string{"two words"}, NoFetch: true},
		{URL: "https://x.example/", Schedule: "every day", NoFetch: true},
	} {
		if _, err := r.Subscribe(ctx, me.ID, req); !errors.Is(err, reader.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", req, err)
		}
	}
}

// TestEditScheduleReschedules checks that a schedule edit plans the next
// fetch again, both ways.
func TestEditScheduleReschedules(t *testing.T) {
	ctx := context.Background()
	srv := fetchtest.NewServer(t, fetchtest.Options{})
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	sub, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: srv.URL(0)})
	if err != nil {
		t.Fatal(err)
	}
	fetched := sub.State.LastFetch
	if fetched.IsZero() {
		t.Fatal("no LastFetch after the first save")
	}
	for _, tt := range []struct {
		spec string
		want time.Duration
	}{{"@every 90d", 90 * 24 * time.Hour}, {"@every 1m", time.Minute}} {
		got, err := r.Edit(ctx, me.ID, srv.URL(0), reader.Edit{Schedule: &tt.spec})
		if err != nil {
			t.Fatal(err)
		}
		if d := got.State.NextDue.Sub(fetched); d < tt.want || d > tt.want+time.Minute+2*time.Second {
			t.Errorf("after --schedule %s: next fetch %v after the last, want about %v", tt.spec, d, tt.want)
		}
	}
	if _, err := r.Edit(ctx, me.ID, srv.URL(0), reader.Edit{RemoveTags: []string{"nope"}}); !errors.Is(err, reader.ErrInvalid) {
		t.Errorf("removing a tag it lacks: %v", err)
	}
}

func TestMarkAndTags(t *testing.T) {
	ctx := context.Background()
	srv := fetchtest.NewServer(t, fetchtest.Options{Items: 4})
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	if _, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: srv.URL(0), Tags: []string{"news"}}); err != nil {
		t.Fatal(err)
	}
	ids, err := r.ItemIDs(ctx, me.ID, store.Query{})
	if err != nil || len(ids) != 4 {
		t.Fatalf("ids %v, %v", ids, err)
	}
	n, err := r.Mark(ctx, me.ID, []int64{ids[0], 9999}, reader.MarkStarred)
	var missing *reader.NoItemError
	if n != 1 || !errors.As(err, &missing) || !slices.Equal(missing.IDs, []int64{9999}) {
		t.Errorf("Mark with a missing ID: %d, %v", n, err)
	}
	if _, err := r.MarkAllRead(ctx, me.ID, store.Query{Tag: "nosuchtag"}); err == nil || err.Error() != `no feed is tagged "nosuchtag"; the tags are: news` {
		t.Errorf("unknown tag: %v", err)
	}
	if _, err := r.MarkAllRead(ctx, me.ID, store.Query{FeedURL: "https://nowhere.example/"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown feed: %v", err)
	}
	if n, err := r.MarkAllRead(ctx, me.ID, store.Query{Tag: "NEWS"}); err != nil || n != 4 {
		t.Errorf("MarkAllRead by tag: %d, %v", n, err)
	}
}

func TestImportExport(t *testing.T) {
	ctx := context.Background()
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	doc := `<opml version="2.0"><body><outline text="Tech"><outline text="A" xmlUrl="https://a.example/feed"/></outline>
<outline text="B" xmlUrl="HTTPS://B.example:443/rss" category="x"/><outline xmlUrl="javascript:x"/></body></opml>`
	res, err := r.Import(ctx, me.ID, strings.NewReader(doc), []string{"imported"})
	if err != nil || len(res.Added) != 2 || !slices.Equal(res.Invalid, []string{"javascript:x"}) {
		t.Fatalf("Import: %+v, %v", res, err)
	}
	var b bytes.Buffer
	if err := r.Export(ctx, me.ID, &b); err != nil {
		t.Fatal(err)
	}
	other := mustUser(t, r, "other")
	again, err := r.Import(ctx, other.ID, &b, nil)
	if err != nil || !slices.Equal(again.Added, []string{"https://a.example/feed", "https://b.example/rss"}) {
		t.Fatalf("re-import: %+v, %v", again, err)
	}
	subs, _ := r.Subscriptions(ctx, other.ID)
	if len(subs) != 2 || !slices.Equal(subs[0].Tags, []string{"tech", "imported"}) || !slices.Equal(subs[1].Tags, []string{"x", "imported"}) {
		t.Errorf("tags after the round trip: %+v", subs)
	}
	if _, err := r.Import(ctx, me.ID, strings.NewReader("<rss/>"), nil); err == nil {
		t.Error("import of a non-OPML document succeeded")
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	srv := fetchtest.NewServer(t, fetchtest.Options{Items: 2})
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	if _, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: srv.URL(0), NoFetch: true}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Refresh(ctx, me.ID, []string{srv.URL(0)})
	if err != nil || len(got) != 1 || !got[0].Fetched || got[0].Outcome.Saved.New != 2 {
		t.Fatalf("Refresh: %+v, %v", got, err)
	}
	if _, err := r.Refresh(ctx, me.ID, []string{"https://nowhere.example/"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Refresh of an unknown feed: %v", err)
	}
}

// TestRefreshMany: a refresh of many feeds fetches several at once (never
// more than its bound) and saves every one.
func TestRefreshMany(t *testing.T) {
	ctx := context.Background()
	const feeds = 20
	var (
		mu       sync.Mutex
		inFlight int
		most     int
	)
	together := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight >= 2 {
			once.Do(func() { close(together) })
		}
		mu.Unlock()
		// The first fetches wait for a second one in flight; a refresh that
		// fetched one at a time would get here alone and time out below.
		select {
		case <-together:
		case <-time.After(3 * time.Second):
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title><item><title>one</title><guid>%s-1</guid></item></channel></rss>`, req.URL.Path, req.URL.Path)
	}))
	t.Cleanup(srv.Close)
	r, _ := newReader(t)
	me, _ := r.ActingUser(ctx, "")
	var urls []string
	for i := range feeds {
		u := fmt.Sprintf("%s/feed/%d", srv.URL, i)
		if _, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: u, NoFetch: true}); err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	got, err := r.Refresh(ctx, me.ID, urls)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if !g.Fetched || g.Outcome.Saved.New != 1 {
			t.Errorf("%s: fetched %v, %d new", g.URL, g.Fetched, g.Outcome.Saved.New)
		}
	}
	if len(got) != feeds {
		t.Errorf("%d feeds refreshed, want %d", len(got), feeds)
	}
	mu.Lock()
	defer mu.Unlock()
	if most < 2 || most > 8 {
		t.Errorf("at most %d fetches at once, want 2 to 8", most)
	}
}
