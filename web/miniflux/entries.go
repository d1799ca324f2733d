package miniflux

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/reader"
	"tidings/store"
)

type enclosureJSON struct {
	ID               int64  `json:"id"`
	UserID           int64  `json:"user_id"`
	EntryID          int64  `json:"entry_id"`
	URL              string `json:"url"`
	MimeType         string `json:"mime_type"`
	Size             int64  `json:"size"`
	MediaProgression int64  `json:"media_progression"`
}

type entryJSON struct {
	ID          int64           `json:"id"`
	UserID      int64           `json:"user_id"`
	FeedID      int64           `json:"feed_id"`
	Status      string          `json:"status"`
	Hash        string          `json:"hash"`
	Title       string          `json:"title"`
	URL         string          `json:"url"`
	CommentsURL string          `json:"comments_url"`
	PublishedAt time.Time       `json:"published_at"`
	CreatedAt   time.Time       `json:"created_at"`
	ChangedAt   time.Time       `json:"changed_at"`
	Content     string          `json:"content"`
	Author      string          `json:"author"`
	ShareCode   string          `json:"share_code"`
	Starred     bool            `json:"starred"`
	ReadingTime int             `json:"reading_time"`
	Enclosures  []enclosureJSON `json:"enclosures"`
	Feed        *feedJSON       `json:"feed,omitempty"`
	Tags        []string        `json:"tags"`
}

func (v *view) entryJSON(userID int64, it store.Item) entryJSON {
	status := "unread"
	if it.Read {
		status = "read"
	}
	changed := it.Updated
	if changed.IsZero() {
		changed = it.FirstSeen
	}
	e := entryJSON{
		ID: it.ID, UserID: userID, FeedID: it.FeedID, Status: status, Hash: it.GUID, Title: it.Title,
		URL: it.URL, PublishedAt: it.Published.UTC(), CreatedAt: it.FirstSeen.UTC(), ChangedAt: changed.UTC(),
		Content: it.Content, Author: it.Author, Starred: it.Starred, ReadingTime: readingTime(it.Content),
		Enclosures: []enclosureJSON{}, Tags: it.Categories,
	}
	if e.Tags == nil {
		e.Tags = []string{}
	}
	for i, en := range it.Enclosures {
		e.Enclosures = append(e.Enclosures, enclosureJSON{ID: it.ID*1000 + int64(i), UserID: userID, EntryID: it.ID,
			URL: en.URL, MimeType: en.Type, Size: en.Length})
	}
	if s, ok := v.sub(it.FeedID); ok {
		f := v.feedJSON(userID, s)
		e.Feed = &f
	} else {
		// A starred item kept after its feed went.
		cat := v.category(userID, nil)
		e.Feed = &feedJSON{ID: it.FeedID, UserID: userID, FeedURL: it.FeedURL, SiteURL: it.FeedURL,
			Title: it.FeedTitle, Category: &cat, Tags: []string{}}
	}
	return e
}

// feedIDs returns the feeds of these items, each once.
func feedIDs(items []store.Item) []int64 {
	var ids []int64
	for _, it := range items {
		if it.FeedID != 0 && !slices.Contains(ids, it.FeedID) {
			ids = append(ids, it.FeedID)
		}
	}
	return ids
}

// readingTime is Miniflux's estimate, in minutes at 265 words a minute.
func readingTime(html string) int {
	words, in := 0, false
	tag := false
	for _, r := range html {
		switch {
		case r == '<':
			tag = true
		case r == '>':
			tag = false
			in = false
		case tag:
		case r == ' ' || r == '\n' || r == '\t' || r == '\r':
			in = false
		case !in:
			in = true
			words++
		}
	}
	return (words + 264) / 265
}

// filter is an entries listing asked for.
type filter struct {
	q      store.Query
	all    bool // the category All: feeds without tags
	limit  int
	offset int
}

