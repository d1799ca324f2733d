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
	// ErrExists means the user already subscribes to a feed with that URL.
	ErrExists = errors.New("already subscribed")
	// ErrUserExists means a user with that name exists already.
	ErrUserExists = errors.New("a user with that name exists")
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
	// ErrQueryTimeout means a query of a user's items, counts or
	// subscriptions ran longer than the store's query timeout and was
	// stopped; nothing was changed.
	ErrQueryTimeout = errors.New("the query took too long and was stopped")
	// ErrCorrupt means the database reported damaged pages, or failed an
	// integrity check. A backend that returns it writes nothing more to
	// the database until it is reopened; the error says what to do.
	ErrCorrupt = errors.New("the database is damaged")
)

// DefaultQueryTimeout is how long a listing, count or search may run
// before the store stops it, unless set otherwise (config
// store.query_timeout).
const DefaultQueryTimeout = 5 * time.Second

// QueryTimeouter is a store whose query timeout can be set; both backends
// are.
type QueryTimeouter interface {
	// SetQueryTimeout sets how long a listing, count or search may run
	// (DefaultQueryTimeout until set); zero or less means no limit.
	SetQueryTimeout(d time.Duration)
}

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

// Feed is a source: its URL, fetch state and items, fetched once however
// many users subscribe to it. What belongs to one user (their title, tags,
// schedule, origin) is in Subscription.
type Feed struct {
	ID int64
	// URL is the feed's identity: what its first subscriber subscribed to
	// or a config declares.
	URL string
	// FetchURL, when not empty, is where the feed is fetched from instead of
	// URL: set when a feed that a config declares was permanently moved.
	FetchURL string
	// MovedFrom is the URL the feed had before a permanent redirect moved
	// it (empty if it never moved); lookups by URL find it by this one too.
	MovedFrom string
	// Title is the feed's own title, from its last successful fetch.
	Title   string
	SiteURL string
	IconURL string
	// Schedules are the distinct cron specs its subscribers ask for, ""
	// meaning the global default, sorted; filled by ClaimFeeds and
	// FeedList. The feed is fetched as often as the most frequent of them
	// asks (the earliest next time of all).
	Schedules []string

	// ArticleError says which whole articles of the new items of the
	// feed's last fetch could not be had, empty when all were
	// (SetArticleError writes it; SaveFetch leaves it alone).
	ArticleError string

	// State is the fetcher's knowledge of the feed. Subscribe and
	// ImportFeeds store it as given for a feed new to the store (the zero
	// State is a feed never fetched, due at once); only SaveFetch and
	// Reschedule change it afterwards.
	State FeedState

	CreatedAt time.Time
}

// Subscription is one user's hold on a feed: the feed (embedded, so
// s.ID and s.URL are the feed's) with that user's title, tags, schedule
// and origin, and, where the method says so, that user's counts.
type Subscription struct {
	Feed
	UserID int64
	// UserTitle is a title the user chose; it wins over the feed's own.
	UserTitle string
	// Tags are lowercase (tags are case-insensitive), in the order given,
	// without blanks or repeats; the store normalises them on the way in.
	Tags []string
	// Schedule is the user's cron spec; empty means the global default.
	Schedule string
	// FullContent asks for the whole article of each new item (see
	// ContentStore); the feed's articles are fetched when any subscriber
	// asks.
	FullContent bool

	// Origin says who controls the subscription: OriginUser (the user's
	// commands, the web page, imports, apps) or OriginConfig (config sync
	// alone). Subscribe stores OriginUser when it is empty; ImportFeeds
	// always stores OriginUser; SyncDeclared sets OriginConfig.
	Origin Origin
	// ConfigFile and ConfigLine locate the [[feed]] block of a config
	// subscription; both are empty for a user one.
	ConfigFile string
	ConfigLine int

	// Counts, filled by Subscription and Subscriptions with counts: the
	// feed's stored items, and those of them this user has not read.
	Items  int
	Unread int

	// SubscribedAt is when the user subscribed.
	SubscribedAt time.Time
}

