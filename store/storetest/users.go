package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

func testUsers(t *testing.T, open opener) {
	t.Run("CreateAndFind", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		alice, err := s.CreateUser(ctx, "alice", "hash-1")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if alice.ID == 0 || alice.Name != "alice" || alice.PasswordHash != "hash-1" || alice.CreatedAt.IsZero() {
			t.Errorf("CreateUser = %+v; want an ID, the name, the hash and a creation time", alice)
		}
		_, err = s.CreateUser(ctx, "alice", "")
		wantErr(t, "CreateUser of a taken name", err, store.ErrUserExists)
		bob, err := s.CreateUser(ctx, "bob", "")
		if err != nil || bob.ID == alice.ID {
			t.Fatalf("CreateUser(bob) = %+v, %v; want another user", bob, err)
		}

		got, err := s.User(ctx, "alice")
		if err != nil || got.ID != alice.ID || got.PasswordHash != "hash-1" || !got.CreatedAt.Equal(alice.CreatedAt) {
			t.Errorf("User(alice) = %+v, %v; want %+v", got, err, alice)
		}
		got, err = s.UserByID(ctx, bob.ID)
		if err != nil || got.Name != "bob" || got.PasswordHash != "" {
			t.Errorf("UserByID(bob) = %+v, %v; want bob, no password", got, err)
		}
		_, err = s.User(ctx, "carol")
		wantErr(t, "User of an unknown name", err, store.ErrNotFound)
		_, err = s.UserByID(ctx, alice.ID+bob.ID+1000)
		wantErr(t, "UserByID of an unknown ID", err, store.ErrNotFound)

		if err := s.SetPassword(ctx, alice.ID, "hash-2"); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		if got, err := s.User(ctx, "alice"); err != nil || got.PasswordHash != "hash-2" {
			t.Errorf("after SetPassword, hash %q, %v; want hash-2", got.PasswordHash, err)
		}
		if got, err := s.User(ctx, "bob"); err != nil || got.PasswordHash != "" {
			t.Errorf("SetPassword of alice changed bob's hash to %q, %v", got.PasswordHash, err)
		}
		err = s.SetPassword(ctx, alice.ID+bob.ID+1000, "x")
		wantErr(t, "SetPassword of an unknown user", err, store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		s := open(t)
		carol := newUser(t, s, "carol")
		alice := newUser(t, s, "alice")
		bob := newUser(t, s, "bob")
		subscribe(t, s, alice, "https://a.test/feed")
		subscribe(t, s, alice, "https://b.test/feed")
		subscribe(t, s, bob, "https://b.test/feed")
		users, err := s.Users(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			id   int64
			name string
			subs int
		}
		var got []row
		for _, u := range users {
			got = append(got, row{u.ID, u.Name, u.Subscriptions})
		}
		want := []row{{alice, "alice", 2}, {bob, "bob", 1}, {carol, "carol", 0}}
		if !slices.Equal(got, want) {
			t.Errorf("Users = %+v; want %+v, by name with their subscriptions counted", got, want)
		}
	})

	// Every method acting for a user refuses one that does not exist.
	t.Run("UnknownUser", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f := subscribe(t, s, u, "https://a.test/feed")
		save(t, s, f.ID, fetch(items("a", 2)...))
		ghost := u + 1000
		calls := []struct {
			name string
			call func() error
		}{
			{"Subscribe", func() error { _, err := s.Subscribe(ctx, ghost, sub("https://a.test/feed")); return err }},
			{"Subscriptions", func() error { _, err := s.Subscriptions(ctx, ghost, true); return err }},
			{"ImportFeeds", func() error {
				_, err := s.ImportFeeds(ctx, ghost, []store.Subscription{sub("https://n.test/feed")})
				return err
			}},
			{"SyncDeclared", func() error {
				_, err := s.SyncDeclared(ctx, ghost, []string{"c.toml"}, []store.Subscription{declared("https://n.test/feed", "c.toml", 1)})
				return err
			}},
			{"Items", func() error { _, _, err := s.Items(ctx, ghost, store.Query{}); return err }},
			{"CountItems", func() error { _, err := s.CountItems(ctx, ghost, store.Query{}); return err }},
			{"ItemIDs", func() error { _, err := s.ItemIDs(ctx, ghost, store.Query{}); return err }},
			{"SetRead", func() error { _, err := s.SetRead(ctx, ghost, []int64{1}, true); return err }},
			{"MarkAllRead", func() error { _, err := s.MarkAllRead(ctx, ghost, store.Query{}); return err }},
			{"Tags", func() error { _, err := s.Tags(ctx, ghost); return err }},
			{"UnreadCounts", func() error { _, err := s.UnreadCounts(ctx, ghost); return err }},
			{"Tokens", func() error { _, err := s.Tokens(ctx, ghost); return err }},
			{"AddToken", func() error { _, err := s.AddToken(ctx, store.Token{UserID: ghost, Hash: "h"}); return err }},
			{"RemoveUser", func() error { return s.RemoveUser(ctx, ghost) }},
		}
		for _, c := range calls {
			wantErrNF(t, c.name+" of an unknown user", c.call())
		}
		if urls := listedURLs(t, s); !slices.Equal(urls, []string{"https://a.test/feed"}) {
			t.Errorf("FeedList = %q after calls for an unknown user; want nothing added", urls)
		}
		if n := count(t, s, u, store.Query{Unread: true}); n != 2 {
			t.Errorf("%d unread for the real user; want 2", n)
		}
	})

	t.Run("Remove", testRemoveUser(open))
}

