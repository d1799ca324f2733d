package greader_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"tidings/store"
	"tidings/web/greader"
)

func TestBadInput(t *testing.T) {
	e := newEnv(t, 1, 3)
	u, tok := e.user(t, "alice")
	e.subscribe(t, u, 0)
	auth := e.login(t, "alice", tok)
	ids, _ := e.r.ItemIDs(context.Background(), u.ID, store.Query{})
	good := strconv.FormatInt(ids[0], 10)
	for _, c := range []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
		msg    string
	}{
		{"unknown endpoint", "GET", "reader/api/0/nothing-here", nil, 404, "no such"},
		{"unknown endpoint under .php", "GET", "/api/greader.php/reader/api/0/stream/things", nil, 404, "no such"},
		{"not under reader/api/0", "GET", "reader/api/1/tag/list", nil, 404, "no such"},
		{"malformed id", "GET", "reader/api/0/stream/items/contents?i=tag:google.com,2005:reader/item/zz", nil, 400, "item ID"},
		{"id too long", "GET", "reader/api/0/stream/items/contents?i=tag:google.com,2005:reader/item/00000000000000001", nil, 400, "item ID"},
		{"negative id", "GET", "reader/api/0/stream/items/contents?i=-5", nil, 400, "item ID"},
		{"no ids", "GET", "reader/api/0/stream/items/contents", nil, 400, "i="},
		{"n=-1", "GET", "reader/api/0/stream/items/ids?s=user/-/state/com.google/reading-list&n=-1", nil, 400, "n="},
		{"n=1000000", "GET", "reader/api/0/stream/items/ids?s=user/-/state/com.google/reading-list&n=1000000", nil, 400, "n="},
		{"n junk", "GET", "reader/api/0/stream/contents?n=ten", nil, 400, "n="},
		{"contents n over the cap", "GET", "reader/api/0/stream/contents?n=1001", nil, 400, "n="},
		{"unknown stream", "GET", "reader/api/0/stream/items/ids?s=user/-/state/com.google/broadcast", nil, 400, "unknown stream"},
		{"unknown feed", "GET", "reader/api/0/stream/items/ids?s=feed/999999", nil, 404, "feed"},
		{"unknown label", "GET", "reader/api/0/stream/items/ids?s=user/-/label/nope", nil, 404, "nope"},
		{"continuation never issued", "GET", "reader/api/0/stream/items/ids?s=user/-/state/com.google/reading-list&c=" + strconv.FormatInt(ids[0], 10), nil, 400, "continuation"},
		{"continuation of junk", "GET", "reader/api/0/stream/contents?c=%21%21", nil, 400, "continuation"},
		{"bad r", "GET", "reader/api/0/stream/contents?r=x", nil, 400, "r="},
		{"bad ot", "GET", "reader/api/0/stream/contents?ot=yesterday", nil, 400, "ot="},
		{"xt of starred", "GET", "reader/api/0/stream/contents?xt=user/-/state/com.google/starred", nil, 400, "xt="},
		{"edit-tag as GET", "GET", "reader/api/0/edit-tag?i=1&a=user/-/state/com.google/read", nil, 405, "POST"},
		{"edit-tag without a state", "POST", "reader/api/0/edit-tag", url.Values{"i": {good}}, 400, "a= or r="},
		{"edit-tag unknown state", "POST", "reader/api/0/edit-tag", url.Values{"i": {good}, "a": {"user/-/state/com.google/like"}}, 400, "unknown state"},
		{"edit-tag add and remove", "POST", "reader/api/0/edit-tag", url.Values{"i": {good}, "a": {"user/-/state/com.google/read"}, "r": {"user/-/state/com.google/read"}}, 400, "both"},
		{"edit-tag unknown item", "POST", "reader/api/0/edit-tag", url.Values{"i": {good, "987654321"}, "a": {"user/-/state/com.google/read"}}, 404, "nothing was changed"},
		{"subscription/edit bad ac", "POST", "reader/api/0/subscription/edit", url.Values{"s": {"feed/1"}, "ac": {"explode"}}, 400, "ac="},
		{"subscribe to junk", "POST", "reader/api/0/subscription/edit", url.Values{"s": {"feed/not a url"}, "ac": {"subscribe"}}, 400, ""},
		{"quickadd nothing", "POST", "reader/api/0/subscription/quickadd", url.Values{"quickadd": {""}}, 400, "quickadd"},
		{"rename-tag to junk", "POST", "reader/api/0/rename-tag", url.Values{"s": {"user/-/label/a"}, "dest": {"nope"}}, 400, "label"},
		{"mark-all without s", "POST", "reader/api/0/mark-all-as-read", url.Values{}, 400, "s"},
		{"mark-all bad ts", "POST", "reader/api/0/mark-all-as-read", url.Values{"s": {"user/-/state/com.google/reading-list"}, "ts": {"-3"}}, 400, "ts="},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := e.do(t, req{method: c.method, path: c.path, form: c.form, auth: auth})
			if a.status != c.status || !strings.Contains(a.body, c.msg) {
				t.Errorf("%d %q, want %d with %q", a.status, a.body, c.status, c.msg)
			}
		})
	}
	n, _ := e.r.CountItems(context.Background(), u.ID, store.Query{Unread: true})
	if n != len(ids) {
		t.Errorf("the bad requests changed something: %d unread of %d", n, len(ids))
	}
}

