package ui

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/fetch"
	"tidings/opml"
	"tidings/reader"
	"tidings/store"
)

// feedRow is a subscription as the feeds pages show it.
type feedRow struct {
	ID       int64
	Name     string
	URL      string
	SiteURL  string
	Tags     []string
	Unread   int
	Items    int
	State    []string
	Failing  bool
	Gone     bool
	Config   bool
	Title    string // the user's own title
	Schedule string
	// FullContent: the user asks for the whole article of each new item.
	FullContent bool
	ItemsURL    string
}

// feedsPage is what the feeds template shows.
type feedsPage struct {
	*page
	Feeds      []feedRow
	CanFetch   bool
	Choose     []fetch.Candidate
	ChooseURL  string
	ChooseTags string
	Imported   *reader.Imported
	Feed       *feedRow
}

// describe says a feed's state in words: last fetch, last error, next
// fetch and why, moved, gone.
func (h *handler) describe(s store.Subscription, now time.Time) []string {
	st := s.State
	var out []string
	switch {
	case st.Gone:
		out = append(out, "Gone: the server answered 410 Gone, so it is not fetched any more. Refresh it to try once more, or unsubscribe.")
	case st.LastFetch.IsZero():
		out = append(out, "Not fetched yet; it is fetched at the next round.")
	default:
		line := "Last fetched " + ago(st.LastFetch, now) + "."
		if st.LastError != "" && !st.LastSuccess.IsZero() {
			line += " Last success " + ago(st.LastSuccess, now) + "."
		}
		out = append(out, line)
	}
	if st.LastError != "" {
		line := "Last error: " + sentence(st.LastError)
		if st.ErrorCount > 1 {
			line += " (" + strconv.Itoa(st.ErrorCount) + " failures in a row.)"
		}
		out = append(out, line)
	}
	if !st.Gone && !st.NextDue.IsZero() {
		why := ""
		switch st.WaitReason {
		case store.WaitSchedule:
			sched := cmp.Or(s.Schedule, "the default schedule")
			why = " on its schedule (" + sched + ")"
		case store.WaitServer:
			why = ", when the server's caching headers or the feed's own update period allow"
		case store.WaitRetryAfter:
			why = ", as the server asked (Retry-After)"
		case store.WaitBackoff:
			why = ": it failed, so it waits longer after each failure"
		case store.WaitNew:
			why = ", its first fetch"
		}
		out = append(out, "Next fetch "+until(st.NextDue, now)+why+".")
	}
	if s.MovedFrom != "" {
		out = append(out, "Moved for good from "+s.MovedFrom+".")
	}
	if s.FetchURL != "" {
		out = append(out, "Fetched from "+s.FetchURL+", where it moved for good; update its URL in "+s.ConfigFile+".")
	}
	if st.RedirectURL != "" {
		out = append(out, "Redirects for good to "+st.RedirectURL+"; it moves there if that lasts.")
	}
	if s.Origin == store.OriginConfig {
		out = append(out, fmt.Sprintf("Declared in %s at line %d: edit or remove it there.", s.ConfigFile, s.ConfigLine))
	}
	return out
}

func (h *handler) row(s store.Subscription) feedRow {
	return feedRow{ID: s.ID, Name: s.Name(), URL: s.URL, SiteURL: s.SiteURL, Tags: s.Tags, Unread: s.Unread,
		Items: s.Items, State: h.describe(s, h.now()), Failing: s.State.LastError != "", Gone: s.State.Gone,
		Config: s.Origin == store.OriginConfig, Title: s.UserTitle, Schedule: s.Schedule,
		FullContent: s.FullContent, ItemsURL: listParams{Kind: "all", Feed: s.ID}.URL()}
}

// feeds is /feeds: every subscription with its state, the subscribe and
// import forms.
func (h *handler) feeds(c *call) error {
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	return h.feedsWith(c, http.StatusOK, &feedsPage{})
}

func (h *handler) feedsWith(c *call, status int, fp *feedsPage) error {
	subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(subs, func(a, b store.Subscription) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name()), strings.ToLower(b.Name())), cmp.Compare(a.URL, b.URL))
	})
	fp.page = h.basePage(c, "Feeds")
	fp.CanFetch = h.f != nil
	for _, s := range subs {
		fp.Feeds = append(fp.Feeds, h.row(s))
	}
	h.render(c, status, "feeds", fp)
	return nil
}

