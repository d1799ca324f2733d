package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// RunIcons runs the conformance tests of store.IconStore against stores
// made by open, which must implement it.
func RunIcons(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	is, ok := s.(store.IconStore)
	if !ok {
		t.Fatalf("%T does not implement store.IconStore", s)
	}
	ctx := t.Context()
	alice := newUser(t, s, "alice")
	bob := newUser(t, s, "bob")
	a := subscribe(t, s, alice, "https://a.icons.test/feed")
	b := subscribe(t, s, alice, "https://b.icons.test/feed")
	subscribe(t, s, bob, "https://b.icons.test/feed")
	c := subscribe(t, s, bob, "https://c.icons.test/feed")
	ids := func(fs []store.Feed) []int64 {
		var out []int64
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	due := func(before time.Time, limit int) []int64 {
		t.Helper()
		fs, err := is.IconsDue(ctx, before, limit)
		if err != nil {
			t.Fatalf("IconsDue: %v", err)
		}
		return ids(fs)
	}

	if got := due(fetchTime.Add(time.Hour), 0); len(got) != 0 {
		t.Errorf("IconsDue before any fetch = %v; want none: a feed never fetched has no site yet", got)
	}
	for _, f := range []int64{a.ID, b.ID, c.ID} {
		save(t, s, f, fetch())
	}
	if got, want := due(fetchTime, 0), []int64{a.ID, b.ID, c.ID}; !slices.Equal(got, want) {
		t.Errorf("IconsDue after the first fetches = %v; want %v", got, want)
	}
	if got := due(fetchTime, 2); len(got) != 2 {
		t.Errorf("IconsDue with limit 2 = %v", got)
	}

	png := []byte("\x89PNG\r\n\x1a\n fake image")
	t1 := fetchTime.Add(time.Minute)
	if err := is.SaveIcon(ctx, a.ID, store.Icon{Type: "image/png", Data: png}, t1); err != nil {
		t.Fatalf("SaveIcon: %v", err)
	}
	if err := is.SaveIcon(ctx, c.ID, store.Icon{}, t1.Add(time.Second)); err != nil {
		t.Fatalf("SaveIcon of none found: %v", err)
	}
	if got, want := due(t1, 0), []int64{b.ID}; !slices.Equal(got, want) {
		t.Errorf("IconsDue(t1) = %v; want %v: the feeds looked for at or after t1 are not due", got, want)
	}
	if got, want := due(t1.Add(time.Hour), 0), []int64{b.ID, a.ID, c.ID}; !slices.Equal(got, want) {
		t.Errorf("IconsDue later = %v; want %v: never looked for first, then the longest ago", got, want)
	}

	icons := func(user int64) []store.Icon {
		t.Helper()
		l, err := is.Icons(ctx, user)
		if err != nil {
			t.Fatalf("Icons: %v", err)
		}
		return l
	}
	if l := icons(alice); len(l) != 1 || l[0].FeedID != a.ID || l[0].Type != "image/png" || !bytes.Equal(l[0].Data, png) {
		t.Errorf("Icons(alice) = %+v", l)
	}
	if l := icons(bob); l == nil || len(l) != 0 {
		t.Errorf("Icons(bob) = %#v; want an empty list: his feeds have none", l)
	}

	// A look that finds nothing keeps the icon found before.
	if err := is.SaveIcon(ctx, a.ID, store.Icon{}, t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := icons(alice); len(l) != 1 || !bytes.Equal(l[0].Data, png) {
		t.Errorf("after a look that found nothing, Icons(alice) = %+v", l)
	}
	// A new icon replaces it; bob, who follows the feed too, sees it.
	gif := []byte("GIF89a fake")
	if err := is.SaveIcon(ctx, b.ID, store.Icon{Type: "image/gif", Data: gif}, t1); err != nil {
		t.Fatal(err)
	}
	if l := icons(bob); len(l) != 1 || l[0].FeedID != b.ID || l[0].Type != "image/gif" {
		t.Errorf("Icons(bob) of the shared feed = %+v", l)
	}

	if err := is.SaveIcon(ctx, 987654, store.Icon{Type: "image/png", Data: png}, t1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveIcon of no feed: %v; want ErrNotFound", err)
	}
	if err := is.SaveIcon(ctx, a.ID, store.Icon{Type: "image/png", Data: make([]byte, store.MaxIconSize+1)}, t1); err == nil {
		t.Error("SaveIcon of an image over MaxIconSize: no error")
	}
	if _, err := is.Icons(ctx, 987654); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Icons of no user: %v; want ErrNotFound", err)
	}
}
