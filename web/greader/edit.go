package greader

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
)

// editTag marks the items i names: a= and r= with the read, starred and
// kept-unread states. Every ID is checked before anything is written, and
// each mark is one call of reader.Mark over all the items.
func (h *handler) editTag(c *call) error {
	raw := c.form["i"]
	if len(raw) == 0 {
		return badRequest("name the items with i (one i= per item)")
	}
	if len(raw) > MaxEdit {
		return badRequest("%d items sent; send %d at most per request", len(raw), MaxEdit)
	}
	var marks []reader.Mark
	tracking := false
	for _, field := range []string{"a", "r"} {
		for _, t := range c.form[field] {
			// Liferea follows each mark unread with a=tracking-kept-unread,
			// Google Reader's record of who kept what unread: nothing to
			// keep here.
			if strings.HasPrefix(userState(strings.TrimSpace(t)), trackingPrefix) {
				tracking = true
				continue
			}
			m, err := tagMark(t, field == "a")
			if err != nil {
				return err
			}
			if !slices.Contains(marks, m) {
				marks = append(marks, m)
			}
		}
	}
	if len(marks) == 0 && !tracking {
		return badRequest("say what to change with a= or r= (%s or %s)", stateRead, stateStarred)
	}
	for _, m := range marks {
		if slices.Contains(marks, opposite(m)) {
			return badRequest("the request both adds and removes the %s state", strings.TrimPrefix(m.String(), "un"))
		}
	}
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, err := parseItemID(s)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	found, err := h.r.ItemIDs(c.ctx, c.user.ID, store.Query{IDs: ids})
	if err != nil {
		return err
	}
	if len(found) != len(ids) {
		slices.Sort(found)
		for _, id := range ids {
			if _, ok := slices.BinarySearch(found, id); !ok {
				return errorf(http.StatusNotFound, "no item %s among yours; nothing was changed", longID(id))
			}
		}
	}
	for _, m := range marks {
		if _, err := h.r.Mark(c.ctx, c.user.ID, ids, m); err != nil {
			return err
		}
	}
	return writeOK(c.w)
}

// tagMark is the mark of adding (or removing) the state t.
func tagMark(t string, add bool) (reader.Mark, error) {
	switch userState(strings.TrimSpace(t)) {
	case stateRead:
		if add {
			return reader.MarkRead, nil
		}
		return reader.MarkUnread, nil
	case stateKeptUnread:
		if add {
			return reader.MarkUnread, nil
		}
		return reader.MarkRead, nil
	case stateStarred:
		if add {
			return reader.MarkStarred, nil
		}
		return reader.MarkUnstarred, nil
	}
	if strings.HasPrefix(userState(t), labelPrefix) {
		return 0, badRequest("tidings labels feeds, not items: %q cannot be put on an item; label its feed with subscription/edit", clip(t))
	}
	return 0, badRequest("unknown state %q: the states are %s and %s", clip(t), stateRead, stateStarred)
}

func opposite(m reader.Mark) reader.Mark {
	switch m {
	case reader.MarkRead:
		return reader.MarkUnread
	case reader.MarkUnread:
		return reader.MarkRead
	case reader.MarkStarred:
		return reader.MarkUnstarred
	}
	return reader.MarkStarred
}

// markAllRead marks read the stream's items stored at or before ts
// (seconds or microseconds, as timestampUsec), all of them without ts.
func (h *handler) markAllRead(c *call) error {
	s := c.form.Get("s")
	if s == "" {
		return badRequest("name the stream to mark read with s")
	}
	st, err := h.parseStream(c, s)
	if err != nil {
		return err
	}
	ts, err := timeParam(c, "ts")
	if err != nil {
		return err
	}
	q := st.q
	if !ts.IsZero() {
		// ts is the time the newest item the app showed was stored (its
		// timestampUsec): that one and those before it, no later one.
		last, err := h.lastStoredBefore(c, ts.Add(time.Microsecond))
		if err != nil {
			return err
		}
		q.BeforeID = last + 1
	}
	if _, err := h.r.MarkAllRead(c.ctx, c.user.ID, q); err != nil {
		return err
	}
	return writeOK(c.w)
}

