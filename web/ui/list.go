package ui

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tidings/reader"
	"tidings/store"
)

// The lists: their path, and the word of the "from" parameter of an item
// page that came from them.
var kinds = map[string]string{
	"unread":  "/",
	"all":     "/all",
	"starred": "/starred",
	"history": "/history",
	"search":  "/search",
}

var kindTitles = map[string]string{
	"unread": "Unread", "all": "All items", "starred": "Starred", "history": "Read history", "search": "Search",
}

// listParams say which list a page shows: the kind, a feed or a tag, a
// search, the page position, and the item open beside it.
type listParams struct {
	Kind string
	Feed int64
	Tag  string
	Q    string
	At   string // the store's cursor of the page
}

// parseList reads and checks a list's parameters from the query. kind
// is the list's, or "" to read it from "from" (an item page).
func parseList(r *http.Request, kind string) (listParams, error) {
	q := r.URL.Query()
	for k, vs := range q {
		if len(vs) > 1 {
			return listParams{}, badRequest("The parameter %q is given %d times; give it once.", k, len(vs))
		}
		if len(vs[0]) > MaxParam {
			return listParams{}, badRequest("The parameter %q is longer than %d bytes.", k, MaxParam)
		}
		if !validText(vs[0]) {
			return listParams{}, badRequest("The parameter %q has control characters or is not valid UTF-8.", k)
		}
	}
	lp := listParams{Kind: kind}
	if kind == "" {
		lp.Kind = cmp.Or(q.Get("from"), "unread")
		if _, ok := kinds[lp.Kind]; !ok {
			return lp, badRequest("The list %q is none of unread, all, starred, history or search.", lp.Kind)
		}
	}
	if s := q.Get("feed"); s != "" {
		id, err := parseID("The feed", s)
		if err != nil {
			return lp, err
		}
		lp.Feed = id
	}
	if s := q.Get("tag"); s != "" {
		if lp.Feed != 0 {
			return lp, badRequest("Give a feed or a tag, not both.")
		}
		lp.Tag = store.NormalizeTag(s)
		if lp.Tag == "" {
			return lp, badRequest("The tag is empty.")
		}
	}
	lp.Q = strings.TrimSpace(q.Get("q"))
	if lp.Kind == "search" {
		if lp.Q == "" {
			return lp, badRequest("Type something to search for.")
		}
		if n := utf8.RuneCountInString(lp.Q); n > store.MaxSearchLength {
			return lp, badRequest("The search is %d characters long; at most %d are searched. Shorten it.", n, store.MaxSearchLength)
		}
	} else {
		lp.Q = ""
	}
	lp.At = q.Get("at")
	if lp.At != "" && !cursorLike(lp.At) {
		return lp, badRequest("The page position %q is not one this server gave; start again from the first page.", clip(lp.At, 40))
	}
	return lp, nil
}

// cursorLike tells whether s could be a cursor the store gave: short,
// printable, URL-safe.
func cursorLike(s string) bool {
	if len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.~=:+/", c)) {
			return false
		}
	}
	return true
}

// values are the list's parameters as a query, without the kind.
func (lp listParams) values(withAt bool) url.Values {
	v := url.Values{}
	if lp.Feed != 0 {
		v.Set("feed", strconv.FormatInt(lp.Feed, 10))
	}
	if lp.Tag != "" {
		v.Set("tag", lp.Tag)
	}
	if lp.Q != "" {
		v.Set("q", lp.Q)
	}
	if withAt && lp.At != "" {
		v.Set("at", lp.At)
	}
	return v
}

// URL is the list's address, at its page.
func (lp listParams) URL() string { return withQuery(kinds[lp.Kind], lp.values(true)) }

// FirstURL is the list's address at its first page.
func (lp listParams) FirstURL() string { return withQuery(kinds[lp.Kind], lp.values(false)) }

