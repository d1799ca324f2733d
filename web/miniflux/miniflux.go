// Package miniflux serves the Miniflux v1 API under /v1/, so that apps and
// clients made for a Miniflux server (newsboat, Miniflux's Go client, and
// the many apps that speak it) read tidings. It is a thin translation onto
// the reader package: every answer is what reader says for the user of the
// app password the request carries.
//
// Miniflux's categories are tidings' tags: a feed's first tag is its
// category, and a feed without tags is in the category "All", whose ID is
// AllCategoryID. Every tag of a feed is kept and returned in the field
// "tags" of a feed, tidings' own.
package miniflux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/reader"
	"tidings/store"
)

// AllCategoryID is the ID of the category "All", which holds the feeds
// without tags. Tag IDs count up from 1 and never reach it; it is the
// largest integer a JavaScript number holds exactly, so web apps read it
// back unchanged.
const AllCategoryID int64 = 1<<53 - 1

// AllCategory is the title of the category of feeds without tags.
const AllCategory = "All"

// Limits of a request.
const (
	// MaxBody caps a JSON request body.
	MaxBody = 1 << 20
	// MaxImport caps an OPML document sent to /v1/import.
	MaxImport = 10 << 20
	// MaxLimit caps the entries of one page.
	MaxLimit = 1000
	// MaxOffset caps how far into a listing a page may start.
	MaxOffset = 100000
	// MaxIDs caps the entry IDs of one PUT /v1/entries.
	MaxIDs = 10000
)

// Version is what /v1/version answers as the server's version.
var Version = "tidings"

// Options configure the handler. Reader is required.
type Options struct {
	Reader *reader.Reader
	// Logger receives the failures of requests; nil discards them.
	Logger *slog.Logger
}

type handler struct {
	r   *reader.Reader
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the Miniflux API handler for r. It serves paths that start
// with /v1/ (mount it at "/v1/" without stripping the prefix). Discovery
// and refreshing fetch with r's fetcher (501 when it has none).
func New(r *reader.Reader, log *slog.Logger) http.Handler {
	return NewWith(Options{Reader: r, Logger: log})
}

// NewWith is New with Options.
func NewWith(o Options) http.Handler {
	if o.Reader == nil {
		panic("miniflux: Options.Reader is required")
	}
	h := &handler{r: o.Reader, log: o.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	routes := []struct {
		pattern string
		fn      func(*call) error
	}{
		{"GET /v1/me", h.me},
		{"GET /v1/version", h.version},
		{"GET /v1/categories", h.categories},
		{"GET /v1/categories/{id}/feeds", h.categoryFeeds},
		{"GET /v1/categories/{id}/entries", h.categoryEntries},
		{"GET /v1/categories/{id}/entries/{entry}", h.categoryEntry},
		{"GET /v1/feeds", h.feeds},
		{"POST /v1/feeds", h.createFeed},
		{"GET /v1/feeds/counters", h.counters},
		{"GET /v1/feeds/{id}", h.feed},
		{"PUT /v1/feeds/{id}", h.updateFeed},
		{"DELETE /v1/feeds/{id}", h.deleteFeed},
		{"PUT /v1/feeds/{id}/refresh", h.refreshFeed},
		{"PUT /v1/feeds/{id}/mark-all-as-read", h.feedMarkAllRead},
		{"GET /v1/feeds/{id}/icon", h.icon},
		{"GET /v1/feeds/{id}/entries", h.feedEntries},
		{"GET /v1/feeds/{id}/entries/{entry}", h.feedEntry},
		{"GET /v1/entries", h.entries},
		{"PUT /v1/entries", h.updateEntries},
		{"GET /v1/entries/{entry}", h.entry},
		{"PUT /v1/entries/{entry}/bookmark", h.toggleStar},
		{"PUT /v1/entries/{entry}/star", h.toggleStar},
		{"POST /v1/discover", h.discover},
		{"GET /v1/export", h.export},
		{"POST /v1/import", h.importOPML},
	}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.authed(rt.fn))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API call: "+r.Method+" "+r.URL.Path)
	})
	return h.mux
}

// call is one authenticated request.
type call struct {
	w    http.ResponseWriter
	req  *http.Request
	ctx  context.Context
	user store.User
}