// Name returns the title to show: the feed's own, or its URL.
func (f Feed) Name() string {
	if f.Title != "" {
		return f.Title
	}
	return f.URL
}

// Name returns the title to show: the user's, the feed's own, or its URL.
func (s Subscription) Name() string {
	if s.UserTitle != "" {
		return s.UserTitle
	}
	return s.Feed.Name()
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
	// UnreadableDates counts the items of the last parsed body whose date
	// could not be read: they are dated when first seen.
	UnreadableDates int
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
	// RedirectCount: a feed that some config declares fetches from it
	// (FetchURL) and keeps its declared URL; any other takes it as its
	// URL. A feed whose MoveTo another feed has stays put (see
	// MoveConflict).
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

// FeedEdit is a change to a user's subscription. Nil fields are left
// alone.
type FeedEdit struct {
	// Title, when not nil, becomes the subscription's UserTitle (trimmed);
	// a pointer to "" clears it, so the feed's own title shows again.
	Title *string
	// Schedule, when not nil, becomes the subscription's cron spec
	// (trimmed); a pointer to "" clears it, so the global default applies.
	// The caller reschedules the feed (Reschedule): the store does not
	// read cron specs.
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
	// URLs, when not empty, claims exactly these feeds (matching URL,
	// FetchURL or MovedFrom), even gone or not yet due ones, but never
	// before NotBefore.
	URLs []string
	// IDs, when not empty, claims exactly these feeds by ID, as URLs does.
	IDs []int64
	// All claims every feed that is not gone, due or not, but never before
	// NotBefore; with UserID, only the feeds that user subscribes to.
	All    bool
	UserID int64
}

// Query selects the items one user may read: those of the feeds they
// subscribe to, and those they starred (kept after they unsubscribed).
// The zero Query selects every such item, newest first.
type Query struct {
	// FeedURL, when not empty, keeps the items of the user's subscription
	// whose URL or FetchURL it is (none if there is no such one). Kept
	// starred items of a feed that is gone belong to no feed and never
	// match.
	FeedURL string
	// FeedID, when not 0, keeps the items of the feed with that ID. With
	// FeedURL too, both must match.
	FeedID int64
	// Tag, when not empty, keeps the items of the user's subscriptions
	// with that tag, compared case-insensitively.
	Tag     string
	Unread  bool // only items the user has not read
	Read    bool // only items the user has read
	Starred bool // only items the user starred
	// Since keeps items published at or after it; Until those published
	// before it.
	Since time.Time
	Until time.Time
	// AfterID keeps items with a greater ID, BeforeID items with a smaller
	// one (IDs grow as items are stored, so BeforeID is "stored before").
	AfterID  int64
	BeforeID int64
	// IDs, when not nil, keeps only the items with these IDs (an empty,
	// non-nil list keeps none).
	IDs []int64
	// Search is a full-text query over title and content; results are
	// ordered by relevance instead of date.
	Search string
	// Oldest orders by date oldest first instead of newest first.
	Oldest bool
	// ByID orders by ID instead of date (the order items were stored in),
	// descending unless Oldest.
	ByID bool
	// Limit caps the page size; 0 means no limit.
	Limit int
	// Cursor continues after the last page; empty starts at the beginning.
	Cursor string
}

// User is a person with an account.
type User struct {
	ID   int64
	Name string
	// PasswordHash is the slow hash of the web password (empty: none set);
	// the store keeps it and never reads it.
	PasswordHash string
	CreatedAt    time.Time
	// Subscriptions counts the user's subscriptions; filled by Users.
	Subscriptions int
}

// Token is an app password of a user, for reader apps and scripts. The
// store keeps only its hashes: the token itself is shown once, at its
// creation, by the caller.
type Token struct {
	ID     int64
	UserID int64
	Label  string
	// Hash is the token's digest, looked up by TokenUser.
	Hash string
	// FeverKey is the Fever API key of the token (the MD5 of
	// "user:token"), looked up by FeverUser; empty if none.
	FeverKey  string
	CreatedAt time.Time
	// LastUsed is when TokenUser or FeverUser last found it; zero if never.
	LastUsed time.Time
}

// Session is a signed-in browser of a user. The cookie carries a random
// secret; the store keeps only Hash, its digest, so a copy of the
// database signs nobody in.
type Session struct {
	ID     int64
	UserID int64
	// Hash is the hex SHA-256 of the cookie's secret, looked up by
	// SessionByHash; never the secret itself.
	Hash      string
	CreatedAt time.Time
	// LastSeen is when the session was last used (its owner's clock
	// writes it, at most once a minute); ExpiresAt is when it ends unless
	// used again before (each use slides it).
	LastSeen  time.Time
	ExpiresAt time.Time
	// UserAgent and Address describe the browser that signed in, for the
	// list of one's sessions.
	UserAgent string
	Address   string
}

// The themes of Prefs.Theme.
const (
	ThemeAuto  = "auto" // follow the browser's prefers-color-scheme
	ThemeLight = "light"
	ThemeDark  = "dark"
)

// Prefs are a user's settings of the reading page.
type Prefs struct {
	// Theme is ThemeAuto, ThemeLight or ThemeDark.
	Theme string
	// Oldest lists items oldest first instead of newest first.
	Oldest bool
	// MarkOnOpen marks an item read when it is opened.
	MarkOnOpen bool
}

// DefaultPrefs are the Prefs of a user who never set any.
func DefaultPrefs() Prefs { return Prefs{Theme: ThemeAuto, MarkOnOpen: true} }

// Tag is one of a user's tags, with a stable ID for APIs. Unread counts
// the unread items of the tag's subscriptions.
type Tag struct {
	ID     int64
	Name   string
	Feeds  int
	Unread int
}

// Counts are a user's unread counts, by feed ID and by tag ID.
type Counts struct {
	Feeds map[int64]int
	Tags  map[int64]int
	// Total counts the unread items of all the user's subscriptions.
	Total int
}

// Store is a tidings backend. Every method is safe for concurrent use, and
// several processes may use one database at once. Times are stored in UTC
// with at least millisecond precision.
//
// Methods that take a userID act for that user and see only what is
// theirs: their subscriptions, their read and starred state, their tags
// and tokens. A userID that names no user gives ErrNotFound.
type Store interface {
	// AppStore: the reader apps' bounded queries.
	AppStore
	// CreateUser adds a user (ErrUserExists if the name is taken). The
	// name is stored as given; the caller validates it.
	CreateUser(ctx context.Context, name, passwordHash string) (User, error)
	// User returns a user by name, ErrNotFound if none.
	User(ctx context.Context, name string) (User, error)
	// UserByID returns a user by ID, ErrNotFound if none.
	UserByID(ctx context.Context, id int64) (User, error)
	// Users returns every user, with Subscriptions counted, by name.
	Users(ctx context.Context) ([]User, error)
	// SetPassword replaces a user's password hash.
	SetPassword(ctx context.Context, userID int64, passwordHash string) error
	// RemoveUser deletes a user with their subscriptions, state and tokens,
	// in one transaction; feeds nobody else subscribes to go as
	// Unsubscribe says.
	RemoveUser(ctx context.Context, userID int64) error

	// AddToken stores a new app password (its hashes) for t.UserID.
	AddToken(ctx context.Context, t Token) (Token, error)
	// Tokens returns a user's tokens, oldest first.
	Tokens(ctx context.Context, userID int64) ([]Token, error)
	// RevokeToken deletes one of the user's tokens; ErrNotFound if the
	// user has no token with that ID.
	RevokeToken(ctx context.Context, userID, tokenID int64) error
	// TokenUser returns the user and token whose Hash is hash, and records
	// now as its last use; ErrNotFound if none.
	TokenUser(ctx context.Context, hash string, now time.Time) (User, Token, error)
	// FeverUser is TokenUser by FeverKey.
	FeverUser(ctx context.Context, feverKey string, now time.Time) (User, Token, error)

	// CreateSession stores a new session for s.UserID (ErrNotFound if no
	// such user) with s's Hash, times, user agent and address, and returns
	// it with its ID. ExpiresAt is required; a zero CreatedAt is now and a
	// zero LastSeen is CreatedAt. Hashes are unique: the caller makes them
	// from random secrets.
	CreateSession(ctx context.Context, s Session) (Session, error)
	// SessionByHash returns the session whose Hash is hash; ErrNotFound
	// when there is none or it expired (ExpiresAt not after now). It
	// changes nothing: the caller records uses with TouchSession.
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error)
	// TouchSession records a use of the session: LastSeen and ExpiresAt
	// become the given times. ErrNotFound if there is no such session.
	TouchSession(ctx context.Context, id int64, lastSeen, expiresAt time.Time) error
	// Sessions returns the user's sessions, most recently seen first,
	// expired ones included until DeleteExpiredSessions removes them (the
	// caller, who knows the time, leaves them out).
	Sessions(ctx context.Context, userID int64) ([]Session, error)
	// DeleteSession ends one of the user's sessions; ErrNotFound if the
	// user has no session with that ID (another user's is not theirs).
	DeleteSession(ctx context.Context, userID, id int64) error
	// DeleteSessions ends every session of the user but exceptID (0: all
	// of them), as a changed password does, and returns how many ended.
	DeleteSessions(ctx context.Context, userID, exceptID int64) (int, error)
	// DeleteExpiredSessions deletes every user's sessions whose ExpiresAt
	// is not after now, and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	// Prefs returns the user's settings, DefaultPrefs when they never set
	// any.
	Prefs(ctx context.Context, userID int64) (Prefs, error)
	// SetPrefs replaces the user's settings with p, stored as given (the
	// caller validates them). RemoveUser removes a user's sessions and
	// settings with them.
	SetPrefs(ctx context.Context, userID int64, p Prefs) error

	// Subscribe subscribes the user to s.URL (origin user unless set),
	// adding the feed when no feed has that URL (or FetchURL); the feed's
	// fields and State in s are used only then. It returns the stored
	// subscription, or ErrExists if the user subscribes to it already.
	// Two callers subscribing to one new URL at once end with one feed.
	// Starred items kept from a feed that had this URL become the new
	// feed's items again; so do they for ImportFeeds and SyncDeclared.
	Subscribe(ctx context.Context, userID int64, s Subscription) (Subscription, error)
	// EditSubscription changes a user subscription. It returns
	// ErrNotFound, or an unwrapped *DeclaredError for a config one.
	EditSubscription(ctx context.Context, userID int64, url string, e FeedEdit) (Subscription, error)
	// Unsubscribe ends a user subscription. The user's read state of the
	// feed's items goes; their starred items stay readable by them. When
	// nobody subscribes to the feed any more, the feed and its items go
	// (so it is no longer fetched), except items someone starred, which
	// stay without their feed. ErrNotFound, or an unwrapped
	// *DeclaredError for a config subscription.
	Unsubscribe(ctx context.Context, userID int64, url string) error
	// Subscription returns the user's subscription to the feed whose URL
	// (or FetchURL, or else MovedFrom) is url, with counts.
	Subscription(ctx context.Context, userID int64, url string) (Subscription, error)
	// SubscriptionByID returns the user's subscription to the feed with
	// that ID, with counts.
	SubscriptionByID(ctx context.Context, userID, feedID int64) (Subscription, error)
	// Subscriptions returns the user's subscriptions ordered by URL, with
	// counts when counts is true (Items and Unread are zero otherwise).
	// Every method returning a Subscription fills its Feed.Schedules.
	Subscriptions(ctx context.Context, userID int64, counts bool) ([]Subscription, error)
	// ConfigFiles returns the config files that declared the user's
	// config subscriptions, each with how many it declared, without
	// listing them: every command with a config file asks, before
	// SyncDeclared.
	ConfigFiles(ctx context.Context, userID int64) (map[string]int, error)
	// SyncDeclared makes the user's config subscriptions of the files in
	// owned equal declared: it adds declared ones, updates (title, tags,
	// schedule, file, line) the ones that changed, and takes over a user
	// subscription whose URL is declared (listed in Conflicts). Owned
	// lists the config files this sync speaks for: a config subscription
	// that is no longer declared is ended as Unsubscribe does (listed in
	// Removed), or given back to the user if it was a taken-over one
	// (listed in Released), only when its ConfigFile is in owned. Those of
	// other files are left alone, and an empty owned removes nothing, so a
	// run with a different or no config file never ends what another file
	// declared.
	SyncDeclared(ctx context.Context, userID int64, owned []string, declared []Subscription) (SyncResult, error)
	// ImportFeeds subscribes the user to many feeds in one transaction:
	// all or nothing. Feeds already subscribed are skipped and listed.
	ImportFeeds(ctx context.Context, userID int64, subs []Subscription) (ImportResult, error)
	// Tags returns the user's tags with their feed and unread counts, by
	// name. A tag's ID stays the same while any subscription has it.
	Tags(ctx context.Context, userID int64) ([]Tag, error)
	// UnreadCounts returns the user's unread counts per feed and per tag,
	// in one query.
	UnreadCounts(ctx context.Context, userID int64) (Counts, error)

	// FeedList returns every feed with its Schedules, by URL, without
	// counts: for the daemon and `tidings fetch`, not for a user.
	FeedList(ctx context.Context) ([]Feed, error)
	// Reschedule sets a feed's next fetch time after its schedules
	// changed, unless it waits for a reason that is not its schedule
	// (Retry-After, backoff, gone): then it changes nothing.
	Reschedule(ctx context.Context, feedID int64, next time.Time) error
	// ClaimFeeds leases feeds for fetching so no other caller gets them
	// until SaveFetch or the lease's end. Without URLs, IDs or All it
	// claims due feeds: NextDue and NotBefore passed, not gone, not
	// leased. Claimed feeds have their Schedules.
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

	// Items returns a page of the user's items and the cursor of the next
	// page ("" at the end). Read, Starred, FeedTitle and Tags are the
	// user's.
	Items(ctx context.Context, userID int64, q Query) ([]Item, string, error)
	// ItemIDs returns the IDs of the user's items that q selects, in q's
	// order, at most q.Limit of them (Cursor ignored): for APIs that list
	// ids only.
	ItemIDs(ctx context.Context, userID int64, q Query) ([]int64, error)
	// CountItems counts the user's items that q selects (Limit, Cursor
	// and order ignored).
	CountItems(ctx context.Context, userID int64, q Query) (int, error)
	// Item returns one of the user's items by ID, ErrNotFound if the user
	// may not read it.
	Item(ctx context.Context, userID, id int64) (Item, error)
	// SetRead marks the user's items read or unread; it returns how many
	// of the ids are the user's items.
	SetRead(ctx context.Context, userID int64, ids []int64, read bool) (int, error)
	// SetStarred stars or unstars the user's items; it returns how many of
	// the ids are the user's items.
	SetStarred(ctx context.Context, userID int64, ids []int64, starred bool) (int, error)
	// MarkAllRead marks every item of the user that q selects (Limit,
	// Cursor and order ignored) read, and returns how many changed.
	MarkAllRead(ctx context.Context, userID int64, q Query) (int, error)

	// Prune deletes items published before cutoff that nobody starred and
	// every subscriber of their feed has read (and kept items nobody stars
	// any more), leaving a tombstone for each so they never come back as
	// new. With dryRun it only counts.
	Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error)
	// Optimize does the backend's housekeeping (statistics, FTS merge).
	Optimize(ctx context.Context) error
	// Close releases the database.
	Close() error

	ContentStore
}
