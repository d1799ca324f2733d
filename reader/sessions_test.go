package reader_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
)

// clock is a settable clock for the session tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)} }
func pw(s string) *string                { return &s }
func sessionReader(t *testing.T, c *clock) (*reader.Reader, store.Store) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return reader.New(reader.Options{Store: db, PasswordCost: bcrypt.MinCost, Now: c.now,
		SessionLifetime: 48 * time.Hour}), db
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	r, db := sessionReader(t, c)
	alice, err := r.AddUser(ctx, "alice", pw("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddUser(ctx, "nopass", nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, user, password string }{
		{"wrong password", "alice", "wrong horse"},
		{"unknown user", "bob", "correct horse"},
		{"user without a password", "nopass", ""},
		{"empty", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.SignIn(ctx, tt.user, tt.password, "ua", "192.0.2.1")
			if !errors.Is(err, reader.ErrBadLogin) {
				t.Errorf("SignIn(%q, %q) = %v; want ErrBadLogin", tt.user, tt.password, err)
			}
		})
	}

	ua := "Mozilla/5.0\x00\n" + strings.Repeat("x", 1000)
	u, ns, err := r.SignIn(ctx, "alice", "correct horse", ua, "192.0.2.1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if u.ID != alice.ID || len(ns.Secret) != 43 || strings.ContainsAny(ns.Secret, "+/=") {
		t.Errorf("SignIn = %+v, secret %q; want alice and 43 URL-safe characters", u, ns.Secret)
	}
	if ns.Session.Hash != reader.SessionHash(ns.Secret) || strings.Contains(ns.Session.Hash, ns.Secret) {
		t.Errorf("session hash %q; want the SHA-256 of the secret, never the secret", ns.Session.Hash)
	}
	if !ns.Session.ExpiresAt.Equal(c.t.Add(48*time.Hour)) || len([]rune(ns.Session.UserAgent)) != 256 ||
		strings.ContainsAny(ns.Session.UserAgent, "\x00\n") {
		t.Errorf("session = %+v; want expiry in 48h and the user agent cut to 256 clean characters", ns.Session)
	}
	// The store holds no secret anywhere a copy of it could leak.
	stored, _ := db.Sessions(ctx, alice.ID)
	if len(stored) != 1 || stored[0].Hash == ns.Secret {
		t.Errorf("stored sessions %+v", stored)
	}
	_, other, err := r.SignIn(ctx, "alice", "correct horse", "ua", "192.0.2.1")
	if err != nil || other.Secret == ns.Secret {
		t.Errorf("a second SignIn = %q, %v; want another secret", other.Secret, err)
	}
}

func TestSessionUser(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	r, db := sessionReader(t, c)
	alice, _ := r.AddUser(ctx, "alice", pw("correct horse"))
	_, ns, err := r.SignIn(ctx, "alice", "correct horse", "ua", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	u, s, err := r.SessionUser(ctx, ns.Secret)
	if err != nil || u.ID != alice.ID || s.ID != ns.Session.ID {
		t.Fatalf("SessionUser = %+v, %+v, %v; want alice's session", u, s, err)
	}
	for _, bad := range []string{"", "x", ns.Secret[:42], ns.Secret + "A", strings.Repeat("A", 43), ns.Secret[:42] + "/"} {
		if _, _, err := r.SessionUser(ctx, bad); !errors.Is(err, reader.ErrNoSession) {
			t.Errorf("SessionUser(%q) = %v; want ErrNoSession", bad, err)
		}
	}

	// Uses within a minute are not written; a later one is, and slides
	// the expiry.
	c.advance(30 * time.Second)
	if _, s, err := r.SessionUser(ctx, ns.Secret); err != nil || !s.LastSeen.Equal(ns.Session.LastSeen) {
		t.Errorf("SessionUser after 30s: last seen %v, %v; want unchanged %v", s.LastSeen, err, ns.Session.LastSeen)
	}
	c.advance(40 * time.Hour)
	_, s, err = r.SessionUser(ctx, ns.Secret)
	if err != nil || !s.LastSeen.Equal(c.t) || !s.ExpiresAt.Equal(c.t.Add(48*time.Hour)) {
		t.Fatalf("SessionUser after 40h = %+v, %v; want last seen now, expiring in 48h", s, err)
	}
	stored, _ := db.SessionByHash(ctx, ns.Session.Hash, c.t)
	if !stored.ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("stored expiry %v; want the slid %v", stored.ExpiresAt, s.ExpiresAt)
	}
	// Still alive 47h after that use, though 87h after signing in.
	c.advance(47 * time.Hour)
	if _, _, err := r.SessionUser(ctx, ns.Secret); err != nil {
		t.Errorf("SessionUser within the slid lifetime: %v", err)
	}
	// Not after a full lifetime without use.
	c.advance(48 * time.Hour)
	if _, _, err := r.SessionUser(ctx, ns.Secret); !errors.Is(err, reader.ErrNoSession) {
		t.Errorf("SessionUser after a lifetime unused = %v; want ErrNoSession", err)
	}
	if list, err := r.Sessions(ctx, alice.ID); err != nil || len(list) != 0 {
		t.Errorf("Sessions = %+v, %v; want the expired one left out", list, err)
	}
	if n, err := r.DeleteExpiredSessions(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}

	// A removed user's sessions end with them.
	_, ns, _ = r.SignIn(ctx, "alice", "correct horse", "ua", "192.0.2.1")
	if _, err := r.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.SessionUser(ctx, ns.Secret); !errors.Is(err, reader.ErrNoSession) {
		t.Errorf("SessionUser of a removed user = %v; want ErrNoSession", err)
	}
}