// apiError is an answer other than 200: a status and a message.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func (h *handler) authed(fn func(*call) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := h.authenticate(r)
		if err != nil {
			if errors.Is(err, reader.ErrBadLogin) {
				w.Header().Set("WWW-Authenticate", `Basic realm="tidings"`)
				writeError(w, http.StatusUnauthorized, "Access Unauthorized")
				return
			}
			h.log.Error("miniflux: authenticate", slog.String("error", err.Error()))
			writeError(w, http.StatusInternalServerError, "could not check the login; try again")
			return
		}
		c := &call{w: w, req: r, ctx: r.Context(), user: u}
		if err := fn(c); err != nil {
			h.fail(c, err)
		}
	})
}

func (h *handler) authenticate(r *http.Request) (store.User, error) {
	if tok := strings.TrimSpace(r.Header.Get("X-Auth-Token")); tok != "" {
		u, _, err := h.r.AuthenticateToken(r.Context(), tok)
		return u, err
	}
	name, pw, ok := r.BasicAuth()
	if !ok || pw == "" {
		return store.User{}, reader.ErrBadLogin
	}
	u, _, err := h.r.AuthenticateToken(r.Context(), pw)
	if err != nil {
		return u, err
	}
	if u.Name != name {
		return store.User{}, reader.ErrBadLogin
	}
	return u, nil
}

// fail answers err: an apiError as it says, reader's errors with the
// status they mean, anything else 500.
func (h *handler) fail(c *call, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	var declared *store.DeclaredError
	var notAdded *reader.NotAddedError
	switch {
	case errors.As(err, &ae):
		writeError(c.w, ae.status, ae.msg)
	case errors.As(err, &mbe):
		writeError(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	case errors.Is(err, reader.ErrInvalid):
		writeError(c.w, http.StatusBadRequest, err.Error())
	case errors.As(err, &declared):
		writeError(c.w, http.StatusForbidden, err.Error())
	case errors.As(err, &notAdded):
		writeError(c.w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrExists):
		writeError(c.w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(c.w, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrQueryTimeout):
		writeError(c.w, http.StatusServiceUnavailable, err.Error())
	case c.ctx.Err() != nil:
		// The client went away: nobody reads the answer.
	default:
		h.log.Error("miniflux: request failed", slog.String("path", c.req.URL.Path),
			slog.String("user", c.user.Name), slog.String("error", err.Error()))
		writeError(c.w, http.StatusInternalServerError, "the server failed: "+err.Error())
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error_message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (c *call) ok(v any) error {
	writeJSON(c.w, http.StatusOK, v)
	return nil
}

func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// body reads at most limit bytes of the request body; a body announced
// larger is refused before it is read.
func (c *call) body(limit int64) ([]byte, error) {
	if c.req.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.req.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, errorf(http.StatusBadRequest, "could not read the request body: %v", err)
	}
	return b, nil
}

// decode reads a JSON object from the body into v; unknown fields are
// allowed (apps send more than tidings uses).
func (c *call) decode(v any) error {
	b, err := c.body(MaxBody)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return errorf(http.StatusBadRequest, "the request body is empty; send a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errorf(http.StatusBadRequest, "the request body is not the JSON object expected: %v", err)
	}
	return nil
}

// pathID reads the path value name as a positive ID.
func (c *call) pathID(name string) (int64, error) {
	s := c.req.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(http.StatusBadRequest, "%q is not an ID: an ID is a whole number above 0", s)
	}
	return id, nil
}

// --- users and the server ---

type userJSON struct {
	ID                     int64      `json:"id"`
	Username               string     `json:"username"`
	IsAdmin                bool       `json:"is_admin"`
	Theme                  string     `json:"theme"`
	Language               string     `json:"language"`
	Timezone               string     `json:"timezone"`
	EntryDirection         string     `json:"entry_sorting_direction"`
	EntryOrder             string     `json:"entry_sorting_order"`
	Stylesheet             string     `json:"stylesheet"`
	CustomJS               string     `json:"custom_js"`
	GoogleID               string     `json:"google_id"`
	OpenIDConnectID        string     `json:"openid_connect_id"`
	EntriesPerPage         int        `json:"entries_per_page"`
	KeyboardShortcuts      bool       `json:"keyboard_shortcuts"`
	ShowReadingTime        bool       `json:"show_reading_time"`
	EntrySwipe             bool       `json:"entry_swipe"`
	GestureNav             string     `json:"gesture_nav"`
	LastLoginAt            *time.Time `json:"last_login_at"`
	DisplayMode            string     `json:"display_mode"`
	DefaultReadingSpeed    int        `json:"default_reading_speed"`
	CJKReadingSpeed        int        `json:"cjk_reading_speed"`
	DefaultHomePage        string     `json:"default_home_page"`
	CategoriesSortingOrder string     `json:"categories_sorting_order"`
	MarkReadOnView         bool       `json:"mark_read_on_view"`
	MediaPlaybackRate      float64    `json:"media_playback_rate"`
}

func (h *handler) me(c *call) error {
	return c.ok(userJSON{
		ID: c.user.ID, Username: c.user.Name, Theme: "system_serif", Language: "en_US", Timezone: "UTC",
		EntryDirection: "desc", EntryOrder: "published_at", EntriesPerPage: 100, KeyboardShortcuts: true,
		EntrySwipe: true, GestureNav: "tap", DisplayMode: "standalone", DefaultReadingSpeed: 265,
		CJKReadingSpeed: 500, DefaultHomePage: "unread", CategoriesSortingOrder: "unread_count",
		MarkReadOnView: true, MediaPlaybackRate: 1,
	})
}

func (h *handler) version(c *call) error {
	return c.ok(map[string]string{
		"version": Version, "commit": "", "build_date": "", "go_version": runtime.Version(),
		"compiler": runtime.Compiler, "arch": runtime.GOARCH, "os": runtime.GOOS,
	})
}

// --- categories ---

type categoryJSON struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	UserID       int64  `json:"user_id"`
	HideGlobally bool   `json:"hide_globally"`
	FeedCount    *int   `json:"feed_count,omitempty"`
	TotalUnread  *int   `json:"total_unread,omitempty"`
}

// view is what one request knows of the user's feeds and tags: every
// subscription (view), or only those of the feeds the request names and
// the page shows (pageView, which loads them as they are asked for), so a
// page costs what it shows and not the user's 1,000 subscriptions.
type view struct {
	subs  []store.Subscription
	tags  []store.Tag      // the full view's alone
	byTag map[string]int64 // tag name to ID
	// load, in a page view, adds the subscriptions of these feeds; nil in
	// a full view, which has them all.
	load func(ids []int64) ([]store.Subscription, error)
}

func (h *handler) view(c *call) (*view, error) {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return nil, err
	}
	tags, err := h.r.TagList(c.ctx, c.user.ID)
	if err != nil {
		return nil, err
	}
	v := &view{subs: subs, tags: tags, byTag: make(map[string]int64, len(tags))}
	for _, t := range tags {
		v.byTag[t.Name] = t.ID
	}
	return v, nil
}

