package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tidings/store"
)

const sessionColumns = "id, user_id, hash, created_at, last_seen, expires_at, user_agent, address"

func scanSession(s scanner) (store.Session, error) {
	var (
		se                       store.Session
		created, seen, expiresAt int64
	)
	if err := s.Scan(&se.ID, &se.UserID, &se.Hash, &created, &seen, &expiresAt, &se.UserAgent, &se.Address); err != nil {
		return store.Session{}, err
	}
	se.CreatedAt, se.LastSeen, se.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expiresAt)
	return se, nil
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
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, s.UserID); err != nil {
			return err
		}
		var err error
		out, err = scanSession(tx.QueryRowContext(ctx, `INSERT INTO sessions
			(user_id, hash, created_at, last_seen, expires_at, user_agent, address)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+sessionColumns,
			s.UserID, s.Hash, toMillis(s.CreatedAt), toMillis(s.LastSeen), toMillis(s.ExpiresAt), s.UserAgent, s.Address))
		return err
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("add session: %w", err)
	}
	return out, nil
}

// SessionByHash returns the unexpired session with that hash.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (store.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, "SELECT "+sessionColumns+
		" FROM sessions WHERE hash = ? AND expires_at > ?", hash, toMillis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	return s, nil
}

// TouchSession records a use of the session.
func (db *DB) TouchSession(ctx context.Context, id int64, lastSeen, expiresAt time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id = ?",
			toMillis(lastSeen), toMillis(expiresAt), id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch session %d: %w", id, err)
	}
	return nil
}

// Sessions returns the user's sessions, most recently seen first.
func (db *DB) Sessions(ctx context.Context, userID int64) ([]store.Session, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+sessionColumns+
		" FROM sessions WHERE user_id = ? ORDER BY last_seen DESC, id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	if len(out) == 0 {
		if err := checkUser(ctx, db.read, userID); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
	}
	return out, nil
}

// DeleteSession ends one of the user's sessions.
func (db *DB) DeleteSession(ctx context.Context, userID, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("end session %d: %w", id, err)
	}
	return nil
}

// DeleteSessions ends every session of the user but exceptID.
func (db *DB) DeleteSessions(ctx context.Context, userID, exceptID int64) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, exceptID)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("end the sessions of user %d: %w", userID, err)
	}
	return int(n), nil
}

// DeleteExpiredSessions deletes the sessions expired at now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", toMillis(now))
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
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
	err := db.read.QueryRowContext(ctx, "SELECT theme, oldest, mark_on_open FROM prefs WHERE user_id = ?", userID).
		Scan(&p.Theme, &p.Oldest, &p.MarkOnOpen)
	if errors.Is(err, sql.ErrNoRows) {
		if err := checkUser(ctx, db.read, userID); err != nil {
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
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO prefs (user_id, theme, oldest, mark_on_open) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET theme = excluded.theme, oldest = excluded.oldest,
			mark_on_open = excluded.mark_on_open`, userID, p.Theme, p.Oldest, p.MarkOnOpen)
		return err
	})
	if err != nil {
		return fmt.Errorf("save the settings of user %d: %w", userID, err)
	}
	return nil
}
