package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tidings/store"
)

const userColumns = "id, name, password_hash, created_at"

func scanUser(s scanner, extra ...any) (store.User, error) {
	var u store.User
	var created int64
	if err := s.Scan(append([]any{&u.ID, &u.Name, &u.PasswordHash, &created}, extra...)...); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// isUnique reports whether err is SQLite's UNIQUE constraint failure.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// CreateUser adds a user, or returns an error wrapping
// store.ErrUserExists.
func (db *DB) CreateUser(ctx context.Context, name, passwordHash string) (store.User, error) {
	var u store.User
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?) RETURNING "+
			userColumns, name, passwordHash, toMillis(time.Now())))
		return err
	})
	if isUnique(err) {
		return store.User{}, fmt.Errorf("add user %s: %w", name, store.ErrUserExists)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

func (db *DB) userWhere(ctx context.Context, what string, where string, arg any) (store.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", what, err)
	}
	return u, nil
}

// User returns the user with that name, or an error wrapping
// store.ErrNotFound.
func (db *DB) User(ctx context.Context, name string) (store.User, error) {
	return db.userWhere(ctx, name, "name = ?", name)
}

// UserByID returns the user with that ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (store.User, error) {
	return db.userWhere(ctx, fmt.Sprint(id), "id = ?", id)
}

// Users returns every user by name, with their number of subscriptions.
func (db *DB) Users(ctx context.Context) ([]store.User, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+userColumns+
		", (SELECT count(*) FROM subscriptions s WHERE s.user_id = users.id) FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []store.User{}
	for rows.Next() {
		var n int
		u, err := scanUser(rows, &n)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.Subscriptions = n
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// SetPassword replaces the user's password hash.
func (db *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set the password of user %d: %w", userID, err)
	}
	return nil
}

// RemoveUser deletes the user, their subscriptions, state, tags and
// tokens, and the feeds nobody else follows, in one transaction.
func (db *DB) RemoveUser(ctx context.Context, userID int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		feeds, err := queryIDs(ctx, tx, "SELECT feed_id FROM subscriptions WHERE user_id = ?", userID)
		if err != nil {
			return err
		}
		// Their starred items go with their state: items of feeds that
		// are gone which nobody else starred go too.
		if _, err := tx.ExecContext(ctx, `DELETE FROM items WHERE feed_id IS NULL AND id IN
			(SELECT item_id FROM item_states WHERE user_id = ?1 AND starred = 1)
			AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = items.id AND st.starred = 1 AND st.user_id <> ?1)`,
			userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", userID); err != nil {
			return err
		}
		return dropUnfollowed(ctx, tx, feeds)
	})
	if err != nil {
		return fmt.Errorf("remove user %d: %w", userID, err)
	}
	return nil
}

// queryIDs runs a query of one integer column and returns its values.
func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const tokenColumns = "id, user_id, label, hash, fever_key, created_at, last_used"

func scanToken(s scanner) (store.Token, error) {
	var t store.Token
	var created, used int64
	if err := s.Scan(&t.ID, &t.UserID, &t.Label, &t.Hash, &t.FeverKey, &created, &used); err != nil {
		return store.Token{}, err
	}
	t.CreatedAt, t.LastUsed = fromMillis(created), fromMillis(used)
	return t, nil
}

// AddToken stores an app password's hashes for t.UserID.
func (db *DB) AddToken(ctx context.Context, t store.Token) (store.Token, error) {
	var out store.Token
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, t.UserID); err != nil {
			return err
		}
		var err error
		out, err = scanToken(tx.QueryRowContext(ctx, `INSERT INTO tokens (user_id, label, hash, fever_key, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING `+tokenColumns, t.UserID, t.Label, t.Hash, t.FeverKey, toMillis(time.Now())))
		return err
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("add token: %w", err)
	}
	return out, nil
}

// Tokens returns the user's tokens, oldest first.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]store.Token, error) {
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	tokens := []store.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken deletes one of the user's tokens.
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "DELETE FROM tokens WHERE id = ? AND user_id = ?", tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	return nil
}

// TokenUser returns the user and token with that hash and records its use.
func (db *DB) TokenUser(ctx context.Context, hash string, now time.Time) (store.User, store.Token, error) {
	return db.tokenUser(ctx, "hash", hash, now)
}

// FeverUser returns the user and token with that Fever key and records its
// use.
func (db *DB) FeverUser(ctx context.Context, feverKey string, now time.Time) (store.User, store.Token, error) {
	if feverKey == "" {
		return store.User{}, store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return db.tokenUser(ctx, "fever_key", feverKey, now)
}

func (db *DB) tokenUser(ctx context.Context, col, key string, now time.Time) (store.User, store.Token, error) {
	t, err := scanToken(db.read.QueryRowContext(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE "+col+" = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, store.Token{}, fmt.Errorf("token: %w", err)
	}
	u, err := db.UserByID(ctx, t.UserID)
	if err != nil {
		return store.User{}, store.Token{}, err
	}
	// A use is recorded at most once a minute: apps call many times a
	// minute, and each record is a write.
	if now.Sub(t.LastUsed) >= time.Minute {
		if err := db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE tokens SET last_used = ? WHERE id = ?", toMillis(now), t.ID)
			return err
		}); err != nil {
			return store.User{}, store.Token{}, fmt.Errorf("token: %w", err)
		}
		t.LastUsed = now
	}
	return u, t, nil
}
