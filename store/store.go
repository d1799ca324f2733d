// Package store holds tidings' domain types (feeds, items, queries) and the
// Store interface that every storage backend implements.
//
// The store is the list of subscriptions and the archive of every item seen.
// Backends live in subpackages (store/sqlite, store/postgres) and all pass the
// conformance suite in store/storetest.
package store

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Sentinel errors. Backends wrap them; callers check with errors.Is.
var (
	// ErrNotFound means the feed or item asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means a feed with that URL is already subscribed.
	ErrExists = errors.New("already subscribed")
	// ErrDeclared means the feed is declared in the config file and can only
	// be changed there. The error returned wraps a *DeclaredError.
	ErrDeclared = errors.New("declared in the config file")
	// ErrNotTidings means the database exists but was not made by tidings.
	ErrNotTidings = errors.New("not a tidings database")
	// ErrSchemaTooNew means the database was migrated by a newer tidings.
	ErrSchemaTooNew = errors.New("database schema is newer than this tidings")
	// ErrDiskFull means a write failed because the database's disk is full
	// (SQLite: or the file reached its size limit). Nothing of that write's
	// transaction was saved; what was saved before is intact. Every write
	// fails the same way until space is freed.
	ErrDiskFull = errors.New("the database's disk is full")
	// ErrCorrupt means the database reported damaged pages, or failed an
	// integrity check. A backend that returns it writes nothing more to
	// the database until it is reopened; the error says what to do.
	ErrCorrupt = errors.New("the database is damaged")
)

// DeclaredError tells which config file and line declares a feed that the
// caller tried to change. errors.Is(err, ErrDeclared) is true for it.
// EditFeed and RemoveFeed return it unwrapped, so its text is the whole
// message.
type DeclaredError struct {
	URL  string // the feed's URL
	File string // the config file that declares it, as given to SyncDeclared
	Line int    // the line of its [[feed]] block in File
}

// Error says which feed is declared where and that it is changed there:
// "feed URL is declared in FILE at line N; edit or remove it there". It
// names the feed already, so callers print it without a prefix.
func (e *DeclaredError) Error() string {
	return "feed " + e.URL + " is declared in " + e.File + " at line " + strconv.Itoa(e.Line) +
		"; edit or remove it there"
}

// Is reports whether target is ErrDeclared.
func (e *DeclaredError) Is(target error) bool { return target == ErrDeclared }

// Origin says where a subscription came from.
type Origin string

// The origins of a subscription.
const (
	// OriginUser is a feed added by `tidings add`, an OPML import, the web
	// page or a reader app. Config sync never touches it.
	OriginUser Origin = "user"
	// OriginConfig is a feed declared in a [[feed]] block of the config file.
	// Only config sync adds, changes or removes it.
	OriginConfig Origin = "config"
)

// Identity is the rule that gives an item its key within its feed
// (DESIGN.md, Identity of an item). A feed only ever moves down the list.
type Identity int

// The identity rules, in the order a feed falls back through them.
const (
	// IdentityGUID keys items by their GUID (RSS guid, Atom id, JSON Feed id).
	IdentityGUID Identity = iota
	// IdentityLink keys items by their link.
	IdentityLink
	// IdentityHash keys items by a hash of title, published date and content.
	IdentityHash
)

// String returns the rule's name.
func (i Identity) String() string {
	switch i {
	case IdentityGUID:
		return "guid"
	case IdentityLink:
		return "link"
	case IdentityHash:
		return "hash"
	}
	return "unknown"
}

// Feed is one subscription together with its fetch state.
type Feed struct {
	ID int64
	// URL is the subscription's identity: what the user subscribed to or the
	// config declares.
	URL string
	// FetchURL, when not empty, is where the feed is fetched from instead of
	// URL: set when a config-declared feed was permanently moved.
	FetchURL string
	// Title is the feed's own title, from its last successful fetch, unless
	// UserTitle overrides it.
	Title string
	// UserTitle is a title the user chose; it wins over the feed's own.
	UserTitle string
	SiteURL   string
	IconURL   string
	// Tags are lowercase (tags are case-insensitive), in the order given,
	// without blanks or repeats; the store normalises them on the way in.
	Tags []string
	// Schedule is a cron spec; empty means the global default.
	Schedule string

	// Origin says who controls the feed: OriginUser (the user's commands,
	// the web page, imports) or OriginConfig (config sync alone). AddFeed
	// stores OriginUser when it is empty; ImportFeeds always stores
	// OriginUser; SyncDeclared sets OriginConfig.
	Origin Origin
	// ConfigFile and ConfigLine locate the [[feed]] block of a config feed;
	// both are empty for a user feed.
	ConfigFile string
	ConfigLine int

	// State is the fetcher's knowledge of the feed. AddFeed and ImportFeeds
	// store it as given (the zero State is a feed never fetched, due at
	// once); EditFeed and SyncDeclared leave it alone; only SaveFetch
	// changes it afterwards.
	State FeedState

	// Counts, filled by Feeds and Feed.
	Items  int
	Unread int

	CreatedAt time.Time
}

