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

const userColumns = "u.id, u.name, u.password_hash, u.created_at"

func scanUser(row pgx.Row, extra ...any) (store.User, error) {
	var (
		u         store.User
		createdAt pgtype.Timestamptz
	)
	if err := row.Scan(append([]any{&u.ID, &u.Name, &u.PasswordHash, &createdAt}, extra...)...); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = fromTS(createdAt)
	return u, nil
}

// CreateUser adds a user; a name taken already is an error wrapping
// store.ErrUserExists.
func (db *DB) CreateUser(ctx context.Context, name, passwordHash string) (store.User, error) {
	var u store.User
	err := retry(func() error {
		var err error
		u, err = scanUser(db.pool.QueryRow(ctx, "INSERT INTO users AS u (name, password_hash, created_at) VALUES ($1, $2, $3) RETURNING "+
			userColumns, text(name), text(passwordHash), ts(time.Now())))
		return err
	})
	if uniqueViolation(err) {
		return store.User{}, fmt.Errorf("add user %s: %w", name, store.ErrUserExists)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

// User returns the user with that name, or an error wrapping
// store.ErrNotFound.
func (db *DB) User(ctx context.Context, name string) (store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.name = $1", text(name)))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// UserByID returns the user with that ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, noUser(id)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// Users returns every user with their number of subscriptions, by name.
func (db *DB) Users(ctx context.Context) ([]store.User, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+userColumns+`, (SELECT count(*) FROM subscriptions s WHERE s.user_id = u.id)
		FROM users u ORDER BY u.name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) {
		var n int
		u, err := scanUser(r, &n)
		u.Subscriptions = n
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// SetPassword replaces a user's password hash.
func (db *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "UPDATE users SET password_hash = $2 WHERE id = $1", userID, text(passwordHash))
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("set the password of user %d: %w", userID, err)
	}
	if n == 0 {
		return noUser(userID)
	}
	return nil
}

// RemoveUser deletes a user with their subscriptions, item states, tags
// and tokens (the foreign keys cascade), in one transaction; then the
// feeds nobody else subscribes to go as Unsubscribe says, and kept items
// nobody stars any more go too.
func (db *DB) RemoveUser(ctx context.Context, userID int64) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT feed_id FROM subscriptions WHERE user_id = $1 ORDER BY feed_id", userID)
		if err != nil {
			return err
		}
		feeds, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM users WHERE id = $1", userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noUser(userID)
		}
		for _, id := range feeds {
			if _, err := deleteFeedIfUnsubscribed(ctx, tx, id); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM items i WHERE i.feed_id IS NULL
			AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = i.id AND st.starred)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove user %d: %w", userID, err)
	}
	return nil
}

const tokenColumns = "t.id, t.user_id, t.label, t.hash, t.fever_key, t.created_at, t.last_used"

func scanToken(row pgx.Row, extra ...any) (store.Token, error) {
	var (
		t                   store.Token
		createdAt, lastUsed pgtype.Timestamptz
	)
	dest := append([]any{&t.ID, &t.UserID, &t.Label, &t.Hash, &t.FeverKey, &createdAt, &lastUsed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return store.Token{}, err
	}
	t.CreatedAt, t.LastUsed = fromTS(createdAt), fromTS(lastUsed)
	return t, nil
}

// AddToken stores a new app password (its hashes) for t.UserID; CreatedAt
// is now unless set.
func (db *DB) AddToken(ctx context.Context, t store.Token) (store.Token, error) {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	var out store.Token
	err := retry(func() error {
		var err error
		out, err = scanToken(db.pool.QueryRow(ctx, `INSERT INTO tokens AS t (user_id, label, hash, fever_key, created_at, last_used)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+tokenColumns,
			t.UserID, text(t.Label), text(t.Hash), text(t.FeverKey), ts(t.CreatedAt), ts(t.LastUsed)))
		return err
	})
	switch {
	case fkViolation(err):
		return store.Token{}, noUser(t.UserID)
	case uniqueViolation(err):
		return store.Token{}, errors.New("add token: a token with that hash exists already; make a new token")
	case err != nil:
		return store.Token{}, fmt.Errorf("add token: %w", err)
	}
	return out, nil
}

// Tokens returns a user's tokens, oldest first.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]store.Token, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+tokenColumns+" FROM tokens t WHERE t.user_id = $1 ORDER BY t.created_at, t.id", userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	tokens, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Token, error) { return scanToken(r) })
	if err == nil && len(tokens) == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken deletes one of the user's tokens, or returns an error
// wrapping store.ErrNotFound if the user has no token with that ID.
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "DELETE FROM tokens WHERE user_id = $1 AND id = $2", userID, tokenID)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	if n == 0 {
		if err := checkUser(ctx, db.pool, userID); err != nil {
			return err
		}
		return fmt.Errorf("token %d: %w", tokenID, store.ErrNotFound)
	}
	return nil
}

// TokenUser returns the user and token whose Hash is hash and records now
// as its last use; an error wrapping store.ErrNotFound if none.
func (db *DB) TokenUser(ctx context.Context, hash string, now time.Time) (store.User, store.Token, error) {
	return db.tokenUser(ctx, "hash", hash, now)
}

// FeverUser is TokenUser by the token's FeverKey.
func (db *DB) FeverUser(ctx context.Context, feverKey string, now time.Time) (store.User, store.Token, error) {
	return db.tokenUser(ctx, "fever_key", feverKey, now)
}

func (db *DB) tokenUser(ctx context.Context, col, key string, now time.Time) (store.User, store.Token, error) {
	if key == "" {
		return store.User{}, store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	var (
		u   store.User
		tok store.Token
	)
	err := retry(func() error {
		var err error
		row := db.pool.QueryRow(ctx, `WITH t AS (UPDATE tokens SET last_used = $2
			WHERE id = (SELECT id FROM tokens WHERE `+col+` = $1 ORDER BY id LIMIT 1) RETURNING *)
			SELECT `+tokenColumns+", "+userColumns+" FROM t JOIN users u ON u.id = t.user_id", text(key), ts(now))
		var createdAt pgtype.Timestamptz
		tok, err = scanToken(row, &u.ID, &u.Name, &u.PasswordHash, &createdAt)
		u.CreatedAt = fromTS(createdAt)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, store.Token{}, fmt.Errorf("find token: %w", err)
	}
	return u, tok, nil
}
