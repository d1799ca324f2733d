package fetch

import (
	"context"
	"errors"
	"testing"

	"tidings/store"
)

// userStore is what me needs of a store.
type userStore interface {
	User(ctx context.Context, name string) (store.User, error)
	CreateUser(ctx context.Context, name, passwordHash string) (store.User, error)
}

// me returns the ID of the user "me" of db, created on first use as the
// single user of a laptop is.
func me(t testing.TB, db userStore) int64 {
	t.Helper()
	u, err := db.User(context.Background(), "me")
	if errors.Is(err, store.ErrNotFound) {
		u, err = db.CreateUser(context.Background(), "me", "")
	}
	if err != nil {
		t.Fatalf("user me: %v", err)
	}
	return u.ID
}