// Name returns the title to show: the user's, the feed's own, or its URL.
func (f Feed) Name() string {
	switch {
	case f.UserTitle != "":
		return f.UserTitle
	case f.Title != "":
		return f.Title
	}
	return f.URL
}

// Target returns the URL to fetch the feed from.
func (f Feed) Target() string {
	if f.FetchURL != "" {
		return f.FetchURL
	}
	return f.URL
}

// Wait reasons: why a feed is waiting until NextDue.
const (
	WaitSchedule   = "schedule"    // its cron schedule
	WaitServer     = "server"      // Cache-Control, Expires, ttl or sy:updatePeriod
	WaitRetryAfter = "retry-after" // a 429/503 Retry-After
	WaitBackoff    = "backoff"     // consecutive failures
	WaitGone       = "gone"        // 410 Gone: not fetched again until named
	WaitNew        = "new"         // never fetched yet
)

// FeedState is what the fetcher knows and decides about a feed. SaveFetch
// replaces it whole.
type FeedState struct {
	// HTTP validators for conditional GET.
	ETag         string
	LastModified string

	// LastFetch is when the feed was last fetched (any outcome); zero if never.
	LastFetch time.Time
	// LastSuccess is when it last answered 200 or 304; zero if never.
	LastSuccess time.Time
	// LastError is a user-readable message for the last failure; empty after
	// a success.
	LastError string
	// ErrorCount counts consecutive failures.
	ErrorCount int

	// NextDue is the earliest time the scheduler fetches it again.
	NextDue time.Time
	// NotBefore is set from Retry-After: not even `fetch --all` fetches the
	// feed before it.
	NotBefore time.Time
	// WaitReason says why the feed waits until NextDue (Wait* constants).
	WaitReason string
	// Gone is set after a 410: the feed is not fetched again until named.
	Gone bool

	// RedirectURL and RedirectCount track a permanent redirect seen on
	// consecutive fetches; after enough of them the feed moves.
	RedirectURL   string
	RedirectCount int

	// Identity is the feed's current item identity rule.
	Identity Identity

	// BodyHash identifies the last 200 answer that was parsed and saved
	// (a digest of its body with what else shapes the items: the final URL,
	// the Content-Type and the tidings version); empty if none. A later 200
	// with the same digest is not parsed again: its items are the ones
	// saved then.
	BodyHash string
	// FeedDelay is the feed's own polling hint (RSS ttl, sy:updatePeriod)
	// found in that body, zero if none; fetches that do not parse the feed
	// (304, or the same body again) plan with it.
	FeedDelay time.Duration
}

// Enclosure is a media file attached to an item.
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// Item is one entry of a feed.
type Item struct {
	ID     int64
	FeedID int64

	GUID   string
	URL    string
	Title  string
	Author string
	// Content is sanitised HTML.
	Content    string
	Categories []string
	Enclosures []Enclosure

	// Published is when the item was published; on save, zero means "not
	// given" and the store uses the time it was first seen.
	Published time.Time
	// Updated is when the item last changed; zero if never given.
	Updated time.Time
	// FirstSeen is when this store first stored the item.
	FirstSeen time.Time

	Read    bool
	Starred bool

	// Filled by queries, from the item's feed.
	FeedURL   string
	FeedTitle string
	Tags      []string
}

// FetchResult is everything one fetch of one feed produced, saved together.
type FetchResult struct {
	// Now is the time of the fetch; new items without a published date get it.
	Now time.Time
	// State replaces the feed's state.
	State FeedState
	// Title, SiteURL and IconURL replace the feed's own when not empty.
	Title   string
	SiteURL string
	IconURL string
	// MoveTo, when not empty, moves the feed and ends its RedirectURL and
	// RedirectCount: a user feed takes it as its URL, a config feed fetches
	// from it (FetchURL) and keeps its declared URL. A user feed whose
	// MoveTo another feed has stays put (see MoveConflict).
	MoveTo string
	// Items are the feed's items as fetched, in feed order. Keys are assigned
	// by the store per the feed's identity rule (see ChooseIdentity).
	Items []Item
}

// FeedStats counts feeds by scheduling state, for metrics and health
// checks, without listing them.
type FeedStats struct {
	// Feeds counts every feed, gone ones included.
	Feeds int
	// Due counts feeds that are not gone and may be fetched now: NextDue
	// (CreatedAt for a feed never scheduled) and NotBefore passed. Feeds
	// being fetched (leased) are included.
	Due int
	// Overdue counts the due feeds whose NextDue passed more than the
	// overdue cutoff ago: waiting for a free worker.
	Overdue int
	// Gone counts feeds stopped by a 410 Gone.
	Gone int
	// Failing counts feeds that are not gone and whose last fetch failed
	// (ErrorCount > 0).
	Failing int
}

