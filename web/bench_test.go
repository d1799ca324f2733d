package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"tidings/web"
)

// BenchmarkSessionRequest is the server's cost of letting in one page
// request with a session cookie (looking up the session and its user,
// the CSRF token, the headers), around a handler that writes nothing.
func BenchmarkSessionRequest(b *testing.B) {
	f := newFixture(b)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	br := f.browser()
	r := br.login("alice", "correct horse", "")
	c := sessionCookie(r)
	if c == nil {
		b.Fatal("no session")
	}
	h := f.srv.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET / = %d", rec.Code)
		}
	}
}