func TestWrongContentType(t *testing.T) {
	e := newEnv(t, 1, 2)
	u, tok := e.user(t, "alice")
	e.subscribe(t, u, 0)
	auth := e.login(t, "alice", tok)
	r, _ := http.NewRequest("POST", e.srv.URL+"/api/greader/reader/api/0/edit-tag", strings.NewReader(`{"i":["1"]}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "GoogleLogin auth="+auth)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", resp.StatusCode)
	}
}

// zeros is an endless body that counts what was read of it.
type zeros struct{ n atomic.Int64 }

func (z *zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	z.n.Add(int64(len(p)))
	return len(p), nil
}

func TestHugeBody(t *testing.T) {
	e := newEnv(t, 1, 2)
	_, tok := e.user(t, "alice")
	auth := e.login(t, "alice", tok)
	const size = 100 << 20
	for _, c := range []struct {
		name   string
		path   string
		length bool
	}{
		{"edit-tag with Content-Length", "reader/api/0/edit-tag", true},
		{"edit-tag chunked", "reader/api/0/edit-tag", false},
		{"import with Content-Length", "reader/api/0/subscription/import", true},
		{"import chunked", "reader/api/0/subscription/import", false},
		{"ClientLogin with Content-Length", "accounts/ClientLogin", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			z := &zeros{}
			var body io.Reader = io.LimitReader(z, size)
			r, _ := http.NewRequest("POST", e.srv.URL+"/api/greader/"+c.path, body)
			if c.length {
				r.ContentLength = size
			} else {
				r.ContentLength = -1
			}
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Authorization", "GoogleLogin auth="+auth)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				// The server may close the connection before the client
				// has sent everything; what matters is what it read.
				t.Logf("client: %v", err)
			} else {
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("status %d, want 413", resp.StatusCode)
				}
			}
			if z.n.Load() >= size {
				t.Errorf("the whole %d bytes were sent", size)
			}
		})
	}
}

// TestEditTag10000 marks 10,000 items in one request, and a request of
// 10,000 with one item unknown changes none of them.
func TestEditTag10000(t *testing.T) {
	e := newEnv(t, 4, 2500)
	u, tok := e.user(t, "alice")
	for i := range 4 {
		e.subscribe(t, u, i)
	}
	auth := e.login(t, "alice", tok)
	ctx := context.Background()
	ids, err := e.r.ItemIDs(ctx, u.ID, store.Query{})
	if err != nil || len(ids) != greader.MaxEdit {
		t.Fatalf("%d items, %v", len(ids), err)
	}
	form := url.Values{"a": {"user/-/state/com.google/read"}}
	for _, id := range ids[1:] {
		form.Add("i", "tag:google.com,2005:reader/item/"+strconv.FormatInt(id, 16))
	}
	form.Add("i", "999999999")
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 404 {
		t.Fatalf("with an unknown item: %d %s", a.status, a.body)
	}
	if n, _ := e.r.CountItems(ctx, u.ID, store.Query{Read: true}); n != 0 {
		t.Fatalf("half-written: %d read", n)
	}
	form["i"][len(form["i"])-1] = strconv.FormatInt(ids[0], 10)
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 200 {
		t.Fatalf("10,000 items: %d %s", a.status, a.body)
	}
	if n, _ := e.r.CountItems(ctx, u.ID, store.Query{Read: true}); n != greader.MaxEdit {
		t.Fatalf("%d read, want %d", n, greader.MaxEdit)
	}
	form.Add("i", strconv.FormatInt(ids[0], 10))
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 400 {
		t.Fatalf("10,001 items: %d %s", a.status, a.body)
	}
}
