package greader_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tidings/store"
)

// step is one request of an app's sync, written from the app's public
// source: the path under the server URL the app was given (with {PLACE}
// holders filled in by the replay), a raw body as the app builds it, and
// whether it signs the request with the Authorization header.
type step struct {
	name   string
	method string
	path   string
	body   string
	// noAuth sends no Authorization header (Liferea's POSTs).
	noAuth bool
	status int
	// check reads the answer as the app does; it may save values for
	// the next steps in vars.
	check func(t *testing.T, body string, vars map[string]string)
	// header reads the answer's headers as the app does.
	header func(t *testing.T, h http.Header, vars map[string]string)
	// before happens on the server before the request: new items
	// arrive, time passes.
	before func(t *testing.T, e *env)
}

// replay runs the steps against the env with the app's base URL (one of
// the greader prefixes), filling {AUTH}, {T}, {PASS}, {ID}, {HEXID},
// {FEEDURL} and whatever the checks saved.
func replay(t *testing.T, e *env, base string, vars map[string]string, steps []step) {
	t.Helper()
	fill := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	for _, s := range steps {
		if s.before != nil {
			s.before(t, e)
		}
		r, err := http.NewRequest(s.method, e.srv.URL+base+fill(s.path), strings.NewReader(fill(s.body)))
		if err != nil {
			t.Fatal(err)
		}
		if s.body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if vars["AUTH"] != "" && !s.noAuth {
			r.Header.Set("Authorization", "GoogleLogin auth="+vars["AUTH"])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := s.status
		if want == 0 {
			want = 200
		}
		if resp.StatusCode != want {
			t.Fatalf("%s: %s %s: %d %s, want %d", s.name, s.method, fill(s.path), resp.StatusCode, b, want)
		}
		if s.header != nil {
			s.header(t, resp.Header, vars)
		}
		if s.check != nil {
			s.check(t, string(b), vars)
		}
	}
}

// saveAuth reads a ClientLogin answer's Auth line as NetNewsWire does.
func saveAuth(t *testing.T, body string, vars map[string]string) { vars["AUTH"] = authLine(t, body) }

// saveToken keeps the token answer as it is, as NetNewsWire does.
func saveToken(t *testing.T, body string, vars map[string]string) {
	if body == "" {
		t.Fatal("empty token")
	}
	vars["T"] = body
}

func jsonKeys(keys ...string) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, _ map[string]string) {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("not JSON: %v: %s", err, body)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("no %q in %s", k, body)
			}
		}
	}
}

// saveRefs keeps the first item reference of a stream/items/ids answer
// and checks there are n.
func saveRefs(n int) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, vars map[string]string) {
		t.Helper()
		var out struct {
			ItemRefs []struct {
				ID string `json:"id"`
			} `json:"itemRefs"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.ItemRefs) != n {
			t.Fatalf("itemRefs: %v, %d of them, want %d: %s", err, len(out.ItemRefs), n, body)
		}
		if n > 0 {
			id, err := strconv.ParseInt(out.ItemRefs[0].ID, 10, 64)
			if err != nil {
				t.Fatalf("itemRef id %q is not decimal", out.ItemRefs[0].ID)
			}
			vars["REF"] = out.ItemRefs[0].ID
			vars["REFHEX"] = strconv.FormatInt(id, 16)
		}
	}
}

// items checks a contents answer holds n items with what the apps read.
func items(n int) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, _ map[string]string) {
		t.Helper()
		var out struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Items) != n {
			t.Fatalf("items: %v, %d of them, want %d: %s", err, len(out.Items), n, body)
		}
		for _, it := range out.Items {
			for _, k := range []string{"id", "title", "published", "canonical", "alternate", "origin", "summary", "categories"} {
				if _, ok := it[k]; !ok {
					t.Errorf("item without %q: %v", k, it)
				}
			}
			for _, k := range []string{"timestampUsec", "crawlTimeMsec"} {
				if _, ok := it[k].(string); !ok {
					t.Errorf("%s is %T, not a string", k, it[k])
				}
			}
		}
	}
}

func ok(t *testing.T, body string, _ map[string]string) {
	t.Helper()
	if strings.TrimSpace(body) != "OK" {
		t.Errorf("answer %q, want OK", body)
	}
}

// TestApps replays the short sequences of apps whose source is not
// public (Fluent Reader's is, but it only lists and marks) and checks the
// store saw the changes the app asked for. The apps whose sequences are
// derived from their source have tests of their own in apps_sync_test.go.
func TestApps(t *testing.T) {
	const unread = 6
	apps := []struct {
		name string
		base string
		// steps make 1 item read and 1 starred in the end, unless told.
		steps []step
		read  int
		star  int
	}{
		{
			// Fluent Reader's greader service: contents without a stream
			// (it reads canonical), read and starred IDs, marks.
			name: "Fluent Reader", base: "/api/greader",
			steps: []step{
				{name: "login", method: "POST", path: "/accounts/ClientLogin", body: "Email=alice&Passwd={PASS}", check: saveAuth},
				{name: "user-info", method: "GET", path: "/reader/api/0/user-info?output=json", check: jsonKeys("userId")},
				{name: "subscriptions", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
				{name: "contents without s", method: "GET", path: "/reader/api/0/stream/contents?output=json&n=125", check: items(unread)},
				{name: "unread ids", method: "GET", path: "/reader/api/0/stream/items/ids?output=json&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=1000", check: saveRefs(unread)},
				{name: "starred ids", method: "GET", path: "/reader/api/0/stream/items/ids?output=json&s=user/-/state/com.google/starred&n=1000", check: saveRefs(0)},
				{name: "star", method: "POST", path: "/reader/api/0/edit-tag", body: "i={REF}&a=user/-/state/com.google/starred", check: ok},
			},
			star: 1,
		},
		{
			// Reeder sends "x" as T.
			name: "Reeder", base: "/api/greader.php",
			steps: []step{
				{name: "login", method: "GET", path: "/accounts/ClientLogin?Email=alice&Passwd={PASS}", check: saveAuth},
				{name: "unread ids", method: "GET", path: "/reader/api/0/stream/items/ids?s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=1000&output=json", check: saveRefs(unread)},
				{name: "read", method: "POST", path: "/reader/api/0/edit-tag", body: "T=x&i={REF}&a=user/-/state/com.google/read", check: ok},
			},
			read: 1,
		},
	}
	for _, app := range apps {
		t.Run(app.name, func(t *testing.T) {
			e := newEnv(t, 1, unread)
			u, tok := e.user(t, "alice")
			sub := e.subscribe(t, u, 0)
			vars := map[string]string{
				"PASS":    tok,
				"FEED":    "feed/" + strconv.FormatInt(sub.ID, 10),
				"FEEDESC": url.PathEscape("feed/" + e.feeds.URL(0)),
			}
			replay(t, e, app.base, vars, app.steps)
			ctx := context.Background()
			read, _ := e.r.CountItems(ctx, u.ID, store.Query{Read: true})
			star, _ := e.r.CountItems(ctx, u.ID, store.Query{Starred: true})
			if read != app.read || star != app.star {
				t.Errorf("after the sync: %d read, %d starred; want %d and %d", read, star, app.read, app.star)
			}
		})
	}
}
