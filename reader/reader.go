// Package reader holds what a person does with tidings, for an acting
// user: subscribe, unsubscribe and edit feeds, list and search items, mark
// them, import and export OPML, refresh feeds now, and manage accounts and
// their app passwords.
//
// Every front end calls this package and nothing lower for the same job:
// the command line today, the web page and the reader-app APIs next. Each
// domain rule has its home here or below (the canonical feed URL and the
// schedule forms in config, tags in store.CleanTags, scheduling in fetch),
// and errors are plain sentences about the user's data, without the
// wording of any one front end: a front end adds what to type or click.
package reader

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/store"
)

// Options configure a Reader. Store is required.
type Options struct {
	Store store.Store
	// Fetcher probes feeds for Subscribe and fetches them for Refresh;
	// nil means no network: Subscribe needs NoFetch, and Refresh fails.
	Fetcher *fetch.Fetcher
	// DefaultSchedule is the schedule of subscriptions without their own
	// (the config's); empty means fetch.DefaultSchedule.
	DefaultSchedule string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the use cases log; nil discards it.
	Logger *slog.Logger
	// PasswordCost is the bcrypt cost of new password hashes; 0 means
	// bcrypt.DefaultCost. Tests lower it.
	PasswordCost int
	// Lease is how long Refresh holds its claims; 0 means 2 minutes.
	Lease time.Duration
	// SessionLifetime is how long a web session lasts after its last use;
	// 0 means DefaultSessionLifetime.
	SessionLifetime time.Duration
}

// Reader runs the use cases against one store. It is safe for concurrent
// use.
type Reader struct {
	st       store.Store
	fetcher  *fetch.Fetcher
	planner  *fetch.Planner
	defSched string
	now      func() time.Time
	log      *slog.Logger
	cost     int
	lease    time.Duration
	sessLife time.Duration
}

// New returns a Reader with o's settings, defaults filled in. It panics
// without a Store: that is a programming error.
func New(o Options) *Reader {
	if o.Store == nil {
		panic("reader: Options.Store is required")
	}
	r := &Reader{st: o.Store, fetcher: o.Fetcher, defSched: o.DefaultSchedule, now: o.Now, log: o.Logger,
		cost: o.PasswordCost, lease: o.Lease, sessLife: o.SessionLifetime}
	if r.defSched == "" {
		r.defSched = fetch.DefaultSchedule
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.cost == 0 {
		r.cost = bcrypt.DefaultCost
	}
	if r.lease <= 0 {
		r.lease = 2 * time.Minute
	}
	if r.sessLife <= 0 {
		r.sessLife = DefaultSessionLifetime
	}
	r.planner = &fetch.Planner{Default: r.defSched}
	return r
}

// Store returns the store the Reader works on.
func (r *Reader) Store() store.Store { return r.st }

// ErrInvalid is what every error about input that breaks a rule matches
// (errors.Is): a URL, tag, schedule, user name, password or label. The
// error's text says what is wanted.
var ErrInvalid = errors.New("invalid input")

// InvalidError is input that breaks a rule; its text says which rule.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// NotSubscribedError means the user has no subscription with that URL.
// errors.Is(err, store.ErrNotFound) is true for it.
type NotSubscribedError struct{ URL string }

func (e *NotSubscribedError) Error() string { return "not subscribed to " + e.URL }

// Is reports whether target is store.ErrNotFound.
func (e *NotSubscribedError) Is(target error) bool { return target == store.ErrNotFound }

// SubscribedError means the user subscribes to that URL already.
// errors.Is(err, store.ErrExists) is true for it.
type SubscribedError struct{ URL string }

func (e *SubscribedError) Error() string { return "already subscribed to " + e.URL }

// Is reports whether target is store.ErrExists.
func (e *SubscribedError) Is(target error) bool { return target == store.ErrExists }

// NoItemError names the item IDs that are not the user's items.
// errors.Is(err, store.ErrNotFound) is true for it.
type NoItemError struct{ IDs []int64 }

func (e *NoItemError) Error() string { return "no item with ID " + joinIDs(e.IDs) }

// Is reports whether target is store.ErrNotFound.
func (e *NoItemError) Is(target error) bool { return target == store.ErrNotFound }

// UnknownTagError means none of the user's subscriptions has the tag.
// errors.Is(err, store.ErrNotFound) is true for it.
type UnknownTagError struct {
	Tag string
	// Tags are the user's tags, by name.
	Tags []string
}

func (e *UnknownTagError) Error() string {
	if len(e.Tags) == 0 {
		return fmt.Sprintf("no feed is tagged %q; there are no tags yet", e.Tag)
	}
	return fmt.Sprintf("no feed is tagged %q; the tags are: %s", e.Tag, strings.Join(e.Tags, ", "))
}

// Is reports whether target is store.ErrNotFound.
func (e *UnknownTagError) Is(target error) bool { return target == store.ErrNotFound }

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