// MoveConflict is FeedState.LastError for a user feed that moved
// permanently to newURL, which another feed has. SaveFetch then leaves the
// feed at its URL, keeps RedirectURL on newURL and writes this message on
// every save that asks for the move again (the fetcher asks on every fetch
// while the redirect lasts), so it stays until the redirect stops or one of
// the two feeds is removed.
func MoveConflict(newURL string) string {
	return "the feed moved permanently to " + newURL + ", which is subscribed already; remove one of the two"
}

// FeedFetch is one fetch of one feed in a SaveFetches batch.
type FeedFetch struct {
	FeedID int64
	Result FetchResult
}

// SaveResult counts what a SaveFetch changed.
type SaveResult struct {
	New     int
	Updated int
	// Identity is the identity rule the feed uses after this save.
	Identity Identity
}

// FeedEdit is a change to a user feed. Nil fields are left alone.
type FeedEdit struct {
	// Title, when not nil, becomes the feed's UserTitle (trimmed); a
	// pointer to "" clears it, so the feed's own title shows again.
	Title *string
	// Schedule, when not nil, becomes the feed's cron spec (trimmed); a
	// pointer to "" clears it, so the global default schedule applies.
	Schedule *string
	// AddTags are added after the feed's tags, and RemoveTags removed; both
	// are compared case-insensitively, and a tag in both is removed.
	AddTags    []string
	RemoveTags []string
}

// SyncResult lists what SyncDeclared changed, by URL.
type SyncResult struct {
	Added   []string
	Updated []string
	Removed []string
	// RemovedItems is how many items each removed feed had, by URL, its
	// starred ones (which stay) included.
	RemovedItems map[string]int
	// Conflicts are declared URLs already subscribed by a user: the config
	// takes them over (origin becomes config), keeping their items, and the
	// store remembers the user's own title, schedule and tags.
	Conflicts []string
	// Released are taken-over user feeds no longer declared: they are user
	// feeds again, with the user's own title, schedule and tags back and
	// their items intact. They are never removed.
	Released []string
}

// ImportResult lists what ImportFeeds did, by URL.
type ImportResult struct {
	Added   []string
	Skipped []string // already subscribed, or repeated in the input
}

// ClaimRequest says which feeds to claim for fetching.
type ClaimRequest struct {
	Now time.Time
	// Lease is how long the claim holds; a feed whose lease ran out can be
	// claimed again (the claimant died).
	Lease time.Duration
	// Limit caps the number of feeds claimed; 0 means no limit.
	Limit int
	// URLs, when not empty, claims exactly these feeds (matching URL or
	// FetchURL), even gone or not yet due ones, but never before NotBefore.
	URLs []string
	// All claims every feed that is not gone, due or not, but never before
	// NotBefore.
	All bool
}

// Query selects items. The zero Query selects every item, newest first.
type Query struct {
	// FeedURL, when not empty, keeps the items of the subscribed feed
	// whose URL or FetchURL it is (none if there is no such feed). Kept
	// starred items of a removed feed belong to no feed and never match.
	FeedURL string
	// FeedID, when not 0, keeps the items of the feed with that ID. With
	// FeedURL too, both must match.
	FeedID int64
	// Tag, when not empty, keeps the items of feeds with that tag,
	// compared case-insensitively.
	Tag     string
	Unread  bool // only unread items
	Starred bool // only starred items
	// Since keeps items published at or after it.
	Since time.Time
	// Search is a full-text query over title and content; results are
	// ordered by relevance instead of date.
	Search string
	// Limit caps the page size; 0 means no limit.
	Limit int
	// Cursor continues after the last page; empty starts at the beginning.
	Cursor string
}

