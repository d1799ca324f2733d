package reader

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"tidings/store"
)

// DefaultUser is the name of the user a fresh database gets on first use,
// and the one an upgraded single-user database has.
const DefaultUser = "me"

// Password rules. bcrypt reads at most 72 bytes: a longer password would
// be cut silently, so it is refused.
const (
	MinPassword     = 8
	MaxPasswordByte = 72
	MaxUserName     = 64
	MaxTokenLabel   = 64
)

// ErrBadLogin is a failed authentication: an unknown user, a wrong
// password, a user without one, or a token that is not (or no longer) one.
// It never says which, so it tells an attacker nothing.
var ErrBadLogin = errors.New("wrong user name, password or token")

// UnknownUserError means no user has that name. errors.Is(err,
// store.ErrNotFound) is true for it.
type UnknownUserError struct{ Name string }

func (e *UnknownUserError) Error() string { return fmt.Sprintf("no user named %q", e.Name) }

// Is reports whether target is store.ErrNotFound.
func (e *UnknownUserError) Is(target error) bool { return target == store.ErrNotFound }

// UserExistsError means a user with that name exists already.
// errors.Is(err, store.ErrUserExists) is true for it.
type UserExistsError struct{ Name string }

func (e *UserExistsError) Error() string {
	return fmt.Sprintf("a user named %q exists already", e.Name)
}

// Is reports whether target is store.ErrUserExists.
func (e *UserExistsError) Is(target error) bool { return target == store.ErrUserExists }

// ChooseUserError means several users share the database and none was
// named to act. ErrChooseUser matches it.
type ChooseUserError struct {
	// Names are the users, by name.
	Names []string
}

// ErrChooseUser matches a ChooseUserError (errors.Is).
var ErrChooseUser = errors.New("several users and none named")

func (e *ChooseUserError) Error() string {
	return fmt.Sprintf("%d users share this database (%s), and none was named to act", len(e.Names), strings.Join(e.Names, ", "))
}

// Is reports whether target is ErrChooseUser.
func (e *ChooseUserError) Is(target error) bool { return target == ErrChooseUser }

// NoTokenError means the user has no token with that ID.
// errors.Is(err, store.ErrNotFound) is true for it.
type NoTokenError struct {
	User string
	ID   int64
}

func (e *NoTokenError) Error() string {
	return fmt.Sprintf("user %q has no token with ID %d", e.User, e.ID)
}

// Is reports whether target is store.ErrNotFound.
func (e *NoTokenError) Is(target error) bool { return target == store.ErrNotFound }

// UserName checks a user name: 1 to 64 letters, digits, '-', '_', '.',
// '@' or '+', not starting with '-': no spaces, no control characters,
// and no ':' (it separates name and password in HTTP logins).
func UserName(name string) error {
	const rule = "a user name is 1 to 64 letters, digits, '-', '_', '.', '@' or '+', not starting with '-'"
	if name == "" {
		return invalidf("the user name is empty; %s", rule)
	}
	if !utf8.ValidString(name) {
		return invalidf("the user name is not valid UTF-8; %s", rule)
	}
	if utf8.RuneCountInString(name) > MaxUserName {
		return invalidf("the user name %q is longer than %d characters; %s", name, MaxUserName, rule)
	}
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			return invalidf("the user name %q has a space in it; %s", name, rule)
		case unicode.IsControl(r):
			return invalidf("the user name %q has a control character in it; %s", name, rule)
		case !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_.@+", r):
			return invalidf("the user name %q has %q in it; %s", name, r, rule)
		}
	}
	if name[0] == '-' {
		return invalidf("the user name %q starts with '-'; %s", name, rule)
	}
	return nil
}