// wantErrNF is wantErr for ErrNotFound that goes on after a failure.
func wantErrNF(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: error %v; want one wrapping %v", what, err, store.ErrNotFound)
	}
}

func testRemoveUser(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
		// only: alice's alone; shared: both follow it; bobs: bob's alone.
		only := subscribe(t, s, alice, "https://only.test/feed", "mine")
		shared := subscribe(t, s, alice, "https://shared.test/feed", "both")
		subscribe(t, s, bob, shared.URL, "both")
		bobs := subscribe(t, s, bob, "https://bob.test/feed")
		save(t, s, only.ID, fetch(items("o", 3)...))
		save(t, s, shared.ID, fetch(items("s", 4)...))
		save(t, s, bobs.ID, fetch(items("b", 2)...))
		if _, err := s.AddToken(ctx, store.Token{UserID: alice, Label: "phone", Hash: "alice-hash", FeverKey: "alice-fever"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddToken(ctx, store.Token{UserID: bob, Label: "phone", Hash: "bob-hash"}); err != nil {
			t.Fatal(err)
		}
		sh := byGUID(all(t, s, alice, store.Query{FeedID: shared.ID}))
		setRead(t, s, alice, []int64{sh["s-guid-0"], sh["s-guid-1"]}, true)
		setStarred(t, s, alice, []int64{sh["s-guid-1"], sh["s-guid-2"]}, true)
		setStarred(t, s, alice, ids(all(t, s, alice, store.Query{FeedID: only.ID})), true)
		setRead(t, s, bob, []int64{sh["s-guid-3"]}, true)

		if err := s.RemoveUser(ctx, alice); err != nil {
			t.Fatalf("RemoveUser: %v", err)
		}
		_, err := s.User(ctx, "alice")
		wantErr(t, "User after RemoveUser", err, store.ErrNotFound)
		_, err = s.UserByID(ctx, alice)
		wantErr(t, "UserByID after RemoveUser", err, store.ErrNotFound)
		_, _, err = s.TokenUser(ctx, "alice-hash", base)
		wantErr(t, "TokenUser of a removed user's token", err, store.ErrNotFound)
		_, _, err = s.FeverUser(ctx, "alice-fever", base)
		wantErr(t, "FeverUser of a removed user's token", err, store.ErrNotFound)
		if u, _, err := s.TokenUser(ctx, "bob-hash", base); err != nil || u.ID != bob {
			t.Errorf("TokenUser of bob's token = %+v, %v; want bob", u, err)
		}
		_, err = s.Subscriptions(ctx, alice, false)
		wantErr(t, "Subscriptions of a removed user", err, store.ErrNotFound)
		if users, err := s.Users(ctx); err != nil || len(users) != 1 || users[0].ID != bob || users[0].Subscriptions != 2 {
			t.Errorf("Users = %+v, %v; want bob alone, with 2 subscriptions", users, err)
		}

		// The feed nobody else followed is gone and no longer claimable;
		// the shared one stays, as it was for bob.
		if urls := listedURLs(t, s); !slices.Equal(urls, []string{bobs.URL, shared.URL}) {
			t.Errorf("FeedList after RemoveUser = %q; want bob's two feeds", urls)
		}
		for _, r := range []store.ClaimRequest{
			{Now: fetchTime.Add(2 * time.Hour), Lease: time.Second, All: true},
			{Now: fetchTime.Add(2 * time.Hour), Lease: time.Second, URLs: []string{only.URL}},
			{Now: fetchTime.Add(2 * time.Hour), Lease: time.Second, IDs: []int64{only.ID}},
		} {
			if got := claim(t, s, r); slices.Contains(claimedURLs(got), only.URL) {
				t.Errorf("claim %+v after RemoveUser = %q; want no feed of the removed user alone", r, claimedURLs(got))
			}
		}
		if err := s.Release(ctx, []int64{shared.ID, bobs.ID}); err != nil {
			t.Fatal(err)
		}
		got := subByURL(t, s, bob, shared.URL)
		if got.Items != 4 || got.Unread != 3 {
			t.Errorf("bob's shared subscription counts %d items %d unread; want 4 and 3", got.Items, got.Unread)
		}
		for _, it := range all(t, s, bob, store.Query{FeedID: shared.ID}) {
			if it.Starred || it.Read != (it.GUID == "s-guid-3") {
				t.Errorf("bob's %s read %v starred %v; want bob's own state only", it.GUID, it.Read, it.Starred)
			}
		}
		checkCounts(t, s, bob, "after RemoveUser")

		// The name is free again, and the new alice starts empty.
		again := newUser(t, s, "alice")
		if n := count(t, s, again, store.Query{}); n != 0 {
			t.Errorf("a new user with a removed user's name sees %d items; want 0", n)
		}
		if toks, err := s.Tokens(ctx, again); err != nil || len(toks) != 0 {
			t.Errorf("a new user with a removed user's name has tokens %+v, %v; want none", toks, err)
		}
		if tags, err := s.Tags(ctx, again); err != nil || len(tags) != 0 {
			t.Errorf("a new user with a removed user's name has tags %+v, %v; want none", tags, err)
		}
	}
}

func testTokens(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	phone, err := s.AddToken(ctx, store.Token{UserID: alice, Label: "phone", Hash: "h-phone", FeverKey: "f-phone"})
	if err != nil {
		t.Fatalf("AddToken: %v", err)
	}
	if phone.ID == 0 || phone.UserID != alice || phone.Label != "phone" || phone.Hash != "h-phone" ||
		phone.FeverKey != "f-phone" || phone.CreatedAt.IsZero() || !phone.LastUsed.IsZero() {
		t.Errorf("AddToken = %+v; want an ID, the fields given, a creation time and no last use", phone)
	}
	laptop, err := s.AddToken(ctx, store.Token{UserID: alice, Label: "laptop", Hash: "h-laptop"})
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := s.AddToken(ctx, store.Token{UserID: bob, Label: "phone", Hash: "h-bob", FeverKey: "f-bob"})
	if err != nil {
		t.Fatal(err)
	}
	labels := func(who int64) []string {
		t.Helper()
		toks, err := s.Tokens(ctx, who)
		if err != nil {
			t.Fatalf("Tokens(%d): %v", who, err)
		}
		var out []string
		for _, tk := range toks {
			if tk.UserID != who {
				t.Errorf("Tokens(%d) has token %+v of another user", who, tk)
			}
			out = append(out, tk.Label)
		}
		return out
	}
	if got := labels(alice); !slices.Equal(got, []string{"phone", "laptop"}) {
		t.Errorf("alice's tokens = %q; want phone and laptop, oldest first", got)
	}
	if got := labels(bob); !slices.Equal(got, []string{"phone"}) {
		t.Errorf("bob's tokens = %q; want his phone only", got)
	}

	// Finding a token records its use, on that token alone.
	used := base.Add(time.Hour)
	u, tk, err := s.TokenUser(ctx, "h-phone", used)
	if err != nil || u.ID != alice || u.Name != "alice" || tk.ID != phone.ID {
		t.Fatalf("TokenUser(h-phone) = %+v, %+v, %v; want alice and her phone token", u, tk, err)
	}
	lastUsed := func(who, id int64) time.Time {
		t.Helper()
		toks, err := s.Tokens(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range toks {
			if tk.ID == id {
				return tk.LastUsed
			}
		}
		t.Fatalf("token %d of user %d not listed", id, who)
		return time.Time{}
	}
	if got := lastUsed(alice, phone.ID); !got.Equal(used) {
		t.Errorf("phone LastUsed = %v after TokenUser; want %v", got, used)
	}
	if got := lastUsed(alice, laptop.ID); !got.IsZero() {
		t.Errorf("laptop LastUsed = %v; want zero, it was not used", got)
	}
	feverUsed := used.Add(time.Minute)
	u, tk, err = s.FeverUser(ctx, "f-bob", feverUsed)
	if err != nil || u.ID != bob || tk.ID != bobs.ID {
		t.Fatalf("FeverUser(f-bob) = %+v, %+v, %v; want bob and his token", u, tk, err)
	}
	if got := lastUsed(bob, bobs.ID); !got.Equal(feverUsed) {
		t.Errorf("bob's LastUsed = %v after FeverUser; want %v", got, feverUsed)
	}
	for _, key := range []string{"nope", "", "h-phone"} {
		_, _, err = s.FeverUser(ctx, key, used)
		wantErrNF(t, "FeverUser("+key+")", err)
	}
	for _, hash := range []string{"nope", "", "f-phone"} {
		_, _, err = s.TokenUser(ctx, hash, used)
		wantErrNF(t, "TokenUser("+hash+")", err)
	}

	// A user revokes their own tokens only.
	err = s.RevokeToken(ctx, alice, bobs.ID)
	wantErr(t, "RevokeToken of another user's token", err, store.ErrNotFound)
	if _, _, err := s.TokenUser(ctx, "h-bob", used); err != nil {
		t.Errorf("bob's token after alice tried to revoke it: %v", err)
	}
	if err := s.RevokeToken(ctx, alice, phone.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, _, err = s.TokenUser(ctx, "h-phone", used)
	wantErr(t, "TokenUser of a revoked token", err, store.ErrNotFound)
	_, _, err = s.FeverUser(ctx, "f-phone", used)
	wantErr(t, "FeverUser of a revoked token", err, store.ErrNotFound)
	if got := labels(alice); !slices.Equal(got, []string{"laptop"}) {
		t.Errorf("alice's tokens after revoking phone = %q; want laptop", got)
	}
	err = s.RevokeToken(ctx, alice, phone.ID)
	wantErr(t, "RevokeToken twice", err, store.ErrNotFound)
}
