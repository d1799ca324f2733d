package greader

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/store"
)

// listing is a page of a stream as a request asks for it.
type listing struct {
	id string
	q  store.Query
	n  int
}

// parseListing reads a stream listing's parameters: the stream (s, or the
// path), n (at most maxN), c, r=o, ot, nt, xt and it. Items are listed by
// ID, newest first (oldest first with r=o).
func (h *handler) parseListing(c *call, maxN int64) (listing, error) {
	id := c.stream
	if id == "" {
		id = c.form.Get("s")
	}
	if id == "" {
		// Fluent Reader lists stream/contents without a stream.
		id = stateReadingList
	}
	st, err := h.parseStream(c, id)
	if err != nil {
		return listing{}, err
	}
	q := st.q
	n, err := intParam(c, "n", DefaultN, 1, maxN)
	if err != nil {
		return listing{}, err
	}
	q.ByID = true
	switch r := c.form.Get("r"); r {
	case "", "n", "d":
	case "o":
		q.Oldest = true
	default:
		return listing{}, badRequest("r=%q: want o (oldest first) or nothing (newest first)", clip(r))
	}
	// ot and nt are times items were stored, as FreshRSS reads them: an
	// app asks for what came in since its last sync, whatever the date
	// the feed gave the items.
	if ot, err := timeParam(c, "ot"); err != nil {
		return listing{}, err
	} else if !ot.IsZero() {
		last, err := h.lastStoredBefore(c, ot.Add(-storedSlack))
		if err != nil {
			return listing{}, err
		}
		q.AfterID = max(q.AfterID, last)
	}
	if nt, err := timeParam(c, "nt"); err != nil {
		return listing{}, err
	} else if !nt.IsZero() {
		last, err := h.lastStoredBefore(c, nt.Add(storedSlack))
		if err != nil {
			return listing{}, err
		}
		q.BeforeID = before(q.BeforeID, last+1)
	}
	for _, x := range c.form["xt"] {
		switch userState(x) {
		case stateRead:
			q.Unread = true
		case "":
		default:
			return listing{}, badRequest("xt=%q: only %s can be left out", clip(x), stateRead)
		}
	}
	for _, x := range c.form["it"] {
		switch userState(x) {
		case stateRead:
			q.Read = true
		case stateStarred:
			q.Starred = true
		case "":
		default:
			return listing{}, badRequest("it=%q: only %s and %s can be kept", clip(x), stateRead, stateStarred)
		}
	}
	if cont := c.form.Get("c"); cont != "" {
		last, err := parseContinuation(contKey(c), cont)
		if err != nil {
			return listing{}, err
		}
		if q.Oldest {
			q.AfterID = max(q.AfterID, last)
		} else {
			q.BeforeID = before(q.BeforeID, last)
		}
	}
	// One more than asked tells whether there is a next page.
	q.Limit = int(n) + 1
	return listing{id: id, q: q, n: int(n)}, nil
}

