package reader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"tidings/config"
	"tidings/fetch"
	"tidings/store"
)

// SubscribeRequest is what a person asks to subscribe to.
type SubscribeRequest struct {
	// URL is the feed's or a web page's address; without a scheme it is
	// taken as https.
	URL string
	// Title, when not empty, is shown instead of the feed's own.
	Title string
	// Tags must be simple words (see Tags).
	Tags []string
	// Schedule is a cron spec (see Schedule); empty means the default.
	Schedule string
	// NoFetch subscribes to URL as given, without fetching it first.
	NoFetch bool
	// FullContent asks for the whole article of each new item (see
	// SetFullContent).
	FullContent bool
	// Choose picks one of the feeds a page offers when it offers more than
	// one, returning its index; its error is returned as it is. Nil takes
	// the first.
	Choose func(ctx context.Context, pageURL string, cands []fetch.Candidate) (int, error)
}

// Subscribed is a subscription Subscribe made.
type Subscribed struct {
	store.Subscription
	// Fetched is true when the feed was fetched and its items saved.
	Fetched bool
	// New counts the items the first save stored.
	New int
	// SaveErr is the first save's failure: the subscription stands, and
	// the feed's next fetch brings its items.
	SaveErr error
}

// NotAddedError is a Subscribe that subscribed to nothing, and why.
type NotAddedError struct {
	URL string
	// Reason says why, as a sentence about the URL.
	Reason string
	// Unreachable is true when the URL could not be fetched or held no
	// feed: subscribing without fetching it first is the way round.
	Unreachable bool
	// Err is the cause, if any.
	Err error
}

func (e *NotAddedError) Error() string { return e.Reason + "; nothing was added" }

// Unwrap returns the cause.
func (e *NotAddedError) Unwrap() error { return e.Err }