// pageView is a view with the IDs of the user's tags and none of their
// subscriptions yet: ensure loads those a request needs.
func (h *handler) pageView(c *call) (*view, error) {
	byTag, err := h.r.TagIDs(c.ctx, c.user.ID)
	if err != nil {
		return nil, err
	}
	return &view{byTag: byTag, load: func(ids []int64) ([]store.Subscription, error) {
		return h.r.SubscriptionsOf(c.ctx, c.user.ID, ids)
	}}, nil
}

// ensure loads the subscriptions to these feeds that the view lacks, in
// one query; the feeds the user does not subscribe to stay unknown.
func (v *view) ensure(ids ...int64) error {
	if v.load == nil {
		return nil
	}
	var missing []int64
	for _, id := range ids {
		// 0 is the feed of a starred item kept after its feed went.
		if _, ok := v.sub(id); !ok && id != 0 && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	subs, err := v.load(missing)
	if err != nil {
		return err
	}
	v.subs = append(v.subs, subs...)
	return nil
}

// feed returns the subscription to the feed with this ID, loaded if the
// view lacks it, or a 404 if the user does not subscribe to it.
func (v *view) feed(id int64) (store.Subscription, error) {
	if err := v.ensure(id); err != nil {
		return store.Subscription{}, err
	}
	s, ok := v.sub(id)
	if !ok {
		return s, errorf(http.StatusNotFound, "no feed with ID %d", id)
	}
	return s, nil
}

func (v *view) sub(id int64) (store.Subscription, bool) {
	for _, s := range v.subs {
		if s.ID == id {
			return s, true
		}
	}
	return store.Subscription{}, false
}

// category returns the category of a feed with these tags.
func (v *view) category(userID int64, tags []string) categoryJSON {
	if len(tags) == 0 {
		return categoryJSON{ID: AllCategoryID, Title: AllCategory, UserID: userID}
	}
	return categoryJSON{ID: v.byTag[tags[0]], Title: tags[0], UserID: userID}
}

// categoryName returns the tag a category ID names, "" for All, or a 404.
func (v *view) categoryName(id int64) (string, error) {
	if id == AllCategoryID {
		return "", nil
	}
	for name, tid := range v.byTag {
		if tid == id {
			return name, nil
		}
	}
	return "", errorf(http.StatusNotFound, "no category with ID %d", id)
}

func (h *handler) categories(c *call) error {
	v, err := h.view(c)
	if err != nil {
		return err
	}
	withCounts := false
	if s := c.req.URL.Query().Get("counts"); s != "" {
		withCounts, err = strconv.ParseBool(s)
		if err != nil {
			return errorf(http.StatusBadRequest, "counts=%q is neither true nor false", s)
		}
	}
	feeds, unread := map[int64]int{}, map[int64]int{}
	for _, s := range v.subs {
		cat := v.category(c.user.ID, s.Tags)
		feeds[cat.ID]++
		unread[cat.ID] += s.Unread
	}
	out := []categoryJSON{{ID: AllCategoryID, Title: AllCategory, UserID: c.user.ID}}
	for _, t := range v.tags {
		out = append(out, categoryJSON{ID: t.ID, Title: t.Name, UserID: c.user.ID})
	}
	if withCounts {
		for i := range out {
			n, u := feeds[out[i].ID], unread[out[i].ID]
			out[i].FeedCount, out[i].TotalUnread = &n, &u
		}
	}
	return c.ok(out)
}

func (h *handler) categoryFeeds(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	v, err := h.view(c)
	if err != nil {
		return err
	}
	if _, err := v.categoryName(id); err != nil {
		return err
	}
	out := []feedJSON{}
	for _, s := range v.subs {
		if v.category(c.user.ID, s.Tags).ID == id {
			out = append(out, v.feedJSON(c.user.ID, s))
		}
	}
	return c.ok(out)
}

// --- feeds ---

type iconJSON struct {
	FeedID         int64  `json:"feed_id"`
	IconID         int64  `json:"icon_id"`
	ExternalIconID string `json:"external_icon_id"`
}

type feedJSON struct {
	ID                          int64         `json:"id"`
	UserID                      int64         `json:"user_id"`
	FeedURL                     string        `json:"feed_url"`
	SiteURL                     string        `json:"site_url"`
	Title                       string        `json:"title"`
	Description                 string        `json:"description"`
	CheckedAt                   time.Time     `json:"checked_at"`
	NextCheckAt                 time.Time     `json:"next_check_at"`
	EtagHeader                  string        `json:"etag_header"`
	LastModifiedHeader          string        `json:"last_modified_header"`
	ParsingErrorMsg             string        `json:"parsing_error_message"`
	ParsingErrorCount           int           `json:"parsing_error_count"`
	ScraperRules                string        `json:"scraper_rules"`
	RewriteRules                string        `json:"rewrite_rules"`
	UrlRewriteRules             string        `json:"urlrewrite_rules"`
	Crawler                     bool          `json:"crawler"`
	BlocklistRules              string        `json:"blocklist_rules"`
	KeeplistRules               string        `json:"keeplist_rules"`
	UserAgent                   string        `json:"user_agent"`
	Cookie                      string        `json:"cookie"`
	Username                    string        `json:"username"`
	Password                    string        `json:"password"`
	Disabled                    bool          `json:"disabled"`
	NoMediaPlayer               bool          `json:"no_media_player"`
	IgnoreHTTPCache             bool          `json:"ignore_http_cache"`
	AllowSelfSignedCertificates bool          `json:"allow_self_signed_certificates"`
	FetchViaProxy               bool          `json:"fetch_via_proxy"`
	HideGlobally                bool          `json:"hide_globally"`
	DisableHTTP2                bool          `json:"disable_http2"`
	AppriseServiceURLs          string        `json:"apprise_service_urls"`
	Category                    *categoryJSON `json:"category"`
	Icon                        *iconJSON     `json:"icon"`
	// Tags is tidings' own: every tag of the feed, the category first.
	Tags []string `json:"tags"`
}

func (v *view) feedJSON(userID int64, s store.Subscription) feedJSON {
	cat := v.category(userID, s.Tags)
	tags := s.Tags
	if tags == nil {
		tags = []string{}
	}
	site := s.SiteURL
	if site == "" {
		site = s.URL
	}
	return feedJSON{
		ID: s.ID, UserID: userID, FeedURL: s.URL, SiteURL: site, Title: s.Name(),
		CheckedAt: s.State.LastFetch.UTC(), NextCheckAt: s.State.NextDue.UTC(),
		EtagHeader: s.State.ETag, LastModifiedHeader: s.State.LastModified,
		ParsingErrorMsg: s.State.LastError, ParsingErrorCount: s.State.ErrorCount,
		Disabled: s.State.Gone, Category: &cat, Tags: tags,
		// Miniflux's crawler is tidings' whole-article fetching.
		Crawler: s.FullContent,
	}
}

func (h *handler) feeds(c *call) error {
	v, err := h.view(c)
	if err != nil {
		return err
	}
	out := make([]feedJSON, len(v.subs))
	for i, s := range v.subs {
		out[i] = v.feedJSON(c.user.ID, s)
	}
	return c.ok(out)
}

// feedOf returns the user's subscription to the feed of the path's id.
func (h *handler) feedOf(c *call) (*view, store.Subscription, error) {
	id, err := c.pathID("id")
	if err != nil {
		return nil, store.Subscription{}, err
	}
	v, err := h.pageView(c)
	if err != nil {
		return nil, store.Subscription{}, err
	}
	s, err := v.feed(id)
	if err != nil {
		return nil, s, err
	}
	return v, s, nil
}

func (h *handler) feed(c *call) error {
	v, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	return c.ok(v.feedJSON(c.user.ID, s))
}

func (h *handler) createFeed(c *call) error {
	var req struct {
		FeedURL    string   `json:"feed_url"`
		CategoryID int64    `json:"category_id"`
		Title      string   `json:"title"`
		Tags       []string `json:"tags"`
		Crawler    bool     `json:"crawler"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if strings.TrimSpace(req.FeedURL) == "" {
		return errorf(http.StatusBadRequest, "feed_url is missing: give the URL of a feed or of a web page that links to one")
	}
	v, err := h.pageView(c)
	if err != nil {
		return err
	}
	tags, err := v.tagsFor(req.CategoryID, req.Tags)
	if err != nil {
		return err
	}
	sub, err := h.r.Subscribe(c.ctx, c.user.ID, reader.SubscribeRequest{URL: req.FeedURL, Title: req.Title, Tags: tags, FullContent: req.Crawler})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, map[string]int64{"feed_id": sub.ID})
	return nil
}

// tagsFor returns the tags of a feed in category id (0: none given) with
// the extra tags after it.
func (v *view) tagsFor(id int64, extra []string) ([]string, error) {
	var tags []string
	if id < 0 {
		return nil, errorf(http.StatusBadRequest, "category_id %d is not an ID", id)
	}
	if id != 0 {
		name, err := v.categoryName(id)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "no category with ID %d", id)
		}
		if name != "" {
			tags = append(tags, name)
		}
	}
	for _, t := range extra {
		if !slices.Contains(tags, store.NormalizeTag(t)) {
			tags = append(tags, t)
		}
	}
	return tags, nil
}

func (h *handler) updateFeed(c *call) error {
	v, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	var req struct {
		FeedURL    *string   `json:"feed_url"`
		Title      *string   `json:"title"`
		CategoryID *int64    `json:"category_id"`
		Tags       *[]string `json:"tags"`
		Crawler    *bool     `json:"crawler"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.FeedURL != nil && strings.TrimSpace(*req.FeedURL) != s.URL {
		return errorf(http.StatusBadRequest, "a feed's URL cannot be changed; subscribe to the new URL and remove this feed")
	}
	// The new tags, category first: the category given, else the feed's.
	tags := s.Tags
	if req.Tags != nil {
		tags = *req.Tags
	}
	if req.CategoryID != nil {
		rest := tags
		if req.Tags == nil && len(rest) > 0 {
			rest = rest[1:]
		}
		if tags, err = v.tagsFor(*req.CategoryID, rest); err != nil {
			return err
		}
	}
	tags, err = reader.Tags(tags)
	if err != nil {
		return err
	}
	changed := !slices.Equal(tags, s.Tags)
	if changed && len(s.Tags) > 0 {
		// Edit adds after the feed's tags: remove them all first, so the
		// category comes first.
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, reader.Edit{RemoveTags: s.Tags}); err != nil {
			return err
		}
	}
	e := reader.Edit{Title: req.Title}
	if changed {
		e.AddTags = tags
	}
	if e.Title != nil || len(e.AddTags) > 0 {
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, e); err != nil {
			return err
		}
	}
	if req.Crawler != nil && *req.Crawler != s.FullContent {
		if _, err := h.r.SetFullContent(c.ctx, c.user.ID, s.URL, *req.Crawler); err != nil {
			return err
		}
	}
	if v, err = h.pageView(c); err != nil {
		return err
	}
	if err := v.ensure(s.ID); err != nil {
		return err
	}
	s, _ = v.sub(s.ID)
	writeJSON(c.w, http.StatusCreated, v.feedJSON(c.user.ID, s))
	return nil
}

