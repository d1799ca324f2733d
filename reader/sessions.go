package reader

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"tidings/store"
)

// DefaultSessionLifetime is how long a web session lasts after its last
// use, unless Options.SessionLifetime says otherwise: each use slides it.
const DefaultSessionLifetime = 30 * 24 * time.Hour

// touchEvery is how often a session's use is written: a page makes many
// requests a minute, and each record is a write.
const touchEvery = time.Minute

// sessionSecretLen is the length of a session secret: 32 random bytes,
// URL-safe base64 without padding.
const sessionSecretLen = 43

// Bounds of what a session keeps about the browser that signed in.
const (
	maxUserAgent = 256
	maxAddress   = 64
)

// ErrNoSession means a session secret names no live session: it never
// did, it was ended, or it expired. The person signs in again.
var ErrNoSession = errors.New("the session ended or expired; log in again")

// ErrWrongPassword means the current password given to ChangePassword is
// not the user's.
var ErrWrongPassword = errors.New("the current password is not right")

// NoSessionError means the user has no session with that ID.
// errors.Is(err, store.ErrNotFound) is true for it.
type NoSessionError struct{ ID int64 }

func (e *NoSessionError) Error() string { return fmt.Sprintf("you have no session with ID %d", e.ID) }

// Is reports whether target is store.ErrNotFound.
func (e *NoSessionError) Is(target error) bool { return target == store.ErrNotFound }

// NewSession is a session SignIn made: Secret goes into the browser's
// cookie, and the store keeps only its hash.
type NewSession struct {
	Secret  string
	Session store.Session
}

// SessionHash is the digest a session is stored and looked up by: the hex
// SHA-256 of its secret.
func SessionHash(secret string) string { return TokenHash(secret) }

// SessionLifetime is how long a session lasts after its last use.
func (r *Reader) SessionLifetime() time.Duration { return r.sessLife }

// SignIn checks a user's name and password and starts a web session for
// them, remembering the browser's user agent and address (cut to a
// sensible length). A wrong name or password is ErrBadLogin, which never
// says which.
func (r *Reader) SignIn(ctx context.Context, name, password, userAgent, address string) (store.User, NewSession, error) {
	u, err := r.AuthenticatePassword(ctx, name, password)
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	ns, err := r.StartSession(ctx, u.ID, userAgent, address)
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	return u, ns, nil
}

// StartSession starts a web session for a user who is known already (the
// front end authenticated them another way, or SignIn did).
func (r *Reader) StartSession(ctx context.Context, userID int64, userAgent, address string) (NewSession, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return NewSession{}, fmt.Errorf("make a session: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := r.now()
	s, err := r.st.CreateSession(ctx, store.Session{
		UserID:    userID,
		Hash:      SessionHash(secret),
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: now.Add(r.sessLife),
		UserAgent: clip(userAgent, maxUserAgent),
		Address:   clip(address, maxAddress),
	})
	if err != nil {
		return NewSession{}, fmt.Errorf("start a session: %w", err)
	}
	return NewSession{Secret: secret, Session: s}, nil
}

// clip makes s valid UTF-8 without control characters, at most n runes.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// validSecret reports whether s looks like a secret StartSession made, so
// that anything else is refused without asking the store.
func validSecret(s string) bool {
	if len(s) != sessionSecretLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SessionUser returns the user and session of a session secret, or
// ErrNoSession. A use slides the session's expiry; it is recorded at most
// once a minute.
func (r *Reader) SessionUser(ctx context.Context, secret string) (store.User, store.Session, error) {
	if !validSecret(secret) {
		return store.User{}, store.Session{}, ErrNoSession
	}
	now := r.now()
	s, err := r.st.SessionByHash(ctx, SessionHash(secret), now)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, ErrNoSession
	}
	if err != nil {
		return store.User{}, store.Session{}, fmt.Errorf("look up the session: %w", err)
	}
	u, err := r.st.UserByID(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, ErrNoSession
	}
	if err != nil {
		return store.User{}, store.Session{}, fmt.Errorf("look up the session's user: %w", err)
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		expires := now.Add(r.sessLife)
		err := r.st.TouchSession(ctx, s.ID, now, expires)
		if errors.Is(err, store.ErrNotFound) {
			// Ended meanwhile, by its owner elsewhere.
			return store.User{}, store.Session{}, ErrNoSession
		}
		if err != nil {
			return store.User{}, store.Session{}, fmt.Errorf("record the session's use: %w", err)
		}
		s.LastSeen, s.ExpiresAt = now, expires
	}
	return u, s, nil
}

// Sessions returns the user's live sessions, most recently used first.
func (r *Reader) Sessions(ctx context.Context, userID int64) ([]store.Session, error) {
	all, err := r.st.Sessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list the sessions: %w", err)
	}
	now := r.now()
	live := all[:0]
	for _, s := range all {
		if s.ExpiresAt.After(now) {
			live = append(live, s)
		}
	}
	return live, nil
}

// EndSession ends one of the user's sessions (signs that browser out); a
// NoSessionError if the user has no session with that ID.
func (r *Reader) EndSession(ctx context.Context, userID, id int64) error {
	err := r.st.DeleteSession(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &NoSessionError{ID: id}
	}
	if err != nil {
		return fmt.Errorf("end session %d: %w", id, err)
	}
	return nil
}

// DeleteExpiredSessions removes every user's expired sessions from the
// store, and returns how many: housekeeping.
func (r *Reader) DeleteExpiredSessions(ctx context.Context) (int, error) {
	n, err := r.st.DeleteExpiredSessions(ctx, r.now())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}

// ChangePassword replaces the user's password after checking the current
// one (ErrWrongPassword; a user without a password gives ""), and ends
// every other session of theirs but keepSessionID (0: all of them), so a
// stolen session dies with the old password.
func (r *Reader) ChangePassword(ctx context.Context, userID int64, current, next string, keepSessionID int64) error {
	u, err := r.st.UserByID(ctx, userID)
	if err != nil {
		return fmt.Errorf("look up user %d: %w", userID, err)
	}
	if u.PasswordHash == "" {
		if current != "" {
			return ErrWrongPassword
		}
	} else if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrWrongPassword
	}
	h, err := r.hash(next)
	if err != nil {
		return err
	}
	if err := r.st.SetPassword(ctx, userID, h); err != nil {
		return fmt.Errorf("set the password of %s: %w", u.Name, err)
	}
	if _, err := r.st.DeleteSessions(ctx, userID, keepSessionID); err != nil {
		return fmt.Errorf("end the other sessions of %s: %w", u.Name, err)
	}
	return nil
}

// Prefs returns the user's settings of the reading page, the defaults
// when they never changed any.
func (r *Reader) Prefs(ctx context.Context, userID int64) (store.Prefs, error) {
	p, err := r.st.Prefs(ctx, userID)
	if err != nil {
		return store.Prefs{}, fmt.Errorf("read the settings: %w", err)
	}
	return p, nil
}

// SetPrefs saves the user's settings after checking them: the theme is
// auto, light or dark.
func (r *Reader) SetPrefs(ctx context.Context, userID int64, p store.Prefs) error {
	switch p.Theme {
	case store.ThemeAuto, store.ThemeLight, store.ThemeDark:
	default:
		return invalidf("the theme %q is none of %s, %s or %s", p.Theme, store.ThemeAuto, store.ThemeLight, store.ThemeDark)
	}
	if err := r.st.SetPrefs(ctx, userID, p); err != nil {
		return fmt.Errorf("save the settings: %w", err)
	}
	return nil
}