// Password checks a new password: at least 8 characters, at most 72
// bytes, no control characters.
func Password(pw string) error {
	switch {
	case pw == "":
		return invalidf("the password is empty; use at least %d characters", MinPassword)
	case !utf8.ValidString(pw):
		return invalidf("the password is not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPassword:
		return invalidf("the password is too short (%d characters); use at least %d", utf8.RuneCountInString(pw), MinPassword)
	case len(pw) > MaxPasswordByte:
		return invalidf("the password is too long (%d bytes); use at most %d", len(pw), MaxPasswordByte)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return invalidf("the password has a control character in it")
		}
	}
	return nil
}

func (r *Reader) hash(pw string) (string, error) {
	if err := Password(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), r.cost)
	if err != nil {
		return "", fmt.Errorf("hash the password: %w", err)
	}
	return string(h), nil
}

// AddUser adds a user. A nil password adds one without: they act on the
// command line, and log in over HTTP once SetPassword gave them one.
func (r *Reader) AddUser(ctx context.Context, name string, password *string) (store.User, error) {
	if err := UserName(name); err != nil {
		return store.User{}, err
	}
	var hash string
	if password != nil {
		h, err := r.hash(*password)
		if err != nil {
			return store.User{}, err
		}
		hash = h
	}
	u, err := r.st.CreateUser(ctx, name, hash)
	if errors.Is(err, store.ErrUserExists) {
		return u, &UserExistsError{Name: name}
	}
	if err != nil {
		return u, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

// User returns the user with that name, an UnknownUserError if none.
func (r *Reader) User(ctx context.Context, name string) (store.User, error) {
	u, err := r.st.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return u, &UnknownUserError{Name: name}
	}
	if err != nil {
		return u, fmt.Errorf("look up user %s: %w", name, err)
	}
	return u, nil
}

// Users returns every user, with their subscription counts, by name.
func (r *Reader) Users(ctx context.Context) ([]store.User, error) {
	us, err := r.st.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// SetPassword gives the user a new password.
func (r *Reader) SetPassword(ctx context.Context, name, password string) error {
	u, err := r.User(ctx, name)
	if err != nil {
		return err
	}
	h, err := r.hash(password)
	if err != nil {
		return err
	}
	if err := r.st.SetPassword(ctx, u.ID, h); err != nil {
		return fmt.Errorf("set the password of %s: %w", name, err)
	}
	return nil
}

// RemoveUser removes a user with their subscriptions, read and starred
// state and tokens, all at once; feeds nobody else follows go and are no
// longer fetched.
func (r *Reader) RemoveUser(ctx context.Context, name string) (store.User, error) {
	u, err := r.User(ctx, name)
	if err != nil {
		return u, err
	}
	if err := r.st.RemoveUser(ctx, u.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return u, &UnknownUserError{Name: name}
		}
		return u, fmt.Errorf("remove user %s: %w", name, err)
	}
	return u, nil
}

// ActingUser returns the user a front end acts for: the one named, else
// the only user. A database without users gets DefaultUser, created now
// (two callers at once end with the same one). With several users and no
// name, it returns a ChooseUserError.
func (r *Reader) ActingUser(ctx context.Context, name string) (store.User, error) {
	if name != "" {
		return r.User(ctx, name)
	}
	users, err := r.Users(ctx)
	if err != nil {
		return store.User{}, err
	}
	switch len(users) {
	case 0:
		u, err := r.st.CreateUser(ctx, DefaultUser, "")
		if errors.Is(err, store.ErrUserExists) {
			// Another process made it first.
			return r.User(ctx, DefaultUser)
		}
		if err != nil {
			return u, fmt.Errorf("add the user %s: %w", DefaultUser, err)
		}
		return u, nil
	case 1:
		return users[0], nil
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	slices.Sort(names)
	return store.User{}, &ChooseUserError{Names: names}
}

// NewToken is a token AddToken made: Secret is the app password itself,
// to show once; the store keeps only its hashes.
type NewToken struct {
	store.Token
	Secret string
}

// TokenHash is the digest a token is stored and looked up by: the hex
// SHA-256 of the token.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// FeverKey is the Fever API key of a user's token: the hex MD5 of
// "name:token", as Fever clients compute it.
func FeverKey(user, secret string) string {
	sum := md5.Sum([]byte(user + ":" + secret))
	return hex.EncodeToString(sum[:])
}

// AddToken makes a new app password for the user, labelled (a device, an
// app; may be empty).
func (r *Reader) AddToken(ctx context.Context, name, label string) (NewToken, error) {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > MaxTokenLabel {
		return NewToken{}, invalidf("the label is longer than %d characters", MaxTokenLabel)
	}
	if strings.IndexFunc(label, unicode.IsControl) >= 0 {
		return NewToken{}, invalidf("the label has a control character in it")
	}
	u, err := r.User(ctx, name)
	if err != nil {
		return NewToken{}, err
	}
	// 160 random bits, as hex: long enough never to be guessed, short
	// enough to type into a phone app.
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return NewToken{}, fmt.Errorf("make a token: %w", err)
	}
	secret := hex.EncodeToString(b[:])
	t, err := r.st.AddToken(ctx, store.Token{
		UserID:    u.ID,
		Label:     label,
		Hash:      TokenHash(secret),
		FeverKey:  FeverKey(u.Name, secret),
		CreatedAt: r.now(),
	})
	if err != nil {
		return NewToken{}, fmt.Errorf("add a token for %s: %w", name, err)
	}
	return NewToken{Token: t, Secret: secret}, nil
}

// Tokens returns the user's tokens, oldest first, without their secrets.
func (r *Reader) Tokens(ctx context.Context, name string) ([]store.Token, error) {
	u, err := r.User(ctx, name)
	if err != nil {
		return nil, err
	}
	ts, err := r.st.Tokens(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list the tokens of %s: %w", name, err)
	}
	return ts, nil
}

// RevokeToken deletes one of the user's tokens: it no longer logs in.
func (r *Reader) RevokeToken(ctx context.Context, name string, id int64) error {
	u, err := r.User(ctx, name)
	if err != nil {
		return err
	}
	err = r.st.RevokeToken(ctx, u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &NoTokenError{User: name, ID: id}
	}
	if err != nil {
		return fmt.Errorf("revoke token %d of %s: %w", id, name, err)
	}
	return nil
}

// dummyHash is compared against when the user is unknown or has no
// password, so that a failed login takes as long whatever the reason.
// It is made on first use: bcrypt's cost at every start of the command
// line would be noticed.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("tidings dummy password"), bcrypt.DefaultCost)
	return h
})