// itemURL is the address of an item opened from the list's page.
func (lp listParams) itemURL(id int64) string {
	v := lp.values(true)
	if lp.Kind != "unread" {
		v.Set("from", lp.Kind)
	}
	return withQuery("/item/"+strconv.FormatInt(id, 10), v)
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// query is the store query of the list's page.
func (lp listParams) query(p store.Prefs) store.Query {
	q := store.Query{FeedID: lp.Feed, Tag: lp.Tag, Limit: PageSize, Cursor: lp.At, Oldest: p.Oldest}
	switch lp.Kind {
	case "unread":
		q.Unread = true
	case "starred":
		q.Starred = true
	case "history":
		q.Read, q.Oldest = true, false
	case "search":
		q.Search, q.Oldest = lp.Q, false
	}
	return q
}

// listPage is what the list template shows.
type listPage struct {
	*page
	List    listParams
	Heading string
	Items   []listItem
	// MoreURL is the next page ("" at the end); Bound is the ID above
	// every item stored when the page was made, which "mark all read"
	// does not go past.
	MoreURL string
	Bound   int64
	PageIDs string
	// CanMarkAll is true for lists of items that may be unread.
	CanMarkAll bool
	Empty      string
	// Open is the item shown beside the list, if any.
	Open *itemView
}

// listItem is one row of a list.
type listItem struct {
	ID       int64
	Title    []segment
	Snippet  []segment
	URL      string
	Link     string
	Feed     string
	FeedID   int64
	Date     time.Time
	Read     bool
	Starred  bool
	Selected bool
}

// list serves the lists: unread, all, starred, read history, search.
func (h *handler) list(c *call) error {
	kind := "unread"
	switch p := c.req.URL.Path; p {
	case "/all", "/starred", "/history", "/search":
		kind = p[1:]
	}
	lp, err := parseList(c.req, kind)
	if err != nil {
		return err
	}
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	lpg, err := h.listView(c, lp, 0)
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "list", lpg)
	return nil
}