// parseFilter reads and checks the query parameters of a listing.
func parseFilter(vals url.Values, v *view) (filter, error) {
	f := filter{limit: 100}
	for name := range vals {
		switch name {
		case "status", "starred", "search", "category_id", "feed_id", "before", "after", "published_before",
			"published_after", "changed_before", "changed_after", "before_entry_id", "after_entry_id", "order",
			"direction", "limit", "offset", "globally_visible", "tags":
		default:
			return f, errorf(http.StatusBadRequest, "unknown parameter %q", name)
		}
	}
	get := func(name string) string { return strings.TrimSpace(vals.Get(name)) }
	for _, s := range vals["status"] {
		switch s {
		case "unread":
			f.q.Unread = true
		case "read":
			f.q.Read = true
		case "removed":
			// tidings removes no entries: nothing is removed.
			f.q.IDs = []int64{}
		default:
			return f, errorf(http.StatusBadRequest, "status=%q is not unread, read or removed", s)
		}
	}
	if f.q.Unread && f.q.Read {
		f.q.Unread, f.q.Read = false, false
	}
	if s := get("starred"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, errorf(http.StatusBadRequest, "starred=%q is neither true nor false", s)
		}
		if !b {
			return f, errorf(http.StatusBadRequest, "starred=false is not supported; leave starred out to list every entry")
		}
		f.q.Starred = true
	}
	f.q.Search = get("search")
	if len(f.q.Search) > 500 {
		return f, errorf(http.StatusBadRequest, "search is longer than 500 bytes")
	}
	ints := []struct {
		name string
		dst  *int64
	}{
		{"category_id", nil}, {"feed_id", &f.q.FeedID},
		{"before_entry_id", &f.q.BeforeID}, {"after_entry_id", &f.q.AfterID},
	}
	var catID int64
	ints[0].dst = &catID
	for _, p := range ints {
		s := get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, errorf(http.StatusBadRequest, "%s=%q is not an ID: an ID is a whole number above 0", p.name, s)
		}
		*p.dst = n
	}
	if f.q.FeedID != 0 {
		if _, err := v.feed(f.q.FeedID); err != nil {
			return f, err
		}
	}
	if catID != 0 {
		name, err := v.categoryName(catID)
		if err != nil {
			return f, err
		}
		f.q.Tag, f.all = name, name == ""
	}
	times := []struct {
		name  string
		dst   *time.Time
		after bool
	}{
		{"before", &f.q.Until, false}, {"published_before", &f.q.Until, false},
		{"after", &f.q.Since, true}, {"published_after", &f.q.Since, true},
	}
	for _, p := range times {
		s := get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return f, errorf(http.StatusBadRequest, "%s=%q is not a time: give seconds since 1970", p.name, s)
		}
		t := time.Unix(n, 0).UTC()
		if p.after {
			// Miniflux's after is strictly after; Since keeps that second.
			t = t.Add(time.Second)
		}
		*p.dst = t
	}
	switch o := get("order"); o {
	case "", "published_at":
	case "id", "created_at":
		f.q.ByID = true
	default:
		return f, errorf(http.StatusBadRequest, "order=%q is not one of id, created_at, published_at", o)
	}
	switch d := get("direction"); d {
	case "", "asc":
		f.q.Oldest = true
	case "desc":
	default:
		return f, errorf(http.StatusBadRequest, "direction=%q is neither asc nor desc", d)
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxLimit {
			return f, errorf(http.StatusBadRequest, "limit=%q is not a number from 0 to %d", s, MaxLimit)
		}
		if n > 0 {
			f.limit = n
		}
	}
	if s := get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxOffset {
			return f, errorf(http.StatusBadRequest, "offset=%q is not a number from 0 to %d", s, MaxOffset)
		}
		f.offset = n
	}
	return f, nil
}

// list returns the page of entries f selects and how many it selects.
func (h *handler) list(c *call, v *view, f filter) ([]store.Item, int, error) {
	uid := c.user.ID
	if f.all {
		return h.listAll(c, v, f)
	}
	total, ok, err := h.unreadTotal(c, v, f.q)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		if total, err = h.r.CountItems(c.ctx, uid, f.q); err != nil {
			return nil, 0, err
		}
	}
	if f.offset >= total {
		return nil, total, nil
	}
	q := f.q
	if f.offset > 0 {
		q.Limit = f.offset + f.limit
		ids, err := h.r.ItemIDs(c.ctx, uid, q)
		if err != nil {
			return nil, 0, err
		}
		q.IDs = ids[min(f.offset, len(ids)):]
	}
	q.Limit = f.limit
	items, _, err := h.r.Items(c.ctx, uid, q)
	return items, total, err
}