func (h *handler) deleteFeed(c *call) error {
	_, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	if _, err := h.r.Unsubscribe(c.ctx, c.user.ID, s.URL); err != nil {
		return err
	}
	return c.noContent()
}

func (h *handler) refreshFeed(c *call) error {
	_, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	if _, err := h.r.Refresh(c.ctx, c.user.ID, []string{s.URL}); err != nil {
		return err
	}
	return c.noContent()
}

func (h *handler) feedMarkAllRead(c *call) error {
	_, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	if _, err := h.r.MarkAllRead(c.ctx, c.user.ID, store.Query{FeedID: s.ID}); err != nil {
		return err
	}
	return c.noContent()
}

func (h *handler) icon(c *call) error {
	_, s, err := h.feedOf(c)
	if err != nil {
		return err
	}
	// tidings keeps the address of a feed's icon, not the image.
	return errorf(http.StatusNotFound, "tidings keeps no icon for feed %d", s.ID)
}

func (h *handler) counters(c *call) error {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	reads, unreads := map[string]int{}, map[string]int{}
	for _, s := range subs {
		id := strconv.FormatInt(s.ID, 10)
		reads[id], unreads[id] = s.Items-s.Unread, s.Unread
	}
	return c.ok(map[string]map[string]int{"reads": reads, "unreads": unreads})
}

