package main

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
	"tidings/store"
)

// claimsRefusedMsg is what the trigger of TestFetchClaimFails answers a
// claim with.
const claimsRefusedMsg = "claims refused by a trigger of the test"

// importAll subscribes the harness's user to every feed of srv.
func importAll(t *testing.T, st store.Store, srv *fetchtest.Server) {
	t.Helper()
	var list []store.Subscription
	for _, u := range srv.URLs() {
		list = append(list, store.Subscription{Feed: store.Feed{URL: u}})
	}
	if _, err := st.ImportFeeds(context.Background(), meID(t, st), list); err != nil {
		t.Fatal(err)
	}
}

// heldClaims counts the feeds of the SQLite file at path still claimed.
func heldClaims(t *testing.T, db *sql.DB) int {
	t.Helper()
	var held int
	if err := db.QueryRow("SELECT count(*) FROM feeds WHERE claimed_until > 0").Scan(&held); err != nil {
		t.Fatal(err)
	}
	return held
}

// TestFetchClaimFails: when the database refuses a claim for a reason
// other than a full disk, `tidings fetch` stops claiming and exits 1 with
// an error that gives the database's reason and says what to do; the
// feeds fetched before are saved whole, the feeds not claimed are left as
// they were (not requested, nothing stored, not claimed), no claim is
// left held, and the next fetch gets exactly those, each stored once.
//
// The refusal is a real SQLite error from the real file: a trigger that
// aborts every claim once four feeds are saved. Saves and releases (which
// set claimed_until to 0) still work, as they do when, say, a lock or a
// permission stops only some statements.
func TestFetchClaimFails(t *testing.T) {
	const feeds, items, before = 32, 3, 4
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: items})
	// One fetch at a time: four claimed at once (claimAhead), so the
	// claims go on after the first saves; the writer saves at most 16
	// feeds at once, so fewer than 32 are claimed before the claims fail.
	h := newHarness(t, privateConfig+"concurrency = 1\n")
	st := h.openStore()
	importAll(t, st, srv)
	db, err := sql.Open("sqlite", h.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER refuse_claims BEFORE UPDATE OF claimed_until ON feeds
		WHEN NEW.claimed_until > 0 AND (SELECT count(*) FROM feeds WHERE last_fetch > 0) >= %d
		BEGIN SELECT RAISE(ABORT, '%s'); END`, before, claimsRefusedMsg)); err != nil {
		t.Fatal(err)
	}

	r := h.run("fetch")
	if r.code != exitFailure {
		t.Fatalf("fetch with claims refused: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	for _, want := range []string{"claim feeds to fetch", claimsRefusedMsg,
		"once the database takes writes again, fetch again to get them"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the error lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "disk is full") {
		t.Errorf("a refused claim is called a full disk:\n%s", r.stderr)
	}
	saved := checkWholeFeeds(t, st, items)
	if saved < before || saved >= feeds {
		t.Fatalf("%d of %d feeds saved; want the %d or more fetched before the claims failed, and not all", saved, feeds, before)
	}
	// The summary counts what the database holds, not its own guess.
	m := regexp.MustCompile(`Fetched (\d+) feeds?: (\d+) new items?`).FindStringSubmatch(r.stdout)
	if m == nil || atoi(m[1]) != saved || atoi(m[2]) != saved*items {
		t.Errorf("summary %q; want %d feeds and %d new items, as stored:\n%s", m, saved, saved*items, r.stdout)
	}
	// Every feed claimed before the refusal was fetched and saved; the
	// others were not requested.
	fetched := 0
	for i := range feeds {
		fetched += int(srv.FeedRequests(i))
	}
	if fetched != saved {
		t.Errorf("%d requests for %d feeds saved; want one each and none for the others", fetched, saved)
	}
	if n := heldClaims(t, db); n != 0 {
		t.Errorf("%d feeds still claimed after the run; want every claim released", n)
	}

	// Claims work again: the next fetch takes exactly the feeds left.
	if _, err := db.Exec("DROP TRIGGER refuse_claims"); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun(exitOK, "fetch")
	if want := fmt.Sprintf("Fetched %d feeds: %d new items", feeds-saved, (feeds-saved)*items); !strings.Contains(r.stdout, want) {
		t.Errorf("the next fetch lacks %q:\n%s", want, r.stdout)
	}
	if n := checkWholeFeeds(t, st, items); n != feeds {
		t.Errorf("%d feeds stored after the second fetch, want %d", n, feeds)
	}
	for i := range feeds {
		if n := srv.FeedRequests(i); n != 1 {
			t.Errorf("feed %d requested %d times over both runs, want once", i, n)
		}
	}
}

// checkWholeFeeds checks that every feed has all its items or none (and
// its state with them), and returns how many have them.
func checkWholeFeeds(t *testing.T, st store.Store, items int) int {
	t.Helper()
	all, err := feedsOf(t, st)
	if err != nil {
		t.Fatal(err)
	}
	saved := 0
	for _, f := range all {
		switch {
		case f.Items == items && !f.State.LastFetch.IsZero():
			saved++
		case f.Items != 0 || !f.State.LastFetch.IsZero():
			t.Errorf("feed %s: %d items, last fetch %v; want all %d with the state, or nothing", f.URL, f.Items, f.State.LastFetch, items)
		}
	}
	return saved
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