// AuthenticatePassword returns the user whose name and password these
// are, or ErrBadLogin.
func (r *Reader) AuthenticatePassword(ctx context.Context, name, password string) (store.User, error) {
	u, err := r.st.User(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("look up user %s: %w", name, err)
	}
	if err != nil || u.PasswordHash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return store.User{}, ErrBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return store.User{}, ErrBadLogin
	}
	return u, nil
}

// AuthenticateToken returns the user and token of an app password, and
// records its use; ErrBadLogin if it is none (or was revoked).
func (r *Reader) AuthenticateToken(ctx context.Context, secret string) (store.User, store.Token, error) {
	u, t, err := r.st.TokenUser(ctx, TokenHash(secret), r.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Token{}, ErrBadLogin
	}
	if err != nil {
		return store.User{}, store.Token{}, fmt.Errorf("look up the token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(TokenHash(secret))) != 1 {
		return store.User{}, store.Token{}, ErrBadLogin
	}
	return u, t, nil
}

// AuthenticateFever returns the user and token of a Fever API key, and
// records its use; ErrBadLogin if it is none.
func (r *Reader) AuthenticateFever(ctx context.Context, apiKey string) (store.User, store.Token, error) {
	u, t, err := r.st.FeverUser(ctx, strings.ToLower(strings.TrimSpace(apiKey)), r.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Token{}, ErrBadLogin
	}
	if err != nil {
		return store.User{}, store.Token{}, fmt.Errorf("look up the API key: %w", err)
	}
	return u, t, nil
}