// unreadTotal answers the total of a listing of unread items by feed or
// tag alone from the subscriptions' unread counters (kept, not counted),
// instead of counting the items again; ok is false for any other listing.
// Starred items kept from a feed the user left belong to no subscription
// and are not in it. A feed's listing has its subscription in the view
// already; the others sum up the counters of every subscription, in one
// query without items.
func (h *handler) unreadTotal(c *call, v *view, q store.Query) (int, bool, error) {
	if !q.Unread || q.Read || q.Starred || q.Search != "" || !q.Since.IsZero() || !q.Until.IsZero() ||
		q.AfterID != 0 || q.BeforeID != 0 || q.IDs != nil || q.FeedURL != "" {
		return 0, false, nil
	}
	if q.FeedID != 0 {
		s, ok := v.sub(q.FeedID)
		if !ok || (q.Tag != "" && !slices.Contains(s.Tags, q.Tag)) {
			return 0, true, nil
		}
		return s.Unread, true, nil
	}
	if q.Tag == "" {
		totals, err := h.r.SubscriptionTotals(c.ctx, c.user.ID)
		if err != nil {
			return 0, false, err
		}
		return totals.Unread, true, nil
	}
	counts, err := h.r.Counts(c.ctx, c.user.ID)
	if err != nil {
		return 0, false, err
	}
	id, ok := v.byTag[q.Tag]
	if !ok {
		return 0, true, nil
	}
	return counts.Tags[id], true, nil
}

// listAll lists the category All: the feeds without tags, each queried,
// their IDs merged in the order asked.
func (h *handler) listAll(c *call, v *view, f filter) ([]store.Item, int, error) {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return nil, 0, err
	}
	var ids []int64
	total := 0
	for _, s := range subs {
		if len(s.Tags) > 0 || (f.q.FeedID != 0 && f.q.FeedID != s.ID) {
			continue
		}
		q := f.q
		q.FeedID = s.ID
		n, err := h.r.CountItems(c.ctx, c.user.ID, q)
		if err != nil {
			return nil, 0, err
		}
		total += n
		q.Limit = f.offset + f.limit
		got, err := h.r.ItemIDs(c.ctx, c.user.ID, q)
		if err != nil {
			return nil, 0, err
		}
		ids = append(ids, got...)
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	// Every feed's page is in order; fetch them all in that order and cut.
	q := f.q
	q.IDs, q.Limit = ids, 0
	items, _, err := h.r.Items(c.ctx, c.user.ID, q)
	if err != nil {
		return nil, 0, err
	}
	if f.offset >= len(items) {
		return nil, total, nil
	}
	items = items[f.offset:]
	return items[:min(len(items), f.limit)], total, nil
}

// listing answers a page of entries: the query's filters, then extra's.
func (h *handler) listing(c *call, extra func(*filter, *view) error) error {
	v, err := h.pageView(c)
	if err != nil {
		return err
	}
	f, err := parseFilter(c.req.URL.Query(), v)
	if err != nil {
		return err
	}
	if extra != nil {
		if err := extra(&f, v); err != nil {
			return err
		}
	}
	items, total, err := h.list(c, v, f)
	if err != nil {
		return err
	}
	if err := v.ensure(feedIDs(items)...); err != nil {
		return err
	}
	out := struct {
		Total   int         `json:"total"`
		Entries []entryJSON `json:"entries"`
	}{Total: total, Entries: make([]entryJSON, len(items))}
	for i, it := range items {
		out.Entries[i] = v.entryJSON(c.user.ID, it)
	}
	return c.ok(out)
}

func (h *handler) entries(c *call) error { return h.listing(c, nil) }

