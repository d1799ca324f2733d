package fever

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tidings/reader"
	"tidings/store"
)

// serve validates every parameter first, then makes the change the
// request asks for, then adds each section it names to the answer, as
// Fever does: a mark is answered with the IDs it changed the list of.
func (h *handler) serve(c *call) error {
	m, err := c.markRequest()
	if err != nil {
		return err
	}
	var iq *store.Query
	if c.has("items") {
		q, err := c.itemsQuery()
		if err != nil {
			return err
		}
		iq = &q
	}
	// The sums every answer carries, without listing the subscriptions:
	// only feeds and groups list them.
	totals, err := h.r.SubscriptionTotals(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	c.totals = totals
	c.answer["last_refreshed_on_time"] = unix(totals.LastFetch)

	if m != nil {
		if err := h.mark(c, m); err != nil {
			return err
		}
		if m.as == "saved" || m.as == "unsaved" {
			c.form.Set("saved_item_ids", "")
		} else {
			c.form.Set("unread_item_ids", "")
		}
	}
	if c.has("groups") {
		if err := h.groups(c); err != nil {
			return err
		}
	}
	if c.has("feeds") || c.has("favicons") {
		icons, err := h.r.Icons(c.ctx, c.user.ID)
		if err != nil {
			return err
		}
		c.icons = icons
	}
	if c.has("feeds") {
		if err := h.feeds(c); err != nil {
			return err
		}
	}
	if c.has("favicons") {
		if err := h.favicons(c); err != nil {
			return err
		}
	}
	if c.has("links") {
		// Fever's hot links rank links by how many feeds share them;
		// tidings has no such ranking, so there are none.
		c.answer["links"] = []struct{}{}
	}
	if iq != nil {
		if err := h.items(c, *iq); err != nil {
			return err
		}
	}
	if c.has("unread_item_ids") {
		s, err := h.ids(c, store.Query{Unread: true})
		if err != nil {
			return err
		}
		c.answer["unread_item_ids"] = s
	}
	if c.has("saved_item_ids") {
		s, err := h.ids(c, store.Query{Starred: true})
		if err != nil {
			return err
		}
		c.answer["saved_item_ids"] = s
	}
	return nil
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// --- groups and feeds ---

type group struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

type feedsGroup struct {
	GroupID int64  `json:"group_id"`
	FeedIDs string `json:"feed_ids"`
}

type feed struct {
	ID          int64  `json:"id"`
	FaviconID   int64  `json:"favicon_id"`
	Title       string `json:"title"`
	URL         string `json:"url"`
	SiteURL     string `json:"site_url"`
	IsSpark     int    `json:"is_spark"`
	LastUpdated int64  `json:"last_updated_on_time"`
}

type favicon struct {
	ID   int64  `json:"id"`
	Data string `json:"data"`
}

// subscriptions returns the user's subscriptions, read once per request.
// A mark changes none of what the sections show of them (names, URLs,
// tags, fetch times), so reading them after it answers as before it.
func (h *handler) subscriptions(c *call) ([]store.Subscription, error) {
	if c.subs == nil {
		subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
		if err != nil {
			return nil, err
		}
		if subs == nil {
			subs = []store.Subscription{}
		}
		c.subs = subs
	}
	return c.subs, nil
}

func (h *handler) groups(c *call) error {
	tags, err := h.r.TagList(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	subs, err := h.subscriptions(c)
	if err != nil {
		return err
	}
	gs := make([]group, len(tags))
	for i, t := range tags {
		gs[i] = group{ID: t.ID, Title: t.Name}
	}
	c.answer["groups"] = gs
	c.answer["feeds_groups"] = feedsGroups(tags, subs)
	return nil
}

// favicons answers the icons of the user's feeds: a favicon's ID is its
// feed's, and its data a data URI without "data:", as Fever has it.
func (h *handler) favicons(c *call) error {
	out := make([]favicon, len(c.icons))
	for i, ic := range c.icons {
		out[i] = favicon{ID: ic.FeedID, Data: ic.Type + ";base64," + base64.StdEncoding.EncodeToString(ic.Data)}
	}
	c.answer["favicons"] = out
	return nil
}

func (h *handler) feeds(c *call) error {
	hasIcon := make(map[int64]bool, len(c.icons))
	for _, ic := range c.icons {
		hasIcon[ic.FeedID] = true
	}
	subs, err := h.subscriptions(c)
	if err != nil {
		return err
	}
	fs := make([]feed, len(subs))
	for i, s := range subs {
		fs[i] = feed{ID: s.ID, Title: s.Name(), URL: s.URL, SiteURL: s.SiteURL, LastUpdated: unix(s.State.LastSuccess)}
		if hasIcon[s.ID] {
			// A feed without an icon has favicon_id 0, as Miniflux answers.
			fs[i].FaviconID = s.ID
		}
	}
	c.answer["feeds"] = fs
	if _, ok := c.answer["feeds_groups"]; !ok {
		tags, err := h.r.TagList(c.ctx, c.user.ID)
		if err != nil {
			return err
		}
		c.answer["feeds_groups"] = feedsGroups(tags, subs)
	}
	return nil
}

// feedsGroups lists, for each tag that has feeds, the IDs of its feeds.
func feedsGroups(tags []store.Tag, subs []store.Subscription) []feedsGroup {
	byTag := make(map[string][]int64, len(tags))
	for _, s := range subs {
		for _, t := range s.Tags {
			byTag[t] = append(byTag[t], s.ID)
		}
	}
	out := []feedsGroup{}
	for _, t := range tags {
		if ids := byTag[t.Name]; len(ids) > 0 {
			out = append(out, feedsGroup{GroupID: t.ID, FeedIDs: joinIDs(ids)})
		}
	}
	return out
}

// --- items ---

type item struct {
	ID        int64  `json:"id"`
	FeedID    int64  `json:"feed_id"`
	Title     string `json:"title"`
	Author    string `json:"author"`
	HTML      string `json:"html"`
	URL       string `json:"url"`
	IsSaved   int    `json:"is_saved"`
	IsRead    int    `json:"is_read"`
	CreatedOn int64  `json:"created_on_time"`
}

// itemsQuery reads the items arguments: since_id (the next items after
// an ID, oldest first), max_id (the items before an ID, newest first; 0
// the newest), with_ids (these items). Without any, the oldest items
// come first, as since_id=0.
func (c *call) itemsQuery() (store.Query, error) {
	q := store.Query{ByID: true, Limit: MaxItems}
	switch {
	case c.has("with_ids"):
		ids, err := parseIDs(c.param("with_ids"))
		if err != nil {
			return q, err
		}
		q.IDs, q.Oldest = ids, true
	case c.has("max_id"):
		id, err := parseID("max_id", c.param("max_id"), true)
		if err != nil {
			return q, err
		}
		q.BeforeID = id
	default:
		id, err := parseID("since_id", c.param("since_id"), true)
		if err != nil {
			return q, err
		}
		q.AfterID, q.Oldest = id, true
	}
	return q, nil
}

func (h *handler) items(c *call, q store.Query) error {
	if q.IDs == nil {
		// The page's IDs first, then their rows by ID: PostgreSQL joined
		// the user's states of every item below since_id to the rows in
		// one query (127 ms at 1,000,000 items, against 1.6 ms so).
		ids, err := h.r.ItemIDs(c.ctx, c.user.ID, q)
		if err != nil {
			return err
		}
		q = store.Query{IDs: ids, ByID: true, Oldest: q.Oldest, Limit: q.Limit}
	}
	its, _, err := h.r.Items(c.ctx, c.user.ID, q)
	if err != nil {
		return err
	}
	// total_items is the sum of the subscriptions' kept item counts: a
	// count of every visible item scans them all (a second at a million),
	// and it differs only by the starred items kept from feeds the user
	// left, which apps use it for nothing but progress.
	total := c.totals.Items
	out := make([]item, len(its))
	for i, it := range its {
		out[i] = item{ID: it.ID, FeedID: it.FeedID, Title: it.Title, Author: it.Author, HTML: it.Content,
			URL: it.URL, IsSaved: boolInt(it.Starred), IsRead: boolInt(it.Read), CreatedOn: unix(it.Published)}
	}
	c.answer["items"] = out
	c.answer["total_items"] = total
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ids returns the IDs of the items q selects, oldest first, as Fever's
// comma-separated string.
func (h *handler) ids(c *call, q store.Query) (string, error) {
	q.ByID, q.Oldest = true, true
	ids, err := h.r.ItemIDs(c.ctx, c.user.ID, q)
	if err != nil {
		return "", err
	}
	return joinIDs(ids), nil
}

func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// --- marks ---

// markReq is a validated mark request.
type markReq struct {
	what   string // item, feed or group
	as     string // read, unread, saved, unsaved
	id     int64
	before time.Time // zero: no limit
}

// markRequest reads mark, as, id and before; nil without a mark.
func (c *call) markRequest() (*markReq, error) {
	if !c.has("mark") {
		return nil, nil
	}
	m := &markReq{what: c.param("mark"), as: c.param("as")}
	switch m.what {
	case "item":
		switch m.as {
		case "read", "unread", "saved", "unsaved":
		default:
			return nil, errorf(http.StatusBadRequest, "as=%q: an item is marked as read, unread, saved or unsaved", m.as)
		}
	case "feed", "group":
		if m.as != "read" {
			return nil, errorf(http.StatusBadRequest, "as=%q: a %s is marked as read, nothing else", m.as, m.what)
		}
	default:
		return nil, errorf(http.StatusBadRequest, "mark=%q: the API marks an item, a feed or a group", m.what)
	}
	if !c.has("id") {
		return nil, errorf(http.StatusBadRequest, "mark=%s needs the id of the %s", m.what, m.what)
	}
	// Group 0 is every feed (Fever's Kindling); -1, its Sparks, has no
	// feeds here, and a mark of it changes nothing.
	s := c.param("id")
	if m.what == "group" && strings.TrimSpace(s) == "-1" {
		m.id = -1
	} else {
		id, err := parseID("id", s, m.what == "group")
		if err != nil {
			return nil, err
		}
		m.id = id
	}
	if m.what != "item" && c.param("before") != "" {
		b, err := parseID("before", c.param("before"), true)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "before=%q is not a time: before is a Unix time in seconds", c.param("before"))
		}
		// Some clients send milliseconds: no feed has items from the
		// year 5000.
		if b > 1e11 {
			b /= 1000
		}
		if b > 0 {
			m.before = time.Unix(b, 0)
		}
	}
	return m, nil
}

// mark makes the change: item marks with reader.Mark, feed and group
// marks with reader.MarkAllRead up to before (items published before it).
// An item, feed or group that is not the user's changes nothing and is
// not an error: apps replay queued marks of items gone since.
func (h *handler) mark(c *call, m *markReq) error {
	if m.what == "item" {
		mk := map[string]reader.Mark{"read": reader.MarkRead, "unread": reader.MarkUnread,
			"saved": reader.MarkStarred, "unsaved": reader.MarkUnstarred}[m.as]
		_, err := h.r.Mark(c.ctx, c.user.ID, []int64{m.id}, mk)
		var nie *reader.NoItemError
		if errors.As(err, &nie) {
			return nil
		}
		return err
	}
	q := store.Query{Until: m.before}
	switch {
	case m.what == "feed":
		subs, err := h.r.SubscriptionsOf(c.ctx, c.user.ID, []int64{m.id})
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			return nil
		}
		q.FeedID = m.id
	case m.id < 0:
		return nil
	case m.id > 0:
		tags, err := h.r.TagList(c.ctx, c.user.ID)
		if err != nil {
			return err
		}
		for _, t := range tags {
			if t.ID == m.id {
				q.Tag = t.Name
			}
		}
		if q.Tag == "" {
			return nil
		}
	}
	_, err := h.r.MarkAllRead(c.ctx, c.user.ID, q)
	return err
}

// --- parameters ---

// parseID reads an ID parameter: a whole number above 0 (or 0 when
// zeroOK), 0 when empty and zeroOK.
func parseID(name, s string, zeroOK bool) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" && zeroOK {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 || (id == 0 && !zeroOK) {
		if zeroOK {
			return 0, errorf(http.StatusBadRequest, "%s=%q is not an ID: an ID is a whole number, 0 or more", name, clip(s))
		}
		return 0, errorf(http.StatusBadRequest, "%s=%q is not an ID: an ID is a whole number above 0", name, clip(s))
	}
	return id, nil
}

// parseIDs reads a with_ids list: IDs separated by commas (blanks
// between them ignored), at most MaxWithIDs.
func parseIDs(s string) ([]int64, error) {
	ids := []int64{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(ids) == MaxWithIDs {
			return nil, errorf(http.StatusBadRequest, "with_ids lists more than %d items; ask for at most %d at a time", MaxWithIDs, MaxWithIDs)
		}
		id, err := parseID("with_ids", part, false)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "with_ids has %q, which is not an ID: with_ids is item IDs (whole numbers above 0) separated by commas", clip(part))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// clip shortens a bad value for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
