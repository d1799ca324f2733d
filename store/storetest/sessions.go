package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"tidings/store"
)

// session is a session of user made at created, lasting a day, with a
// hash unique to name.
func session(user int64, name string, created time.Time) store.Session {
	return store.Session{
		UserID:    user,
		Hash:      fmt.Sprintf("%064x", []byte(name)),
		CreatedAt: created,
		LastSeen:  created,
		ExpiresAt: created.Add(24 * time.Hour),
		UserAgent: "Mozilla/5.0 (" + name + ")",
		Address:   "192.0.2.7",
	}
}

func createSession(t *testing.T, s store.Store, in store.Session) store.Session {
	t.Helper()
	got, err := s.CreateSession(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateSession(user %d): %v", in.UserID, err)
	}
	return got
}

func testSessions(t *testing.T, open opener) {
	t.Run("CreateAndLookUp", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		in := session(alice, "a1", base)
		got := createSession(t, s, in)
		if got.ID == 0 || got.UserID != alice || got.Hash != in.Hash || !got.CreatedAt.Equal(base) ||
			!got.LastSeen.Equal(base) || !got.ExpiresAt.Equal(in.ExpiresAt) ||
			got.UserAgent != in.UserAgent || got.Address != in.Address {
			t.Errorf("CreateSession = %+v; want %+v with an ID", got, in)
		}
		found, err := s.SessionByHash(ctx, in.Hash, base.Add(time.Hour))
		if err != nil || found != got {
			t.Errorf("SessionByHash = %+v, %v; want %+v", found, err, got)
		}
		_, err = s.SessionByHash(ctx, fmt.Sprintf("%064x", []byte("nobody")), base)
		wantErr(t, "SessionByHash of an unknown hash", err, store.ErrNotFound)
		_, err = s.CreateSession(ctx, session(alice+1000, "ghost", base))
		wantErr(t, "CreateSession of an unknown user", err, store.ErrNotFound)
		if _, err := s.CreateSession(ctx, in); err == nil {
			t.Error("CreateSession with a hash taken already succeeded; want an error")
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		in := session(alice, "a1", base)
		createSession(t, s, in)
		other := createSession(t, s, session(alice, "a2", base.Add(time.Hour)))
		if _, err := s.SessionByHash(ctx, in.Hash, in.ExpiresAt.Add(-time.Millisecond)); err != nil {
			t.Errorf("SessionByHash just before expiry: %v", err)
		}
		_, err := s.SessionByHash(ctx, in.Hash, in.ExpiresAt)
		wantErr(t, "SessionByHash at its expiry", err, store.ErrNotFound)

		n, err := s.DeleteExpiredSessions(ctx, in.ExpiresAt)
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		list, err := s.Sessions(ctx, alice)
		if err != nil || len(list) != 1 || list[0].ID != other.ID {
			t.Errorf("Sessions after DeleteExpiredSessions = %+v, %v; want only %d", list, err, other.ID)
		}
	})

	t.Run("Touch", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		in := session(alice, "a1", base)
		got := createSession(t, s, in)
		seen, until := base.Add(20*time.Hour), base.Add(44*time.Hour)
		if err := s.TouchSession(ctx, got.ID, seen, until); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		// Past the first expiry, the slid one keeps it alive.
		found, err := s.SessionByHash(ctx, in.Hash, base.Add(30*time.Hour))
		if err != nil || !found.LastSeen.Equal(seen) || !found.ExpiresAt.Equal(until) || !found.CreatedAt.Equal(base) {
			t.Errorf("after TouchSession, SessionByHash = %+v, %v; want last seen %v, expiring %v", found, err, seen, until)
		}
		err = s.TouchSession(ctx, got.ID+1000, seen, until)
		wantErr(t, "TouchSession of an unknown session", err, store.ErrNotFound)
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		bob := newUser(t, s, "bob")
		a1 := createSession(t, s, session(alice, "a1", base))
		a2 := createSession(t, s, session(alice, "a2", base.Add(time.Hour)))
		a3 := createSession(t, s, session(alice, "a3", base.Add(2*time.Hour)))
		b1 := createSession(t, s, session(bob, "b1", base))
		if err := s.TouchSession(ctx, a1.ID, base.Add(3*time.Hour), a1.ExpiresAt); err != nil {
			t.Fatal(err)
		}
		list, err := s.Sessions(ctx, alice)
		if err != nil {
			t.Fatalf("Sessions: %v", err)
		}
		if got, want := sessionIDs(list), []int64{a1.ID, a3.ID, a2.ID}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Sessions(alice) = %v; want %v, most recently seen first", got, want)
		}
		if list, err := s.Sessions(ctx, bob); err != nil || len(list) != 1 || list[0].ID != b1.ID {
			t.Errorf("Sessions(bob) = %+v, %v; want only %d", list, err, b1.ID)
		}
		_, err = s.Sessions(ctx, alice+bob+1000)
		wantErr(t, "Sessions of an unknown user", err, store.ErrNotFound)

		// Alice cannot end Bob's session.
		err = s.DeleteSession(ctx, alice, b1.ID)
		wantErr(t, "DeleteSession of another user's session", err, store.ErrNotFound)
		if _, err := s.SessionByHash(ctx, b1.Hash, base); err != nil {
			t.Errorf("bob's session after alice tried to end it: %v", err)
		}
		if err := s.DeleteSession(ctx, alice, a2.ID); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = s.SessionByHash(ctx, a2.Hash, base)
		wantErr(t, "SessionByHash of an ended session", err, store.ErrNotFound)
		err = s.DeleteSession(ctx, alice, a2.ID)
		wantErr(t, "DeleteSession twice", err, store.ErrNotFound)

		// A changed password ends the others, and none of Bob's.
		n, err := s.DeleteSessions(ctx, alice, a3.ID)
		if err != nil || n != 1 {
			t.Fatalf("DeleteSessions(alice, except %d) = %d, %v; want 1", a3.ID, n, err)
		}
		if list, err := s.Sessions(ctx, alice); err != nil || fmt.Sprint(sessionIDs(list)) != fmt.Sprint([]int64{a3.ID}) {
			t.Errorf("Sessions(alice) after DeleteSessions = %v, %v; want only %d", sessionIDs(list), err, a3.ID)
		}
		if n, err := s.DeleteSessions(ctx, alice, 0); err != nil || n != 1 {
			t.Errorf("DeleteSessions(alice, 0) = %d, %v; want 1", n, err)
		}
		if list, err := s.Sessions(ctx, bob); err != nil || len(list) != 1 {
			t.Errorf("Sessions(bob) after alice's DeleteSessions = %+v, %v; want his one", list, err)
		}
		if n, err := s.DeleteExpiredSessions(ctx, base); err != nil || n != 0 {
			t.Errorf("DeleteExpiredSessions before any expiry = %d, %v; want 0", n, err)
		}
	})

	t.Run("RemoveUser", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		bob := newUser(t, s, "bob")
		a1 := createSession(t, s, session(alice, "a1", base))
		b1 := createSession(t, s, session(bob, "b1", base))
		if err := s.SetPrefs(ctx, alice, store.Prefs{Theme: store.ThemeDark, Oldest: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveUser(ctx, alice); err != nil {
			t.Fatalf("RemoveUser: %v", err)
		}
		_, err := s.SessionByHash(ctx, a1.Hash, base)
		wantErr(t, "SessionByHash of a removed user's session", err, store.ErrNotFound)
		_, err = s.Prefs(ctx, alice)
		wantErr(t, "Prefs of a removed user", err, store.ErrNotFound)
		if _, err := s.SessionByHash(ctx, b1.Hash, base); err != nil {
			t.Errorf("bob's session after alice's removal: %v", err)
		}
		// A new user with alice's name starts from the defaults.
		again := newUser(t, s, "alice")
		if p, err := s.Prefs(ctx, again); err != nil || p != store.DefaultPrefs() {
			t.Errorf("Prefs of a new alice = %+v, %v; want the defaults", p, err)
		}
	})
}