func TestEndSession(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	r, _ := sessionReader(t, c)
	alice, _ := r.AddUser(ctx, "alice", pw("correct horse"))
	bob, _ := r.AddUser(ctx, "bob", pw("battery staple"))
	_, a1, _ := r.SignIn(ctx, "alice", "correct horse", "phone", "192.0.2.1")
	c.advance(time.Hour)
	_, a2, _ := r.SignIn(ctx, "alice", "correct horse", "laptop", "192.0.2.2")
	_, b1, _ := r.SignIn(ctx, "bob", "battery staple", "bob's", "192.0.2.3")

	list, err := r.Sessions(ctx, alice.ID)
	if err != nil || len(list) != 2 || list[0].ID != a2.Session.ID || list[1].ID != a1.Session.ID {
		t.Fatalf("Sessions(alice) = %+v, %v; want the laptop, then the phone", list, err)
	}
	if list, _ := r.Sessions(ctx, bob.ID); len(list) != 1 || list[0].ID != b1.Session.ID {
		t.Errorf("Sessions(bob) = %+v; want his one", list)
	}
	err = r.EndSession(ctx, alice.ID, b1.Session.ID)
	var nse *reader.NoSessionError
	if !errors.As(err, &nse) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alice ending bob's session = %v; want a NoSessionError", err)
	}
	if _, _, err := r.SessionUser(ctx, b1.Secret); err != nil {
		t.Errorf("bob's session after alice tried to end it: %v", err)
	}
	if err := r.EndSession(ctx, alice.ID, a1.Session.ID); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if _, _, err := r.SessionUser(ctx, a1.Secret); !errors.Is(err, reader.ErrNoSession) {
		t.Errorf("an ended session = %v; want ErrNoSession", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	r, _ := sessionReader(t, c)
	alice, _ := r.AddUser(ctx, "alice", pw("correct horse"))
	if _, err := r.AddUser(ctx, "bob", pw("battery staple")); err != nil {
		t.Fatal(err)
	}
	_, a1, _ := r.SignIn(ctx, "alice", "correct horse", "phone", "192.0.2.1")
	_, a2, _ := r.SignIn(ctx, "alice", "correct horse", "laptop", "192.0.2.2")
	_, b1, _ := r.SignIn(ctx, "bob", "battery staple", "bob's", "192.0.2.3")

	if err := r.ChangePassword(ctx, alice.ID, "wrong horse", "new password", a2.Session.ID); !errors.Is(err, reader.ErrWrongPassword) {
		t.Errorf("ChangePassword with a wrong current one = %v; want ErrWrongPassword", err)
	}
	if err := r.ChangePassword(ctx, alice.ID, "correct horse", "short", a2.Session.ID); !errors.Is(err, reader.ErrInvalid) {
		t.Errorf("ChangePassword to a short one = %v; want ErrInvalid", err)
	}
	if _, _, err := r.SessionUser(ctx, a1.Secret); err != nil {
		t.Errorf("a failed change ended a session: %v", err)
	}
	if err := r.ChangePassword(ctx, alice.ID, "correct horse", "new password", a2.Session.ID); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, _, err := r.SessionUser(ctx, a1.Secret); !errors.Is(err, reader.ErrNoSession) {
		t.Errorf("the other session after a change = %v; want ErrNoSession", err)
	}
	if _, _, err := r.SessionUser(ctx, a2.Secret); err != nil {
		t.Errorf("the kept session after a change: %v", err)
	}
	if _, _, err := r.SessionUser(ctx, b1.Secret); err != nil {
		t.Errorf("bob's session after alice's change: %v", err)
	}
	if _, _, err := r.SignIn(ctx, "alice", "correct horse", "", ""); !errors.Is(err, reader.ErrBadLogin) {
		t.Errorf("SignIn with the old password = %v; want ErrBadLogin", err)
	}
	if _, _, err := r.SignIn(ctx, "alice", "new password", "", ""); err != nil {
		t.Errorf("SignIn with the new password: %v", err)
	}

	// A user without a password sets one giving "" as the current one.
	me, _ := r.AddUser(ctx, "me", nil)
	if err := r.ChangePassword(ctx, me.ID, "anything", "first password", 0); !errors.Is(err, reader.ErrWrongPassword) {
		t.Errorf("ChangePassword of a user without one, giving one = %v; want ErrWrongPassword", err)
	}
	if err := r.ChangePassword(ctx, me.ID, "", "first password", 0); err != nil {
		t.Errorf("ChangePassword of a user without one: %v", err)
	}
}

func TestPrefs(t *testing.T) {
	ctx := context.Background()
	r, _ := sessionReader(t, newClock())
	alice, _ := r.AddUser(ctx, "alice", nil)
	p, err := r.Prefs(ctx, alice.ID)
	if err != nil || p != store.DefaultPrefs() {
		t.Fatalf("Prefs = %+v, %v; want the defaults", p, err)
	}
	for _, theme := range []string{"", "blue", "Dark"} {
		if err := r.SetPrefs(ctx, alice.ID, store.Prefs{Theme: theme}); !errors.Is(err, reader.ErrInvalid) {
			t.Errorf("SetPrefs(theme %q) = %v; want ErrInvalid", theme, err)
		}
	}
	want := store.Prefs{Theme: store.ThemeDark, Oldest: true}
	if err := r.SetPrefs(ctx, alice.ID, want); err != nil {
		t.Fatal(err)
	}
	if p, err := r.Prefs(ctx, alice.ID); err != nil || p != want {
		t.Errorf("Prefs after SetPrefs = %+v, %v; want %+v", p, err, want)
	}
}