// before is the tighter of two BeforeID bounds, 0 meaning none.
func before(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// storedSlack widens ot and nt by the time a fetch may take between
// stamping its items and committing them: an item stamped just before an
// app's last sync, but committed after it, is in the next one.
const storedSlack = 2 * time.Minute

// lastStoredBefore returns the ID of the user's last item stored before
// t, 0 if there is none: the items after it were stored at or after t.
func (h *handler) lastStoredBefore(c *call, t time.Time) (int64, error) {
	return h.r.LastStoredBefore(c.ctx, c.user.ID, t)
}

// timeParam reads a time in seconds (or, past year 5138, microseconds)
// since 1970; zero when absent or 0.
func timeParam(c *call, name string) (time.Time, error) {
	v := strings.TrimSpace(c.form.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, badRequest("%s=%q: want a time in seconds or microseconds since 1970", name, clip(v))
	}
	if n == 0 {
		// FeedMe asks ot=0 for all.
		return time.Time{}, nil
	}
	return unixTime(n), nil
}

// unixTime reads n as seconds, milliseconds or microseconds since 1970,
// by its size: seconds reach 1e11 in the year 5138.
func unixTime(n int64) time.Time {
	switch {
	case n < 1e11:
		return time.Unix(n, 0)
	case n < 1e14:
		return time.UnixMilli(n)
	default:
		return time.UnixMicro(n)
	}
}

// page cuts a listing's extra item and returns the continuation.
func (h *handler) page(c *call, l listing, ids []int64) ([]int64, string) {
	if len(ids) <= l.n {
		return ids, ""
	}
	ids = ids[:l.n]
	return ids, continuation(contKey(c), ids[len(ids)-1])
}

// itemIDs answers stream/items/ids: the stream's item IDs, decimal.
func (h *handler) itemIDs(c *call) error {
	l, err := h.parseListing(c, MaxIDs)
	if err != nil {
		return err
	}
	ids, err := h.r.ItemIDs(c.ctx, c.user.ID, l.q)
	if err != nil {
		return err
	}
	ids, cont := h.page(c, l, ids)
	// Only the ID, as FreshRSS answers: a time would cost reading every
	// item, and the apps read the times from stream/items/contents.
	type ref struct {
		ID string `json:"id"`
	}
	refs := make([]ref, len(ids))
	for i, id := range ids {
		refs[i] = ref{ID: strconv.FormatInt(id, 10)}
	}
	out := map[string]any{"itemRefs": refs}
	if cont != "" {
		out["continuation"] = cont
	}
	return writeJSON(c.w, out)
}

// streamContents answers stream/contents/<stream> and stream/contents?s=.
func (h *handler) streamContents(c *call) error {
	l, err := h.parseListing(c, MaxContents)
	if err != nil {
		return err
	}
	items, _, err := h.r.Items(c.ctx, c.user.ID, l.q)
	if err != nil {
		return err
	}
	cont := ""
	if len(items) > l.n {
		items = items[:l.n]
		cont = continuation(contKey(c), items[len(items)-1].ID)
	}
	out, err := h.contents(c, l.id, items)
	if err != nil {
		return err
	}
	if cont != "" {
		out.Continuation = cont
	}
	return writeJSON(c.w, out)
}

// itemContents answers stream/items/contents: the items i names, in the
// order asked.
func (h *handler) itemContents(c *call) error {
	raw := c.form["i"]
	if len(raw) == 0 {
		return badRequest("name the items with i (one i= per item)")
	}
	if len(raw) > MaxContents {
		return badRequest("%d items asked; ask for %d at most per request", len(raw), MaxContents)
	}
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, err := parseItemID(s)
		if err != nil {
			return err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	items, _, err := h.r.Items(c.ctx, c.user.ID, store.Query{IDs: ids, ByID: true, Limit: len(ids)})
	if err != nil {
		return err
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	slices.SortFunc(items, func(a, b store.Item) int { return pos[a.ID] - pos[b.ID] })
	out, err := h.contents(c, stateReadingList, items)
	if err != nil {
		return err
	}
	return writeJSON(c.w, out)
}

// contentsOut is the answer of stream/contents and stream/items/contents.
type contentsOut struct {
	Direction    string    `json:"direction"`
	ID           string    `json:"id"`
	Title        string    `json:"title,omitempty"`
	Self         []href    `json:"self"`
	Updated      int64     `json:"updated"`
	UpdatedUsec  string    `json:"updatedUsec"`
	Items        []itemOut `json:"items"`
	Continuation string    `json:"continuation,omitempty"`
}

type href struct {
	Href string `json:"href"`
	Type string `json:"type,omitempty"`
}

type itemOut struct {
	ID            string      `json:"id"`
	CrawlTimeMsec string      `json:"crawlTimeMsec"`
	TimestampUsec string      `json:"timestampUsec"`
	Published     int64       `json:"published"`
	Updated       int64       `json:"updated"`
	Title         string      `json:"title"`
	Author        string      `json:"author,omitempty"`
	Canonical     []href      `json:"canonical"`
	Alternate     []href      `json:"alternate"`
	Categories    []string    `json:"categories"`
	Origin        origin      `json:"origin"`
	Summary       content     `json:"summary"`
	Content       content     `json:"content"`
	Enclosure     []enclosure `json:"enclosure,omitempty"`
}

type origin struct {
	StreamID string `json:"streamId"`
	Title    string `json:"title"`
	HTMLURL  string `json:"htmlUrl,omitempty"`
}

type content struct {
	Direction string `json:"direction"`
	Content   string `json:"content"`
}

type enclosure struct {
	Href   string `json:"href"`
	Type   string `json:"type,omitempty"`
	Length string `json:"length,omitempty"`
}

// contents translates items for the stream id. An item's origin has no
// htmlUrl: the item does not carry its feed's site, and listing the
// subscriptions for it doubled the time of a page (subscription/list has
// it).
func (h *handler) contents(c *call, id string, items []store.Item) (contentsOut, error) {
	now := time.Now()
	out := contentsOut{Direction: "ltr", ID: id, Self: []href{{Href: c.req.URL.String()}},
		Updated: now.Unix(), UpdatedUsec: strconv.FormatInt(now.UnixMicro(), 10), Items: make([]itemOut, len(items))}
	for i, it := range items {
		out.Items[i] = itemJSON(it)
	}
	return out, nil
}

func itemJSON(it store.Item) itemOut {
	pub := it.Published
	if pub.IsZero() {
		pub = it.FirstSeen
	}
	upd := it.Updated
	if upd.IsZero() {
		upd = pub
	}
	cats := make([]string, 0, 3+len(it.Tags))
	cats = append(cats, stateReadingList)
	if it.Read {
		cats = append(cats, stateRead)
	}
	if it.Starred {
		cats = append(cats, stateStarred)
	}
	for _, t := range it.Tags {
		cats = append(cats, labelPrefix+t)
	}
	links := []href{}
	if it.URL != "" {
		links = []href{{Href: it.URL, Type: "text/html"}}
	}
	o := itemOut{
		ID:            longID(it.ID),
		CrawlTimeMsec: strconv.FormatInt(it.FirstSeen.UnixMilli(), 10),
		TimestampUsec: strconv.FormatInt(it.FirstSeen.UnixMicro(), 10),
		Published:     pub.Unix(),
		Updated:       upd.Unix(),
		Title:         it.Title,
		Author:        it.Author,
		Canonical:     links,
		Alternate:     links,
		Categories:    cats,
		Origin:        origin{StreamID: feedPrefix + strconv.FormatInt(it.FeedID, 10), Title: it.FeedTitle},
		Summary:       content{Direction: "ltr", Content: it.Content},
		Content:       content{Direction: "ltr", Content: it.Content},
	}
	for _, e := range it.Enclosures {
		en := enclosure{Href: e.URL, Type: e.Type}
		if e.Length > 0 {
			en.Length = strconv.FormatInt(e.Length, 10)
		}
		o.Enclosure = append(o.Enclosure, en)
	}
	return o
}

// unreadCount answers the unread counts per feed and label, and of the
// reading list, each with newestItemTimestampUsec, the time its newest item
// was stored, as FreshRSS gives it ("0" for none).
func (h *handler) unreadCount(c *call) error {
	counts, err := h.r.Counts(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	tags, err := h.r.TagList(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	newest, err := h.r.NewestStored(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	type count struct {
		ID     string `json:"id"`
		Count  int    `json:"count"`
		Newest string `json:"newestItemTimestampUsec"`
	}
	usec := func(t time.Time) string {
		if t.IsZero() {
			return "0"
		}
		return strconv.FormatInt(t.UnixMicro(), 10)
	}
	byTag := map[string]time.Time{}
	var all time.Time
	out := make([]count, 0, len(subs)+len(tags)+1)
	for _, s := range subs {
		t := newest[s.ID]
		out = append(out, count{ID: feedPrefix + strconv.FormatInt(s.ID, 10), Count: counts.Feeds[s.ID], Newest: usec(t)})
		for _, tag := range s.Tags {
			if t.After(byTag[tag]) {
				byTag[tag] = t
			}
		}
		if t.After(all) {
			all = t
		}
	}
	for _, t := range tags {
		out = append(out, count{ID: labelPrefix + t.Name, Count: counts.Tags[t.ID], Newest: usec(byTag[store.NormalizeTag(t.Name)])})
	}
	out = append(out, count{ID: stateReadingList, Count: counts.Total, Newest: usec(all)})
	return writeJSON(c.w, map[string]any{"max": counts.Total, "unreadcounts": out})
}