// --- discovery, OPML ---

type discovered struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Type  string `json:"type"`
}

func (h *handler) discover(c *call) error {
	var req struct {
		URL string `json:"url"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	cands, err := h.r.Discover(c.ctx, req.URL)
	var nf *reader.NoFeedError
	switch {
	case errors.Is(err, reader.ErrNoFetcher):
		return errorf(http.StatusNotImplemented, "this server does not look for feeds")
	case errors.As(err, &nf) && nf.Err != nil:
		return errorf(http.StatusBadRequest, "%s", nf.Error())
	case err != nil:
		return err
	}
	out := make([]discovered, len(cands))
	for i, cd := range cands {
		out[i] = discovered{URL: cd.URL, Title: cd.Title, Type: "rss"}
	}
	return c.ok(out)
}

func (h *handler) export(c *call) error {
	var b strings.Builder
	if err := h.r.Export(c.ctx, c.user.ID, &b); err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(c.w, b.String())
	return nil
}

func (h *handler) importOPML(c *call) error {
	b, err := c.body(MaxImport)
	if err != nil {
		return err
	}
	res, err := h.r.Import(c.ctx, c.user.ID, strings.NewReader(string(b)), nil)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	if len(res.Added)+len(res.Skipped) == 0 {
		return errorf(http.StatusBadRequest, "the document has no feed to import")
	}
	writeJSON(c.w, http.StatusCreated, map[string]string{"message": "Feeds imported"})
	return nil
}