// tagList answers the starred state and the user's tags, as folders.
func (h *handler) tagList(c *call) error {
	tags, err := h.r.TagList(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	type tag struct {
		ID          string `json:"id"`
		Type        string `json:"type,omitempty"`
		UnreadCount *int   `json:"unread_count,omitempty"`
	}
	out := []tag{{ID: stateStarred}}
	for _, t := range tags {
		n := t.Unread
		out = append(out, tag{ID: labelPrefix + t.Name, Type: "folder", UnreadCount: &n})
	}
	return writeJSON(c.w, map[string]any{"tags": out})
}

// subscriptionList answers the user's feeds, their tags as categories.
func (h *handler) subscriptionList(c *call) error {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	type category struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	}
	type sub struct {
		ID         string     `json:"id"`
		Title      string     `json:"title"`
		Categories []category `json:"categories"`
		URL        string     `json:"url"`
		HTMLURL    string     `json:"htmlUrl"`
		IconURL    string     `json:"iconUrl"`
		SortID     string     `json:"sortid"`
	}
	out := make([]sub, len(subs))
	for i, s := range subs {
		cats := make([]category, len(s.Tags))
		for j, t := range s.Tags {
			cats[j] = category{ID: labelPrefix + t, Label: t}
		}
		title := s.UserTitle
		if title == "" {
			title = s.Title
		}
		if title == "" {
			title = s.URL
		}
		out[i] = sub{ID: feedPrefix + strconv.FormatInt(s.ID, 10), Title: title, Categories: cats,
			URL: s.URL, HTMLURL: s.SiteURL, IconURL: s.IconURL, SortID: strconv.FormatInt(s.ID, 16)}
	}
	return writeJSON(c.w, map[string]any{"subscriptions": out})
}

// label reads "user/-/label/<tag>" to its tag.
func label(s string) (string, error) {
	t, ok := strings.CutPrefix(userState(strings.TrimSpace(s)), labelPrefix)
	if !ok || strings.TrimSpace(t) == "" {
		return "", badRequest("%q is not a label: want %s<tag>", clip(s), labelPrefix)
	}
	return t, nil
}

func labels(vs []string) ([]string, error) {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) == "" {
			continue
		}
		t, err := label(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// firstChoice takes the first feed a page offers.
func firstChoice(context.Context, string, []fetch.Candidate) (int, error) { return 0, nil }

// subscriptionEdit subscribes (ac=subscribe), unsubscribes
// (ac=unsubscribe) or edits (ac=edit: title t, labels a= and r=) the feeds
// that s names. Every stream is checked before anything changes.
func (h *handler) subscriptionEdit(c *call) error {
	ac := c.form.Get("ac")
	streams := c.form["s"]
	if len(streams) == 0 {
		return badRequest("name the feeds with s=feed/<id> or s=feed/<url>")
	}
	if len(streams) > 100 {
		return badRequest("%d feeds sent; send 100 at most per request", len(streams))
	}
	add, err := labels(c.form["a"])
	if err != nil {
		return err
	}
	remove, err := labels(c.form["r"])
	if err != nil {
		return err
	}
	titles := c.form["t"]
	title := func(i int) string {
		if i < len(titles) {
			return titles[i]
		}
		return ""
	}
	switch ac {
	case "subscribe":
		urls := make([]string, len(streams))
		for i, s := range streams {
			u, ok := strings.CutPrefix(strings.TrimSpace(s), feedPrefix)
			if !ok || u == "" {
				return badRequest("subscribe to s=feed/<url>, not %q", clip(s))
			}
			urls[i] = u
		}
		for i, u := range urls {
			if _, err := h.r.Subscribe(c.ctx, c.user.ID, reader.SubscribeRequest{URL: u, Title: title(i), Tags: add, Choose: firstChoice}); err != nil {
				return err
			}
		}
		return writeOK(c.w)
	case "unsubscribe", "edit":
	default:
		return badRequest("ac=%q: want subscribe, unsubscribe or edit", clip(ac))
	}
	subs := make([]store.Subscription, len(streams))
	for i, s := range streams {
		f, ok := strings.CutPrefix(strings.TrimSpace(s), feedPrefix)
		if !ok {
			return badRequest("name a feed as feed/<id> or feed/<url>, not %q", clip(s))
		}
		if subs[i], err = h.feedByStream(c, f); err != nil {
			return err
		}
	}
	for i, s := range subs {
		if ac == "unsubscribe" {
			if _, err := h.r.Unsubscribe(c.ctx, c.user.ID, s.URL); err != nil {
				return err
			}
			continue
		}
		e := reader.Edit{AddTags: add}
		for _, t := range remove {
			if slices.Contains(s.Tags, store.NormalizeTag(t)) {
				e.RemoveTags = append(e.RemoveTags, t)
			}
		}
		if t := strings.TrimSpace(title(i)); t != "" {
			e.Title = &t
		}
		if e.Title == nil && len(e.AddTags) == 0 && len(e.RemoveTags) == 0 {
			continue
		}
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, e); err != nil {
			return err
		}
	}
	return writeOK(c.w)
}