// Subscribe subscribes the user to a feed: the URL is fetched first (unless
// NoFetch); a web page has its feeds discovered, and req.Choose picks one
// when there are several; a URL the user subscribes to already, before or
// after discovery, is refused; the items of that fetch are saved at once,
// so the next fetch is a conditional one. The feed is shared with the
// other users subscribed to it: fetched once, whoever asked.
func (r *Reader) Subscribe(ctx context.Context, userID int64, req SubscribeRequest) (Subscribed, error) {
	u, err := FeedURL(req.URL)
	if err != nil {
		return Subscribed{}, err
	}
	tags, err := Tags(req.Tags)
	if err != nil {
		return Subscribed{}, err
	}
	sched, err := Schedule(req.Schedule)
	if err != nil {
		return Subscribed{}, err
	}
	if err := r.notSubscribed(ctx, userID, u); err != nil {
		return Subscribed{}, err
	}
	sub := store.Subscription{
		Feed:      store.Feed{URL: u},
		UserTitle: strings.TrimSpace(req.Title),
		Tags:      tags,
		Schedule:  sched,
		Origin:    store.OriginUser,
		// FullContent: see SetFullContent.
		FullContent: req.FullContent,
	}
	var cand fetch.Probed
	if !req.NoFetch {
		if r.fetcher == nil {
			return Subscribed{}, errors.New("subscribe: no fetcher to check the feed with")
		}
		cand, err = r.probe(ctx, u, req.Choose)
		if err != nil {
			return Subscribed{}, err
		}
		sub.URL, sub.Title = cand.URL, cand.Title
		if canon, err := config.CanonicalURL(sub.URL); err == nil {
			sub.URL = canon
		}
		// Discovery may lead from a page to a feed already subscribed.
		if err := r.notSubscribed(ctx, userID, sub.URL); err != nil {
			return Subscribed{}, err
		}
	}
	added, err := r.st.Subscribe(ctx, userID, sub)
	if errors.Is(err, store.ErrExists) {
		return Subscribed{}, &SubscribedError{URL: sub.URL}
	}
	if err != nil {
		return Subscribed{}, fmt.Errorf("subscribe to %s: %w", sub.URL, err)
	}
	res := Subscribed{Subscription: added}
	if req.NoFetch {
		// A feed that others follow and that this schedule asks for more
		// often is due sooner now.
		if sched != "" {
			if err := r.reschedule(ctx, added.Feed); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	// The probe downloaded the feed already: its items are stored now.
	o := r.fetcher.Outcome(ctx, added.Feed, cand)
	saved, err := r.st.SaveFetch(ctx, added.ID, o.Result)
	if err != nil {
		res.SaveErr = err
		return res, nil
	}
	res.Fetched, res.New = true, saved.New
	// Show the subscription as saved: the feed's title, state and counts.
	if again, err := r.st.SubscriptionByID(ctx, userID, added.ID); err == nil {
		res.Subscription = again
	}
	return res, nil
}

// notSubscribed returns a SubscribedError if the user subscribes to u.
func (r *Reader) notSubscribed(ctx context.Context, userID int64, u string) error {
	old, err := r.Lookup(ctx, userID, u)
	switch {
	case err == nil:
		return &SubscribedError{URL: old.URL}
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}

// probe fetches u and returns the feed to subscribe to: the only one, or
// the one choose picks.
func (r *Reader) probe(ctx context.Context, u string, choose func(context.Context, string, []fetch.Candidate) (int, error)) (fetch.Probed, error) {
	found, err := r.fetcher.ProbeFetch(ctx, u)
	if err != nil {
		if errors.Is(err, fetch.ErrCanceled) || ctx.Err() != nil {
			return fetch.Probed{}, &NotAddedError{URL: u, Reason: "fetching " + u + " was interrupted", Err: err}
		}
		return fetch.Probed{}, &NotAddedError{URL: u, Reason: probeReason(u, err), Unreachable: true, Err: err}
	}
	if len(found) == 0 {
		return fetch.Probed{}, &NotAddedError{URL: u, Reason: "no feed found at " + u, Unreachable: true}
	}
	if len(found) == 1 || choose == nil {
		return found[0], nil
	}
	cands := make([]fetch.Candidate, len(found))
	for i, p := range found {
		cands[i] = p.Candidate
	}
	i, err := choose(ctx, u, cands)
	if err != nil {
		return fetch.Probed{}, err
	}
	if i < 0 || i >= len(found) {
		return fetch.Probed{}, fmt.Errorf("choice %d is not one of the %d feeds found", i+1, len(found))
	}
	return found[i], nil
}

// probeReason says why a probe found no feed. A server's refusal is said
// here rather than as fetch says it: fetch speaks of a subscription that
// will be fetched again, and here there is none.
func probeReason(u string, err error) string {
	var se *fetch.StatusError
	if !errors.As(err, &se) || se.Code == http.StatusGone {
		return err.Error()
	}
	s := "server answered " + statusText(se.Code)
	switch {
	case se.Code == http.StatusTooManyRequests:
		s += ": it asks for fewer requests; try again later"
	case se.Code == http.StatusServiceUnavailable:
		s += ": it is down or busy for now; try again later"
	case se.Code == http.StatusNotFound:
		s += "; check the URL"
	case se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden:
		s += "; the feed needs a login, or the server refuses tidings"
	case se.Code >= 500:
		s += "; the server failed, try again later"
	}
	var fe *fetch.Error
	if errors.As(err, &fe) && fe.URL != "" {
		u = fe.URL
	}
	return "feed " + redact(u) + ": " + s
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// redact hides the password of a URL with credentials.
func redact(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// Lookup returns the user's subscription that the URL names: the one
// stored under its canonical form, else (for a feed stored before URLs
// were made canonical) under the URL as given; either matches a feed's
// URL or the URL it is fetched from. Its error is a NotSubscribedError
// when there is none.
func (r *Reader) Lookup(ctx context.Context, userID int64, rawURL string) (store.Subscription, error) {
	u := strings.TrimSpace(rawURL)
	var tries []string
	if canon, err := config.CanonicalURL(u); err == nil && canon != u {
		tries = append(tries, canon)
	}
	tries = append(tries, u)
	for _, t := range tries {
		s, err := r.st.Subscription(ctx, userID, t)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Subscription{}, fmt.Errorf("look up %s: %w", u, err)
		}
	}
	return store.Subscription{}, &NotSubscribedError{URL: u}
}

// Unsubscribe ends the user's subscription to the feed the URL names
// (Lookup) and returns it. Their read state of its items goes; their
// starred items stay readable. A feed nobody else follows goes with its
// items (but those someone starred), and is no longer fetched. A config
// subscription is refused with a *store.DeclaredError, which says where to
// change it.
func (r *Reader) Unsubscribe(ctx context.Context, userID int64, rawURL string) (store.Subscription, error) {
	sub, err := r.Lookup(ctx, userID, rawURL)
	if err != nil {
		return sub, err
	}
	err = r.st.Unsubscribe(ctx, userID, sub.URL)
	if errors.Is(err, store.ErrNotFound) {
		return sub, &NotSubscribedError{URL: sub.URL}
	}
	return sub, err
}

// Edit is a change to a subscription; nil and empty fields are left alone.
type Edit struct {
	// Title, when not nil, is the title to show; "" shows the feed's own.
	Title *string
	// Schedule, when not nil, is the cron spec to fetch on; "" means the
	// default.
	Schedule *string
	// AddTags are added; RemoveTags removed, each one the subscription
	// must have.
	AddTags    []string
	RemoveTags []string
}

// Edit changes the user's subscription that the URL names (Lookup) and
// returns it as changed. After a schedule change the feed's next fetch is
// planned again over its subscribers' schedules, so a shorter schedule
// takes effect at once (and a daemon picks it up from the store); a feed
// waiting for a server's Retry-After, a backoff or gone keeps waiting. A
// config subscription is refused with a *store.DeclaredError.
func (r *Reader) Edit(ctx context.Context, userID int64, rawURL string, e Edit) (store.Subscription, error) {
	if e.Title == nil && e.Schedule == nil && len(e.AddTags) == 0 && len(e.RemoveTags) == 0 {
		return store.Subscription{}, invalidf("nothing to change")
	}
	add, err := Tags(e.AddTags)
	if err != nil {
		return store.Subscription{}, err
	}
	edit := store.FeedEdit{AddTags: add}
	if e.Title != nil {
		t := strings.TrimSpace(*e.Title)
		edit.Title = &t
	}
	if e.Schedule != nil {
		s, err := Schedule(*e.Schedule)
		if err != nil {
			return store.Subscription{}, err
		}
		edit.Schedule = &s
	}
	old, err := r.Lookup(ctx, userID, rawURL)
	if err != nil {
		return old, err
	}
	if old.Origin == store.OriginConfig {
		return old, &store.DeclaredError{URL: old.URL, File: old.ConfigFile, Line: old.ConfigLine}
	}
	for _, t := range e.RemoveTags {
		i := slices.Index(old.Tags, store.NormalizeTag(t))
		if i < 0 {
			return old, invalidf("the feed has no tag %q; its tags: %s", strings.TrimSpace(t), tagList(old.Tags))
		}
		edit.RemoveTags = append(edit.RemoveTags, old.Tags[i])
	}
	sub, err := r.st.EditSubscription(ctx, userID, old.URL, edit)
	if errors.Is(err, store.ErrNotFound) {
		return sub, &NotSubscribedError{URL: old.URL}
	}
	if err != nil {
		return sub, err
	}
	if edit.Schedule != nil {
		if err := r.reschedule(ctx, sub.Feed); err != nil {
			return sub, err
		}
		// The store planned it; show what it keeps.
		if again, err := r.st.SubscriptionByID(ctx, userID, sub.ID); err == nil {
			sub = again
		}
	}
	return sub, nil
}

// tagList shows tags in a sentence: "go, news", or "none".
func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}

// reschedule plans the feed's next fetch again from its last fetch and its
// subscribers' schedules (f.Schedules). A feed never fetched is due
// already; the store leaves alone a feed that waits for another reason
// than its schedule.
func (r *Reader) reschedule(ctx context.Context, f store.Feed) error {
	if f.State.LastFetch.IsZero() {
		return nil
	}
	next := r.NextFetch(f, f.State.LastFetch)
	if err := r.st.Reschedule(ctx, f.ID, next); err != nil {
		return fmt.Errorf("plan the next fetch of %s: %w", f.URL, err)
	}
	return nil
}

// NextFetch returns when a feed fetched at after is next due on its
// subscribers' schedules ("" is the default schedule): the earliest of
// their next ticks (fetch.Planner.NextFetch), as the feed is fetched as
// often as its most frequent subscriber asks.
func (r *Reader) NextFetch(f store.Feed, after time.Time) time.Time {
	return r.planner.NextFetch(f.Schedules, f.URL, after)
}

// Subscriptions returns the user's subscriptions, by URL, with their item
// and unread counts.
func (r *Reader) Subscriptions(ctx context.Context, userID int64) ([]store.Subscription, error) {
	subs, err := r.st.Subscriptions(ctx, userID, true)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return subs, nil
}

// Subscription returns the user's subscription that the URL names
// (Lookup), with counts.
func (r *Reader) Subscription(ctx context.Context, userID int64, rawURL string) (store.Subscription, error) {
	return r.Lookup(ctx, userID, rawURL)
}

// TagList returns the user's tags with their feed and unread counts, by
// name.
func (r *Reader) TagList(ctx context.Context, userID int64) ([]store.Tag, error) {
	tags, err := r.st.Tags(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return tags, nil
}

// Counts returns the user's unread counts per feed and per tag.
func (r *Reader) Counts(ctx context.Context, userID int64) (store.Counts, error) {
	c, err := r.st.UnreadCounts(ctx, userID)
	if err != nil {
		return c, fmt.Errorf("count unread items: %w", err)
	}
	return c, nil
}
