package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"tidings/store"
)

// testConcurrency races two users, or one user twice, subscribing to the
// same new URLs at the same moment: through two goroutines on one store,
// and, when the backend can reopen its database, through two stores on one
// database, as two processes would.
func testConcurrency(t *testing.T, open opener, reopen func(t *testing.T, s store.Store) store.Store) {
	t.Run("OneStore", func(t *testing.T) {
		s := open(t)
		raceSubscribe(t, s, s)
	})
	t.Run("TwoStores", func(t *testing.T) {
		if reopen == nil {
			t.Skip("the backend passed no Options.Reopen: two goroutines on one store only")
		}
		s := open(t)
		raceSubscribe(t, s, reopen(t, s))
	})
}

// rounds is how many times each race runs: enough to catch a race that
// happens now and then, few enough to keep the suite fast.
const rounds = 20

// importRounds is fewer: each import is three subscriptions.
const importRounds = 5

// together runs f(0) and f(1) as close to the same moment as goroutines
// allow and waits for both.
func together(f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func raceSubscribe(t *testing.T, s1, s2 store.Store) {
	ctx := t.Context()
	stores := [2]store.Store{s1, s2}
	alice, bob := newUser(t, s1, "alice"), newUser(t, s1, "bob")
	if u, err := s2.User(ctx, "bob"); err != nil || u.ID != bob {
		t.Fatalf("the second store's User(bob) = %+v, %v; want %d", u, err, bob)
	}
	users := [2]int64{alice, bob}

	t.Run("TwoUsers", func(t *testing.T) {
		for round := range rounds {
			url := fmt.Sprintf("https://race%02d.test/feed", round)
			var (
				got  [2]store.Subscription
				errs [2]error
			)
			together(func(i int) { got[i], errs[i] = stores[i].Subscribe(ctx, users[i], sub(url)) })
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: Subscribe = %v, %v; want both to succeed", round, errs[0], errs[1])
			}
			if got[0].ID != got[1].ID {
				t.Errorf("round %d: subscriptions to one URL have feeds %d and %d; want one", round, got[0].ID, got[1].ID)
			}
		}
		feeds := feedList(t, s2)
		if len(feeds) != rounds {
			t.Errorf("%d feeds after %d rounds; want %d, one per URL: %q", len(feeds), rounds, rounds, claimedURLs(feeds))
		}
		for _, u := range users {
			subs, err := s1.Subscriptions(ctx, u, false)
			if err != nil || len(subs) != rounds {
				t.Errorf("user %d has %d subscriptions, %v; want %d", u, len(subs), err, rounds)
			}
		}
	})

	t.Run("OneUserTwice", func(t *testing.T) {
		for round := range rounds {
			url := fmt.Sprintf("https://twice%02d.test/feed", round)
			var errs [2]error
			together(func(i int) { _, errs[i] = stores[i].Subscribe(ctx, alice, sub(url)) })
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, store.ErrExists):
					t.Errorf("round %d: Subscribe: %v; want nil or ErrExists", round, err)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: %d of two Subscribes of one user to one URL succeeded; want 1 (%v)", round, ok, errs)
			}
		}
		subs, err := s1.Subscriptions(ctx, alice, false)
		if err != nil || len(subs) != 2*rounds {
			t.Errorf("alice has %d subscriptions, %v; want %d", len(subs), err, 2*rounds)
		}
	})

	// Two imports of the same new URLs in opposite orders: all or nothing
	// each, no deadlock, one feed per URL.
	t.Run("Imports", func(t *testing.T) {
		for round := range importRounds {
			var urls []string
			for i := range 3 {
				urls = append(urls, fmt.Sprintf("https://imp%02d-%d.test/feed", round, i))
			}
			var (
				res  [2]store.ImportResult
				errs [2]error
			)
			together(func(i int) {
				order := slices.Clone(urls)
				if i == 1 {
					slices.Reverse(order)
				}
				var subs []store.Subscription
				for _, u := range order {
					subs = append(subs, sub(u))
				}
				res[i], errs[i] = stores[i].ImportFeeds(ctx, users[i], subs)
			})
			for i := range 2 {
				if errs[i] != nil || len(res[i].Added) != 3 {
					t.Errorf("round %d: import %d = %+v, %v; want 3 added", round, i, res[i], errs[i])
				}
			}
			for _, u := range urls {
				a, b := subByURL(t, s1, alice, u), subByURL(t, s2, bob, u)
				if a.ID != b.ID {
					t.Errorf("round %d: %s is feeds %d and %d; want one", round, u, a.ID, b.ID)
				}
			}
		}
		n := 0
		for _, f := range feedList(t, s1) {
			if strings.HasPrefix(f.URL, "https://imp") {
				n++
			}
		}
		if want := 3 * importRounds; n != want {
			t.Errorf("%d imported feeds; want %d, one per URL", n, want)
		}
	})
}