// listView loads a list's page, with the item open (if not 0) beside it.
func (h *handler) listView(c *call, lp listParams, open int64) (*listPage, error) {
	nv, err := h.nav(c, lp)
	if err != nil {
		return nil, err
	}
	heading := kindTitles[lp.Kind]
	switch {
	case lp.Feed != 0:
		heading = nv.feedName + " · " + heading
	case lp.Tag != "":
		heading = "#" + lp.Tag + " · " + heading
	case lp.Kind == "search":
		heading = "Search: " + lp.Q
	}
	pg := h.basePage(c, heading)
	pg.Nav = nv.view
	lpg := &listPage{page: pg, List: lp, Heading: heading,
		CanMarkAll: lp.Kind == "unread" || lp.Kind == "all"}
	var openItem store.Item
	if open != 0 {
		// An item that is not the user's is a 404 before anything else.
		openItem, err = h.r.Item(c.ctx, c.user.ID, open)
		if err != nil {
			return nil, err
		}
	}
	q := lp.query(c.prefs)
	items, next, err := h.r.Items(c.ctx, c.user.ID, q)
	if err != nil {
		if lp.At != "" && !errors.Is(err, store.ErrQueryTimeout) && c.ctx.Err() == nil && !errors.Is(err, store.ErrSearchTooLong) {
			return nil, badRequest("The page position is not one this server gave; start again from the first page.")
		}
		return nil, err
	}
	if lpg.CanMarkAll {
		// The newest item stored now bounds "mark all read": items that
		// arrive after the page was made stay unread.
		// Any of the user's items will do: mark-all filters by the list
		// again, and the newest of all is the cheapest to find.
		ids, err := h.r.ItemIDs(c.ctx, c.user.ID, store.Query{ByID: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			lpg.Bound = ids[0] + 1
		}
	}
	var hl highlighter
	if lp.Kind == "search" {
		hl = newHighlighter(lp.Q)
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		li := listItem{ID: it.ID, Title: hl.mark(displayTitle(it.Title)), URL: lp.itemURL(it.ID), Link: it.URL,
			Feed: it.FeedTitle, FeedID: it.FeedID, Date: it.Published, Read: it.Read, Starred: it.Starred,
			Selected: it.ID == open}
		if lp.Kind == "search" {
			li.Snippet = hl.snippet(textOf(it.Content), 220)
		}
		if li.Feed == "" {
			li.Feed = it.FeedURL
		}
		lpg.Items = append(lpg.Items, li)
		ids = append(ids, strconv.FormatInt(it.ID, 10))
	}
	lpg.PageIDs = strings.Join(ids, ",")
	if next != "" {
		more := lp
		more.At = next
		lpg.MoreURL = more.URL()
	}
	if len(items) == 0 {
		switch lp.Kind {
		case "unread":
			lpg.Empty = "Nothing unread. New items show here as feeds bring them."
		case "starred":
			lpg.Empty = "No starred items yet: star an item (key s) to keep it here."
		case "search":
			lpg.Empty = "Nothing matches."
		default:
			lpg.Empty = "No items here."
		}
		if lp.At != "" {
			lpg.Empty = "No more items."
		}
	}
	if open != 0 {
		iv, err := h.openItem(c, lp, openItem, items, next)
		if err != nil {
			return nil, err
		}
		lpg.Open = iv
		lpg.Title = displayTitle(openItem.Title)
		for i := range lpg.Items {
			if lpg.Items[i].ID == open {
				lpg.Items[i].Read = iv.Read
			}
		}
	}
	return lpg, nil
}

// displayTitle is an item's title to show: "(untitled)" for none.
func displayTitle(t string) string {
	if strings.TrimSpace(t) == "" {
		return "(untitled)"
	}
	return t
}

// navView is the side pane: the lists, tags and feeds with unread counts.
type navView struct {
	Total   int
	Starred bool
	Kind    string
	Tags    []navEntry
	Feeds   []navEntry
	// Hidden counts the feeds left out because nothing in them is unread.
	Hidden int
	// Many counts the feeds with unread items when there are too many to
	// list (navFeeds).
	Many int
}

// navEntry is a tag or a feed in the side pane.
type navEntry struct {
	Name    string
	URL     string
	Unread  int
	Current bool
}

type navData struct {
	view     *navView
	feedName string
}

// navFeeds is how many feeds the side pane lists at most: a reader with
// more finds them on the feeds page and by tag, and their page stays
// light and fast (listing 1,000 subscriptions took 12 ms of SQLite).
const navFeeds = 200

// nav loads the side pane, checking the list's feed and tag: an unknown
// one is a 404.
func (h *handler) nav(c *call, lp listParams) (navData, error) {
	counts, err := h.r.Counts(c.ctx, c.user.ID)
	if err != nil {
		return navData{}, err
	}
	tags, err := h.r.TagList(c.ctx, c.user.ID)
	if err != nil {
		return navData{}, err
	}
	kind := lp.Kind
	if kind == "search" {
		kind = "unread"
	}
	nv := &navView{Kind: lp.Kind, Total: counts.Total}
	var nd navData
	if lp.Feed != 0 {
		s, err := h.r.SubscriptionByID(c.ctx, c.user.ID, lp.Feed)
		if errors.Is(err, store.ErrNotFound) {
			return nd, errorf(http.StatusNotFound, "You follow no feed with ID %d.", lp.Feed)
		}
		if err != nil {
			return nd, err
		}
		nd.feedName = s.Name()
	}
	if len(counts.Feeds) <= navFeeds {
		subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
		if err != nil {
			return navData{}, err
		}
		for _, s := range subs {
			cur := s.ID == lp.Feed
			if s.Unread == 0 && !cur {
				nv.Hidden++
				continue
			}
			u := listParams{Kind: kind, Feed: s.ID}
			nv.Feeds = append(nv.Feeds, navEntry{Name: s.Name(), URL: u.URL(), Unread: s.Unread, Current: cur})
		}
		slices.SortFunc(nv.Feeds, func(a, b navEntry) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.URL, b.URL))
		})
	} else {
		for _, n := range counts.Feeds {
			if n > 0 {
				nv.Many++
			}
		}
		if lp.Feed != 0 {
			u := listParams{Kind: kind, Feed: lp.Feed}
			nv.Feeds = []navEntry{{Name: nd.feedName, URL: u.URL(), Unread: counts.Feeds[lp.Feed], Current: true}}
		}
	}
	foundTag := lp.Tag == ""
	for _, t := range tags {
		cur := t.Name == lp.Tag
		foundTag = foundTag || cur
		u := listParams{Kind: kind, Tag: t.Name}
		nv.Tags = append(nv.Tags, navEntry{Name: t.Name, URL: u.URL(), Unread: t.Unread, Current: cur})
	}
	if !foundTag {
		return nd, errorf(http.StatusNotFound, "None of your feeds is tagged %q.", lp.Tag)
	}
	nd.view = nv
	return nd, nil
}