func (h *handler) feedEntries(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	return h.listing(c, func(f *filter, v *view) error {
		if c.req.URL.Query().Has("feed_id") {
			return errorf(http.StatusBadRequest, "feed_id is given in the path already")
		}
		if _, err := v.feed(id); err != nil {
			return err
		}
		f.q.FeedID = id
		return nil
	})
}

func (h *handler) categoryEntries(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	v, err := h.pageView(c)
	if err != nil {
		return err
	}
	name, err := v.categoryName(id)
	if err != nil {
		return err
	}
	return h.listing(c, func(f *filter, _ *view) error {
		if c.req.URL.Query().Has("category_id") {
			return errorf(http.StatusBadRequest, "category_id is given in the path already")
		}
		f.q.Tag, f.all = name, name == ""
		return nil
	})
}

// oneEntry answers one entry of the user's, which must be in the feed
// inFeed and the category inCategory when they are not 0.
func (h *handler) oneEntry(c *call, inFeed, inCategory int64) error {
	id, err := c.pathID("entry")
	if err != nil {
		return err
	}
	v, err := h.pageView(c)
	if err != nil {
		return err
	}
	it, err := h.r.Item(c.ctx, c.user.ID, id)
	if err != nil {
		return err
	}
	if err := v.ensure(it.FeedID); err != nil {
		return err
	}
	e := v.entryJSON(c.user.ID, it)
	if (inFeed != 0 && e.FeedID != inFeed) || (inCategory != 0 && e.Feed.Category.ID != inCategory) {
		return errorf(http.StatusNotFound, "no entry with ID %d there", id)
	}
	return c.ok(e)
}

func (h *handler) entry(c *call) error { return h.oneEntry(c, 0, 0) }

func (h *handler) feedEntry(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	return h.oneEntry(c, id, 0)
}

func (h *handler) categoryEntry(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	return h.oneEntry(c, 0, id)
}

func (h *handler) updateEntries(c *call) error {
	var req struct {
		EntryIDs []int64 `json:"entry_ids"`
		Status   string  `json:"status"`
	}
	if err := c.decode(&req); err != nil {
		return err
	}
	var m reader.Mark
	switch req.Status {
	case "read":
		m = reader.MarkRead
	case "unread":
		m = reader.MarkUnread
	case "":
		return errorf(http.StatusBadRequest, "status is missing: read or unread")
	default:
		return errorf(http.StatusBadRequest, "status %q is neither read nor unread", req.Status)
	}
	if len(req.EntryIDs) == 0 {
		return errorf(http.StatusBadRequest, "entry_ids is empty: give the IDs of the entries to mark")
	}
	if len(req.EntryIDs) > MaxIDs {
		return errorf(http.StatusBadRequest, "entry_ids has %d IDs; give at most %d at once", len(req.EntryIDs), MaxIDs)
	}
	for _, id := range req.EntryIDs {
		if id <= 0 {
			return errorf(http.StatusBadRequest, "%d is not an entry ID: an ID is a whole number above 0", id)
		}
	}
	// Nothing is marked unless every entry is the user's.
	ids := slices.Clone(req.EntryIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	found, err := h.r.ItemIDs(c.ctx, c.user.ID, store.Query{IDs: ids})
	if err != nil {
		return err
	}
	if len(found) != len(ids) {
		var missing []int64
		for _, id := range ids {
			if !slices.Contains(found, id) {
				missing = append(missing, id)
			}
		}
		return &reader.NoItemError{IDs: missing}
	}
	if _, err := h.r.Mark(c.ctx, c.user.ID, ids, m); err != nil {
		return err
	}
	return c.noContent()
}

func (h *handler) toggleStar(c *call) error {
	id, err := c.pathID("entry")
	if err != nil {
		return err
	}
	it, err := h.r.Item(c.ctx, c.user.ID, id)
	if err != nil {
		return err
	}
	m := reader.MarkStarred
	if it.Starred {
		m = reader.MarkUnstarred
	}
	if _, err := h.r.Mark(c.ctx, c.user.ID, []int64{id}, m); err != nil {
		return err
	}
	return c.noContent()
}