// Store is a tidings backend. Every method is safe for concurrent use, and
// several processes may use one database at once. Times are stored in UTC
// with at least millisecond precision.
type Store interface {
	// AddFeed subscribes to f (origin user unless set). It returns the stored
	// feed, or ErrExists if a feed with that URL exists. Starred items kept
	// from an earlier subscription to the same URL (see RemoveFeed) become
	// the new feed's items again; so do they for ImportFeeds and
	// SyncDeclared.
	AddFeed(ctx context.Context, f Feed) (Feed, error)
	// EditFeed changes a user feed. It returns ErrNotFound, or an
	// unwrapped *DeclaredError for a config feed.
	EditFeed(ctx context.Context, url string, e FeedEdit) (Feed, error)
	// RemoveFeed unsubscribes: the feed and its items go, except starred
	// items, which stay readable without their feed. ErrNotFound, or an
	// unwrapped *DeclaredError for a config feed.
	RemoveFeed(ctx context.Context, url string) error
	// Feed returns one feed by URL (or FetchURL), with counts.
	Feed(ctx context.Context, url string) (Feed, error)
	// Feeds returns every feed, with counts, ordered by URL.
	Feeds(ctx context.Context) ([]Feed, error)
	// FeedList is Feeds without the counts (Items and Unread are zero),
	// for callers that need the feeds and not a pass over every item.
	FeedList(ctx context.Context) ([]Feed, error)
	// ConfigFiles returns the config files that declared the stored config
	// feeds, each with how many it declared, without listing the feeds or
	// counting their items: every command with a config file asks, before
	// SyncDeclared.
	ConfigFiles(ctx context.Context) (map[string]int, error)
	// SyncDeclared makes the config feeds of the files in owned equal
	// declared: it adds declared feeds, updates (title, tags, schedule,
	// file, line) the ones that changed, and takes over a user feed whose
	// URL is declared (listed in Conflicts). Owned lists the config files
	// this sync speaks for: a config feed that is no longer declared is
	// removed (listed in Removed), or given back to the user if it was a
	// taken-over user feed (listed in Released), only when its ConfigFile is
	// in owned. Config feeds of other files are left alone, and an empty
	// owned removes nothing, so a run with a different or no config file
	// never deletes what another file declared.
	SyncDeclared(ctx context.Context, owned []string, declared []Feed) (SyncResult, error)
	// ImportFeeds adds user feeds in one transaction: all or nothing.
	// Feeds already subscribed are skipped and listed.
	ImportFeeds(ctx context.Context, feeds []Feed) (ImportResult, error)

	// ClaimFeeds leases feeds for fetching so no other caller gets them
	// until SaveFetch or the lease's end. Without URLs or All it claims due
	// feeds: NextDue and NotBefore passed, not gone, not leased.
	ClaimFeeds(ctx context.Context, r ClaimRequest) ([]Feed, error)
	// SaveFetch writes one fetch of a feed in one transaction: its state,
	// metadata and items, and releases the claim. A failure leaves nothing.
	SaveFetch(ctx context.Context, feedID int64, r FetchResult) (SaveResult, error)
	// SaveFetches saves many fetches in one transaction, each exactly as
	// SaveFetch would and each still all or nothing on its own: a fetch
	// that fails leaves nothing of itself and gets its error at its index
	// in errs (results[i] is then zero), while the others are saved. A
	// non-nil err is about the transaction as a whole (it could not begin
	// or commit, or ctx ended): then nothing of the batch was saved and
	// results and errs are nil. Fetches are saved in batch order, so two
	// fetches of one feed end as the later one says.
	SaveFetches(ctx context.Context, batch []FeedFetch) (results []SaveResult, errs []error, err error)
	// Release ends the claims on these feeds without saving anything, for a
	// caller that stops before fetching them.
	Release(ctx context.Context, feedIDs []int64) error
	// NextDue returns the earliest NextDue of the feeds that are not gone
	// and not leased at the current time (a feed claimed and not yet saved
	// or released is left out until its lease ends), or the zero time when
	// there are none. A feed never scheduled counts from its CreatedAt. A
	// scheduler sleeps until this time: leased feeds are already being
	// fetched, and counting their past due times would make it believe
	// work is waiting.
	NextDue(ctx context.Context) (time.Time, error)
	// FeedStats counts the feeds by state at now with count queries, never
	// listing them: a due feed counts as overdue when its due time is more
	// than overdueAfter before now.
	FeedStats(ctx context.Context, now time.Time, overdueAfter time.Duration) (FeedStats, error)

	// Items returns a page of items and the cursor of the next page ("" at
	// the end).
	Items(ctx context.Context, q Query) ([]Item, string, error)
	// Item returns one item by ID.
	Item(ctx context.Context, id int64) (Item, error)
	// SetRead marks items read or unread; it returns how many exist.
	SetRead(ctx context.Context, ids []int64, read bool) (int, error)
	// SetStarred stars or unstars items; it returns how many exist.
	SetStarred(ctx context.Context, ids []int64, starred bool) (int, error)
	// MarkAllRead marks every item matching q (Limit and Cursor ignored)
	// read, and returns how many changed.
	MarkAllRead(ctx context.Context, q Query) (int, error)

	// Prune deletes read, unstarred items published before cutoff, leaving
	// a tombstone for each so they never come back as new. With dryRun it
	// only counts.
	Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error)
	// Optimize does the backend's housekeeping (statistics, FTS merge).
	Optimize(ctx context.Context) error
	// Close releases the database.
	Close() error
}
