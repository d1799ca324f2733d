package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

const sessionColumns = "s.id, s.user_id, s.hash, s.created_at, s.last_seen, s.expires_at, s.user_agent, s.address"

func scanSession(row pgx.Row) (store.Session, error) {
	var (
		s                        store.Session
		created, seen, expiresAt pgtype.Timestamptz
	)
	if err := row.Scan(&s.ID, &s.UserID, &s.Hash, &created, &seen, &expiresAt, &s.UserAgent, &s.Address); err != nil {
		return store.Session{}, err
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromTS(created), fromTS(seen), fromTS(expiresAt)
	return s, nil
}

// CreateSession stores a new session of s.UserID.
func (db *DB) CreateSession(ctx context.Context, s store.Session) (store.Session, error) {
	if s.ExpiresAt.IsZero() {
		return store.Session{}, errors.New("add session: it has no expiry time")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = time.Now()
	}
	if s.LastSeen.IsZero() {
		s.LastSeen = s.CreatedAt
	}
	var out store.Session
	err := retry(func() error {
		var err error
		out, err = scanSession(db.pool.QueryRow(ctx, `INSERT INTO sessions AS s
			(user_id, hash, created_at, last_seen, expires_at, user_agent, address)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+sessionColumns,
			s.UserID, text(s.Hash), ts(s.CreatedAt), ts(s.LastSeen), ts(s.ExpiresAt), text(s.UserAgent), text(s.Address)))
		return err
	})
	switch {
	case fkViolation(err):
		return store.Session{}, fmt.Errorf("add session: %w", noUser(s.UserID))
	case err != nil:
		return store.Session{}, fmt.Errorf("add session: %w", err)
	}
	return out, nil
}

// SessionByHash returns the unexpired session with that hash.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (store.Session, error) {
	s, err := scanSession(db.pool.QueryRow(ctx, "SELECT "+sessionColumns+
		" FROM sessions s WHERE s.hash = $1 AND s.expires_at > $2", text(hash), ts(now)))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	return s, nil
}

// TouchSession records a use of the session.
func (db *DB) TouchSession(ctx context.Context, id int64, lastSeen, expiresAt time.Time) error {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "UPDATE sessions SET last_seen = $2, expires_at = $3 WHERE id = $1",
			id, ts(lastSeen), ts(expiresAt))
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("touch session %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// Sessions returns the user's sessions, most recently seen first.
func (db *DB) Sessions(ctx context.Context, userID int64) ([]store.Session, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+sessionColumns+
		" FROM sessions s WHERE s.user_id = $1 ORDER BY s.last_seen DESC, s.id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Session, error) { return scanSession(r) })
	if err == nil && len(out) == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// DeleteSession ends one of the user's sessions.
func (db *DB) DeleteSession(ctx context.Context, userID, id int64) error {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE id = $1 AND user_id = $2", id, userID)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("end session %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("end session %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// DeleteSessions ends every session of the user but exceptID.
func (db *DB) DeleteSessions(ctx context.Context, userID, exceptID int64) (int, error) {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, exceptID)
		n = tag.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return 0, fmt.Errorf("end the sessions of user %d: %w", userID, err)
	}
	return int(n), nil
}

// DeleteExpiredSessions deletes the sessions expired at now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= $1", ts(now))
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}

// Prefs returns the user's settings, the defaults if never set.
func (db *DB) Prefs(ctx context.Context, userID int64) (store.Prefs, error) {
	var p store.Prefs
	err := db.pool.QueryRow(ctx, "SELECT theme, oldest, mark_on_open FROM prefs WHERE user_id = $1", userID).
		Scan(&p.Theme, &p.Oldest, &p.MarkOnOpen)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := checkUser(ctx, db.pool, userID); err != nil {
			return store.Prefs{}, fmt.Errorf("settings: %w", err)
		}
		return store.DefaultPrefs(), nil
	}
	if err != nil {
		return store.Prefs{}, fmt.Errorf("settings of user %d: %w", userID, err)
	}
	return p, nil
}

// SetPrefs replaces the user's settings.
func (db *DB) SetPrefs(ctx context.Context, userID int64, p store.Prefs) error {
	err := retry(func() error {
		_, err := db.pool.Exec(ctx, `INSERT INTO prefs (user_id, theme, oldest, mark_on_open) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET theme = excluded.theme, oldest = excluded.oldest,
			mark_on_open = excluded.mark_on_open`, userID, text(p.Theme), p.Oldest, p.MarkOnOpen)
		return err
	})
	if fkViolation(err) {
		return fmt.Errorf("save settings: %w", noUser(userID))
	}
	if err != nil {
		return fmt.Errorf("save the settings of user %d: %w", userID, err)
	}
	return nil
}
