package storetest

import (
	"slices"
	"testing"
	"time"

	"tidings/store"
)

func testSchedules(t *testing.T, open opener) {
	t.Run("EverySubscribersSchedule", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const url = "https://sched.test/feed"
		users := map[string]int64{}
		for _, name := range []string{"a", "b", "c", "d"} {
			users[name] = newUser(t, s, name)
		}
		for name, spec := range map[string]string{"a": "@every 1h", "b": "@every 5m", "c": "", "d": "@every 5m"} {
			in := sub(url)
			in.Schedule = spec
			if got := subscribeTo(t, s, users[name], in); got.Schedule != spec {
				t.Errorf("user %s subscribed with schedule %q; want %q", name, got.Schedule, spec)
			}
		}
		check := func(step string, want []string) {
			t.Helper()
			list := feedList(t, s)
			if len(list) != 1 || !slices.Equal(list[0].Schedules, want) {
				t.Errorf("%s: FeedList = %+v; want one feed with Schedules %q", step, list, want)
				return
			}
			claimed := claim(t, s, store.ClaimRequest{Now: base, Lease: time.Second, IDs: []int64{list[0].ID}})
			if len(claimed) != 1 || !slices.Equal(claimed[0].Schedules, want) {
				t.Errorf("%s: claimed %+v; want the feed with Schedules %q", step, claimed, want)
			}
			if err := s.Release(ctx, []int64{list[0].ID}); err != nil {
				t.Fatal(err)
			}
			got := subByURL(t, s, users["a"], url)
			if !slices.Equal(got.Schedules, want) || got.Schedule != "@every 1h" {
				t.Errorf("%s: a's subscription has Schedule %q Schedules %q; want @every 1h and %q", step, got.Schedule, got.Schedules, want)
			}
			byID, err := s.SubscriptionByID(ctx, users["a"], got.ID)
			if err != nil || !slices.Equal(byID.Schedules, want) {
				t.Errorf("%s: SubscriptionByID Schedules %q, %v; want %q", step, byID.Schedules, err, want)
			}
		}
		check("four subscribers", []string{"", "@every 1h", "@every 5m"})
		daily := "@daily"
		if _, err := s.EditSubscription(ctx, users["b"], url, store.FeedEdit{Schedule: &daily}); err != nil {
			t.Fatal(err)
		}
		check("b edited", []string{"", "@daily", "@every 1h", "@every 5m"})
		unsubscribe(t, s, users["c"], url)
		check("c left", []string{"@daily", "@every 1h", "@every 5m"})
		if err := s.RemoveUser(ctx, users["d"]); err != nil {
			t.Fatal(err)
		}
		check("d removed", []string{"@daily", "@every 1h"})
		decl := declared(url, "c.toml", 1)
		decl.Schedule = "@weekly"
		if _, err := s.SyncDeclared(ctx, users["c"], []string{"c.toml"}, []store.Subscription{decl}); err != nil {
			t.Fatal(err)
		}
		check("c declares it", []string{"@daily", "@every 1h", "@weekly"})
	})

	t.Run("Reschedule", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		due := base.Add(time.Hour)
		tests := []struct {
			name    string
			st      store.FeedState
			changes bool
		}{
			{"schedule", store.FeedState{NextDue: due, WaitReason: store.WaitSchedule}, true},
			{"backoff", store.FeedState{NextDue: due, ErrorCount: 2, LastError: "server answered 500", WaitReason: store.WaitBackoff}, false},
			{"retry-after", store.FeedState{NextDue: due, NotBefore: due, WaitReason: store.WaitRetryAfter}, false},
			{"gone", store.FeedState{NextDue: due, Gone: true, WaitReason: store.WaitGone}, false},
		}
		for _, tt := range tests {
			f := subscribe(t, s, u, "https://"+tt.name+".test/feed")
			tt.st.ETag = `"` + tt.name + `"`
			setState(t, s, f.ID, tt.st)
			for _, next := range []time.Time{base.Add(10 * time.Minute), base.Add(3 * time.Hour)} {
				if err := s.Reschedule(ctx, f.ID, next); err != nil {
					t.Fatalf("%s: Reschedule: %v", tt.name, err)
				}
				got := subByURL(t, s, u, f.URL).State
				want := due
				if tt.changes {
					want = next
				}
				if !got.NextDue.Equal(want) {
					t.Errorf("%s: NextDue after Reschedule(%v) = %v; want %v", tt.name, next, got.NextDue, want)
				}
				if got.ETag != tt.st.ETag || got.ErrorCount != tt.st.ErrorCount || got.Gone != tt.st.Gone ||
					!got.NotBefore.Equal(tt.st.NotBefore) || got.LastError != tt.st.LastError {
					t.Errorf("%s: Reschedule changed the state beyond NextDue: %+v", tt.name, got)
				}
			}
		}
		// What Reschedule set is what the scheduler claims by.
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(50 * time.Minute), Lease: time.Minute}); len(got) != 0 {
			t.Errorf("claim at +50m = %q; want none (schedule rescheduled to +3h, the others wait until +1h)", claimedURLs(got))
		}
		if err := s.Reschedule(ctx, subByURL(t, s, u, "https://schedule.test/feed").ID, base.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(30 * time.Minute), Lease: time.Minute}); !slices.Equal(claimedURLs(got), []string{"https://schedule.test/feed"}) {
			t.Errorf("claim at +30m = %q; want the rescheduled feed alone", claimedURLs(got))
		}
	})
}