// quickAdd subscribes to the URL quickadd names, a feed or a page whose
// first feed is taken.
func (h *handler) quickAdd(c *call) error {
	u := strings.TrimSpace(c.form.Get("quickadd"))
	u = strings.TrimPrefix(u, feedPrefix)
	if u == "" {
		return badRequest("name the feed or page to subscribe to with quickadd=<url>")
	}
	sub, err := h.r.Subscribe(c.ctx, c.user.ID, reader.SubscribeRequest{URL: u, Choose: firstChoice})
	if err != nil {
		return err
	}
	title := sub.UserTitle
	if title == "" {
		title = sub.Title
	}
	return writeJSON(c.w, map[string]any{
		"numResults": 1,
		"query":      u,
		"streamId":   feedPrefix + strconv.FormatInt(sub.ID, 10),
		"streamName": title,
	})
}

// export answers the user's subscriptions as OPML.
func (h *handler) export(c *call) error {
	c.w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="tidings.opml"`)
	return h.r.Export(c.ctx, c.user.ID, c.w)
}

// importOPML subscribes to the feeds of the OPML document in the body, all
// or none.
func (h *handler) importOPML(c *call) error {
	if c.req.ContentLength > MaxImport {
		return errorf(http.StatusRequestEntityTooLarge, "the OPML document is larger than %d bytes", MaxImport)
	}
	res, err := h.r.Import(c.ctx, c.user.ID, http.MaxBytesReader(c.w, c.req.Body, MaxImport), nil)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return badRequest("%v", err)
	}
	if len(res.Added) == 0 && len(res.Skipped) == 0 {
		return badRequest("the document has no feed to subscribe to")
	}
	return writeOK(c.w)
}

// tagged returns the user's subscriptions with the tag, refusing when one
// of them is a config file's (which would leave the change half made).
func (h *handler) tagged(c *call, tag string) ([]store.Subscription, error) {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return nil, err
	}
	var out []store.Subscription
	t := store.NormalizeTag(tag)
	for _, s := range subs {
		if !slices.Contains(s.Tags, t) {
			continue
		}
		if s.Origin == store.OriginConfig {
			return nil, &store.DeclaredError{URL: s.URL, File: s.ConfigFile, Line: s.ConfigLine}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errorf(http.StatusNotFound, "no feed of yours is labelled %q", tag)
	}
	return out, nil
}

// renameTag renames the label s to dest on every feed that has it.
func (h *handler) renameTag(c *call) error {
	from, err := label(c.form.Get("s"))
	if err != nil {
		return err
	}
	to, err := label(c.form.Get("dest"))
	if err != nil {
		return err
	}
	if _, err := reader.Tags([]string{to}); err != nil {
		return err
	}
	subs, err := h.tagged(c, from)
	if err != nil {
		return err
	}
	for _, s := range subs {
		e := reader.Edit{RemoveTags: []string{from}}
		if !slices.Contains(s.Tags, store.NormalizeTag(to)) {
			e.AddTags = []string{to}
		}
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, e); err != nil {
			return err
		}
	}
	return writeOK(c.w)
}

// disableTag removes the label s from every feed that has it.
func (h *handler) disableTag(c *call) error {
	t, err := label(c.form.Get("s"))
	if err != nil {
		return err
	}
	subs, err := h.tagged(c, t)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, reader.Edit{RemoveTags: []string{t}}); err != nil {
			return err
		}
	}
	return writeOK(c.w)
}