// feedPage is /feeds/{id}: one feed's state and its edit forms.
func (h *handler) feedPage(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	s, err := h.r.SubscriptionByID(c.ctx, c.user.ID, id)
	if err != nil {
		return err
	}
	row := h.row(s)
	fp := &feedsPage{page: h.basePage(c, row.Name), Feed: &row, CanFetch: h.f != nil}
	h.render(c, http.StatusOK, "feed", fp)
	return nil
}

// chooseError carries the feeds a page offers back to the form.
type chooseError struct {
	page  string
	cands []fetch.Candidate
}

func (e *chooseError) Error() string { return "the page offers several feeds" }

// splitTags reads a tags field: words separated by spaces or commas.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// subscribe subscribes to a feed or page URL; a page with several feeds
// answers with the choice of them, each a form subscribing to that feed.
func (h *handler) subscribe(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	u, err := c.value("url")
	if err != nil {
		return err
	}
	if strings.TrimSpace(u) == "" {
		return badRequest("Give the address of a feed, or of a web page that links to one.")
	}
	tagText, err := c.value("tags")
	if err != nil {
		return err
	}
	title, err := c.value("title")
	if err != nil {
		return err
	}
	req := reader.SubscribeRequest{URL: u, Title: title, Tags: splitTags(tagText), NoFetch: h.f == nil,
		Choose: func(_ context.Context, page string, cands []fetch.Candidate) (int, error) {
			return 0, &chooseError{page: page, cands: cands}
		}}
	added, err := h.r.Subscribe(c.ctx, c.user.ID, req)
	var ce *chooseError
	if errors.As(err, &ce) {
		if err := h.loadPrefs(c); err != nil {
			return err
		}
		return h.feedsWith(c, http.StatusOK, &feedsPage{Choose: ce.cands, ChooseURL: ce.page, ChooseTags: tagText})
	}
	if err != nil {
		return err
	}
	return c.done("/feeds/" + strconv.FormatInt(added.ID, 10))
}

// editFeed changes a feed's title, tags, schedule and whether its whole
// articles are fetched: the form sends them all as they should be.
func (h *handler) editFeed(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	if err := c.form(); err != nil {
		return err
	}
	s, err := h.r.SubscriptionByID(c.ctx, c.user.ID, id)
	if err != nil {
		return err
	}
	var e reader.Edit
	if _, ok := c.req.PostForm["title"]; ok {
		t, err := c.value("title")
		if err != nil {
			return err
		}
		if strings.TrimSpace(t) != s.UserTitle {
			e.Title = &t
		}
	}
	if _, ok := c.req.PostForm["schedule"]; ok {
		sc, err := c.value("schedule")
		if err != nil {
			return err
		}
		if strings.TrimSpace(sc) != s.Schedule {
			e.Schedule = &sc
		}
	}
	if _, ok := c.req.PostForm["tags"]; ok {
		tt, err := c.value("tags")
		if err != nil {
			return err
		}
		want, err := reader.Tags(splitTags(tt))
		if err != nil {
			return err
		}
		for _, t := range want {
			if !slices.Contains(s.Tags, t) {
				e.AddTags = append(e.AddTags, t)
			}
		}
		for _, t := range s.Tags {
			if !slices.Contains(want, t) {
				e.RemoveTags = append(e.RemoveTags, t)
			}
		}
	}
	// An unchecked box sends nothing: the form says it holds one.
	full, setFull := s.FullContent, false
	if _, ok := c.req.PostForm["full_content_shown"]; ok {
		full = c.req.PostForm.Get("full_content") == "on"
		setFull = full != s.FullContent
	}
	back := "/feeds/" + strconv.FormatInt(id, 10)
	if e.Title != nil || e.Schedule != nil || len(e.AddTags) > 0 || len(e.RemoveTags) > 0 {
		if _, err := h.r.Edit(c.ctx, c.user.ID, s.URL, e); err != nil {
			return err
		}
	}
	if setFull {
		if _, err := h.r.SetFullContent(c.ctx, c.user.ID, s.URL, full); err != nil {
			return err
		}
	}
	return c.done(back)
}