// markAll marks read the items of a list that were stored when its page
// was made (before), or those of them up to an item (upto): one request
// and one store statement, however many.
func (h *handler) markAll(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	kind, _ := c.value("from")
	kind = cmp.Or(kind, "unread")
	if kind != "unread" && kind != "all" {
		return badRequest("Only the unread and all lists are marked read at once, not %q.", clip(kind, 20))
	}
	lp := listParams{Kind: kind}
	q := store.Query{}
	if s, err := c.value("feed"); err != nil {
		return err
	} else if s != "" {
		id, err := parseID("The feed", s)
		if err != nil {
			return err
		}
		if _, err := h.r.SubscriptionByID(c.ctx, c.user.ID, id); err != nil {
			return err
		}
		q.FeedID, lp.Feed = id, id
	}
	if s, err := c.value("tag"); err != nil {
		return err
	} else if s != "" {
		q.Tag, lp.Tag = s, store.NormalizeTag(s)
	}
	s, err := c.value("before")
	if err != nil {
		return err
	}
	if s == "" {
		return badRequest("The form lacks the page's bound (before); reload the page and try again.")
	}
	if q.BeforeID, err = parseID("The bound", s); err != nil {
		return err
	}
	if s, err := c.value("upto"); err != nil {
		return err
	} else if s != "" {
		id, err := parseID("The item", s)
		if err != nil {
			return err
		}
		it, err := h.r.Item(c.ctx, c.user.ID, id)
		if err != nil {
			return err
		}
		if err := h.loadPrefs(c); err != nil {
			return err
		}
		// Up to here: this item and those listed above it.
		if c.prefs.Oldest {
			q.Until = it.Published.Add(time.Millisecond)
		} else {
			q.Since = it.Published
		}
	}
	if _, err := h.r.MarkAllRead(c.ctx, c.user.ID, q); err != nil {
		return err
	}
	return c.done(lp.FirstURL())
}

// mark applies a mark (as: read, unread, starred, unstarred) to items
// named by id (repeated) or ids (comma-separated): at most MaxIDs.
func (h *handler) mark(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	var m reader.Mark
	switch as := c.req.PostForm.Get("as"); as {
	case "read":
		m = reader.MarkRead
	case "unread":
		m = reader.MarkUnread
	case "starred":
		m = reader.MarkStarred
	case "unstarred":
		m = reader.MarkUnstarred
	default:
		return badRequest("Mark as %q? Say read, unread, starred or unstarred.", clip(as, 20))
	}
	var ids []int64
	add := func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		if len(ids) >= MaxIDs {
			return badRequest("At most %d items are marked at once.", MaxIDs)
		}
		id, err := parseID("The item", s)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}
	for _, s := range c.req.PostForm["id"] {
		if err := add(s); err != nil {
			return err
		}
	}
	for _, list := range c.req.PostForm["ids"] {
		for s := range strings.SplitSeq(list, ",") {
			if err := add(s); err != nil {
				return err
			}
		}
	}
	if len(ids) == 0 {
		return badRequest("No item to mark: the form names none.")
	}
	if _, err := h.r.Mark(c.ctx, c.user.ID, ids, m); err != nil {
		return err
	}
	return c.done("/")
}

// validText tells whether s is valid UTF-8 without control characters
// other than tab and newlines.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

// clip cuts s to n characters for quoting in a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