func sessionIDs(list []store.Session) []int64 {
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

func testPrefs(t *testing.T, open opener) {
	s, alice := setup(t, open)
	ctx := t.Context()
	bob := newUser(t, s, "bob")
	p, err := s.Prefs(ctx, alice)
	if err != nil || p != store.DefaultPrefs() {
		t.Fatalf("Prefs of a new user = %+v, %v; want %+v", p, err, store.DefaultPrefs())
	}
	if !p.MarkOnOpen || p.Theme != store.ThemeAuto || p.Oldest {
		t.Errorf("DefaultPrefs = %+v; want theme auto, newest first, mark on open", p)
	}
	for _, want := range []store.Prefs{
		{Theme: store.ThemeDark, Oldest: true, MarkOnOpen: false},
		{Theme: store.ThemeLight, Oldest: false, MarkOnOpen: true},
		{Theme: store.ThemeAuto, Oldest: true, MarkOnOpen: true},
	} {
		if err := s.SetPrefs(ctx, alice, want); err != nil {
			t.Fatalf("SetPrefs(%+v): %v", want, err)
		}
		if got, err := s.Prefs(ctx, alice); err != nil || got != want {
			t.Errorf("Prefs after SetPrefs(%+v) = %+v, %v", want, got, err)
		}
	}
	if got, err := s.Prefs(ctx, bob); err != nil || got != store.DefaultPrefs() {
		t.Errorf("Prefs(bob) after alice's changes = %+v, %v; want the defaults", got, err)
	}
	ghost := alice + bob + 1000
	_, err = s.Prefs(ctx, ghost)
	wantErr(t, "Prefs of an unknown user", err, store.ErrNotFound)
	err = s.SetPrefs(ctx, ghost, store.DefaultPrefs())
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPrefs of an unknown user: %v; want one wrapping %v", err, store.ErrNotFound)
	}
}