// unsubscribe ends a subscription.
func (h *handler) unsubscribe(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	if err := c.form(); err != nil {
		return err
	}
	s, err := h.r.SubscriptionByID(c.ctx, c.user.ID, id)
	if err != nil {
		return err
	}
	if _, err := h.r.Unsubscribe(c.ctx, c.user.ID, s.URL); err != nil {
		return err
	}
	if c.req.Header.Get("X-CSRF-Token") != "" {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(c.w, c.req, "/feeds", http.StatusSeeOther)
	return nil
}

// refresh fetches a feed now (feed), the feeds of a tag (tag), or all the
// user's feeds.
func (h *handler) refresh(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	if h.f == nil {
		return errorf(http.StatusNotImplemented, "This server fetches no feeds (it was started without fetching).")
	}
	var urls []string
	fs, err := c.value("feed")
	if err != nil {
		return err
	}
	tag, err := c.value("tag")
	if err != nil {
		return err
	}
	if fs != "" {
		id, err := parseID("The feed", fs)
		if err != nil {
			return err
		}
		s, err := h.r.SubscriptionByID(c.ctx, c.user.ID, id)
		if err != nil {
			return err
		}
		urls = []string{s.URL}
	} else {
		subs, err := h.r.Subscriptions(c.ctx, c.user.ID)
		if err != nil {
			return err
		}
		tag = store.NormalizeTag(tag)
		for _, s := range subs {
			if tag == "" || slices.Contains(s.Tags, tag) {
				urls = append(urls, s.URL)
			}
		}
	}
	if _, err := h.r.Refresh(c.ctx, c.user.ID, urls); err != nil {
		return err
	}
	return c.done("/feeds")
}

// importOPML subscribes to the feeds of an uploaded OPML document, all or
// none.
func (h *handler) importOPML(c *call) error {
	if c.req.ContentLength > MaxOPML {
		return errorf(http.StatusRequestEntityTooLarge, "The file is larger than %d MB.", MaxOPML>>20)
	}
	c.req.Body = http.MaxBytesReader(c.w, c.req.Body, MaxOPML+64<<10)
	if err := c.req.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("Send the OPML file in the form's file field: %v.", err)
	}
	defer c.req.MultipartForm.RemoveAll()
	f, _, err := c.req.FormFile("opml")
	if err != nil {
		return badRequest("Choose an OPML file to import.")
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, MaxOPML+1))
	if err != nil {
		return badRequest("The file could not be read: %v.", err)
	}
	if len(body) > MaxOPML {
		return errorf(http.StatusRequestEntityTooLarge, "The file is larger than %d MB.", MaxOPML>>20)
	}
	tags, err := c.value("tags")
	if err != nil {
		return err
	}
	// A document that is not OPML is the sender's mistake (400); reading
	// it first tells that apart from a failure to store its feeds.
	if _, err := opml.Read(bytes.NewReader(body)); err != nil {
		return badRequest("The file is %s.", strings.TrimSuffix(err.Error(), "."))
	}
	res, err := h.r.Import(c.ctx, c.user.ID, bytes.NewReader(body), splitTags(tags))
	if err != nil {
		return err
	}
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	return h.feedsWith(c, http.StatusOK, &feedsPage{Imported: &res})
}

// exportOPML downloads the user's subscriptions as OPML.
func (h *handler) exportOPML(c *call) error {
	var buf bytes.Buffer
	if err := h.r.Export(c.ctx, c.user.ID, &buf); err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "text/x-opml; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="tidings.opml"`)
	_, _ = c.w.Write(buf.Bytes())
	return nil
}

// ago says how long before now t was: "5 minutes ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "just now"
	}
	return span(d) + " ago"
}

// until says how long after now t is: "in 5 minutes", or "now".
func until(t, now time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	return "in " + span(d)
}

func span(d time.Duration) string {
	plural := func(n int64, w string) string {
		if n == 1 {
			return "1 " + w
		}
		return itoa(n) + " " + w + "s"
	}
	switch {
	case d < time.Minute:
		return plural(int64(d/time.Second), "second")
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	}
	return plural(int64(d/(24*time.Hour)), "day")
}
