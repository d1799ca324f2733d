package fever_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tidings/web/fever"
)

// FuzzRequest sends any query and any form body with a good key: every
// answer is JSON with api_version 3, and never a server failure.
func FuzzRequest(f *testing.F) {
	e := newEnv(f, 2, 5)
	u, key := e.user(f, "alice")
	e.subscribe(f, u, 0, "news")
	e.subscribe(f, u, 1)
	h := fever.New(fever.Options{Reader: e.r})
	for _, s := range []struct{ q, body string }{
		{"api&items&since_id=0", ""},
		{"api&items&with_ids=1,2,,3", ""},
		{"api&items&max_id=9223372036854775807", ""},
		{"api", "mark=item&as=read&id=1"},
		{"api", "mark=group&as=read&id=-1&before=1700000000"},
		{"api", "mark=feed&as=read&id=1&before=99999999999999"},
		{"api&groups&feeds&favicons&links&unread_item_ids&saved_item_ids", ""},
		{"api&items&with_ids=%ff%00", "with_ids=1e3"},
		{"api", "%zz"},
	} {
		f.Add(s.q, s.body)
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		req := httptest.NewRequest("POST", "/api/fever/?"+query, strings.NewReader("api_key="+key+"&"+body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("%q %q: status %d: %s", query, body, w.Code, w.Body)
		}
		var a map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatalf("%q %q: not JSON: %v", query, body, err)
		}
		if a["api_version"] != 3.0 {
			t.Fatalf("%q %q: api_version %v", query, body, a["api_version"])
		}
		if w.Code != http.StatusOK && a["error"] == nil {
			t.Fatalf("%q %q: %d without an error message", query, body, w.Code)
		}
	})
}
