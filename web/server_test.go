package web_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web"
)

// clock is the settable clock of a fixture's reader and server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Server on a real SQLite store, served on loopback, with
// a page at GET / that prints who it acts for, a form target at POST
// /act, an API at /v1/ and a public file at /static/app.css.
type fixture struct {
	t     testing.TB
	rd    *reader.Reader
	db    store.Store
	clock *clock
	srv   *web.Server
	ts    *httptest.Server
}

const lifetime = 48 * time.Hour

// newFixture makes the store and reader; users are added with addUser
// before start, which builds the server with o (Reader, Now and, unless
// set, Listen filled in).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	rd := reader.New(reader.Options{Store: db, PasswordCost: bcrypt.MinCost, Now: c.now, SessionLifetime: lifetime})
	return &fixture{t: t, rd: rd, db: db, clock: c}
}

func (f *fixture) addUser(name, password string) store.User {
	f.t.Helper()
	var pw *string
	if password != "" {
		pw = &password
	}
	u, err := f.rd.AddUser(context.Background(), name, pw)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) start(o web.Options) *fixture {
	f.t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	o.Reader, o.Now = f.rd, f.clock.now
	if o.Listen == "" {
		o.Listen = ts.Listener.Addr().String()
	}
	srv, err := web.New(context.Background(), o)
	if err != nil {
		f.t.Fatalf("web.New: %v", err)
	}
	srv.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		u, _ := web.User(r)
		fmt.Fprintf(w, "user=%s session=%d csrf=%s", u.Name, web.SessionID(r), web.CSRFToken(r))
	})
	srv.HandleFunc("GET /feeds", func(w http.ResponseWriter, r *http.Request) {
		u, _ := web.User(r)
		fmt.Fprintf(w, "feeds of %s", u.Name)
	})
	srv.HandleFunc("POST /act", func(w http.ResponseWriter, r *http.Request) {
		u, _ := web.User(r)
		fmt.Fprintf(w, "done for %s", u.Name)
	})
	srv.HandleAPI("/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"api":true,"path":%q}`, r.URL.Path)
	}))
	srv.HandlePublic("GET /static/app.css", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = io.WriteString(w, "main{}")
	}))
	ts.Config.Handler = srv.Handler()
	ts.Start()
	f.t.Cleanup(ts.Close)
	f.srv, f.ts = srv, ts
	return f
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
type browser struct {
	t  testing.TB
	f  *fixture
	c  *http.Client
	ua string
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, ua: "test browser"}
}

// response is an answer read whole.
type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	req.Header.Set("User-Agent", b.ua)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{resp, string(body)}
}

func (b *browser) get(path string, hdr ...string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.f.ts.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	setHeaders(req, hdr)
	return b.do(req)
}

// post sends form to path, with headers as name, value pairs.
func (b *browser) post(path string, form url.Values, hdr ...string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.f.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, hdr)
	return b.do(req)
}

func setHeaders(req *http.Request, hdr []string) {
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginForm fetches the login page and returns its CSRF token.
func (b *browser) loginForm() string {
	b.t.Helper()
	r := b.get("/login")
	if r.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /login = %d %s", r.StatusCode, r.body)
	}
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("the login page has no CSRF field:\n%s", r.body)
	}
	return m[1]
}

// login logs in and returns the answer to the form.
func (b *browser) login(user, password, next string, hdr ...string) response {
	b.t.Helper()
	token := b.loginForm()
	form := url.Values{"csrf": {token}, "user": {user}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	return b.post("/login", form, hdr...)
}

// token returns the CSRF token the page at / was given.
func (b *browser) token() string {
	b.t.Helper()
	r := b.get("/")
	_, tok, ok := strings.Cut(r.body, "csrf=")
	if r.StatusCode != http.StatusOK || !ok || tok == "" {
		b.t.Fatalf("GET / = %d %q; want a page with a CSRF token", r.StatusCode, r.body)
	}
	return tok
}

func sessionCookie(r response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == "tidings_session" {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.addUser("nopass", "")
	f.start(web.Options{})

	b := f.browser()
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("GET / without a session = %d, Location %q; want 303 to /login?next=%%2F", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.get("/login")
	for _, want := range []string{`<main class="login">`, `href="/static/app.css"`, `name="user"`, `type="password"`, `action="/login"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the login page lacks %s:\n%s", want, page.body)
		}
	}
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "style=") {
		t.Errorf("the login page has inline script or style:\n%s", page.body)
	}

	// Every failure answers the same, whatever was wrong.
	var first string
	for _, tt := range []struct{ name, user, password string }{
		{"wrong password", "alice", "wrong horse"},
		{"unknown user", "mallory", "correct horse"},
		{"user without a password", "nopass", ""},
		{"empty", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := f.browser()
			r := b.login(tt.user, tt.password, "")
			if r.StatusCode != http.StatusUnauthorized || sessionCookie(r) != nil {
				t.Fatalf("login = %d, session cookie %v; want 401 and none", r.StatusCode, sessionCookie(r))
			}
			msg := regexp.MustCompile(`<p class="error"[^>]*>([^<]*)</p>`).FindStringSubmatch(r.body)
			if msg == nil {
				t.Fatalf("no error message in:\n%s", r.body)
			}
			if first == "" {
				first = msg[1]
			}
			if msg[1] != first {
				t.Errorf("message %q; want the same %q for every failure", msg[1], first)
			}
			for _, leak := range []string{"password is", "no user", "unknown", "not found"} {
				if strings.Contains(strings.ToLower(msg[1]), leak) {
					t.Errorf("message %q says which part was wrong", msg[1])
				}
			}
			if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
				t.Errorf("GET / after a failed login = %d; want 303", r.StatusCode)
			}
		})
	}

	r := b.login("alice", "correct horse", "/feeds?tag=go")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/feeds?tag=go" {
		t.Fatalf("login = %d, Location %q; want 303 to /feeds?tag=go", r.StatusCode, r.Header.Get("Location"))
	}
	c := sessionCookie(r)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != int(lifetime.Seconds()) {
		t.Fatalf("session cookie %+v; want HttpOnly, SameSite=Lax, Path=/, not Secure over http, Max-Age of the lifetime", c)
	}
	if got := b.get("/feeds?tag=go"); got.StatusCode != http.StatusOK || got.body != "feeds of alice" {
		t.Errorf("GET /feeds after login = %d %q", got.StatusCode, got.body)
	}
	if !strings.HasPrefix(b.get("/").body, "user=alice session=") {
		t.Error("the page does not see alice")
	}
	// Logged in already, the login page goes on.
	if r := b.get("/login?next=/feeds"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/feeds" {
		t.Errorf("GET /login when logged in = %d %q; want 303 to /feeds", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestSecureCookie(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		secure  bool
		want    bool
	}{
		{"plain http", nil, false, false},
		{"trusted proxy says https", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, false, true},
		{"untrusted peer says https", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, false, false},
		{"forced", nil, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addUser("alice", "correct horse")
			f.start(web.Options{TrustedProxies: tt.proxies, SecureCookies: tt.secure})
			b := f.browser()
			token := b.loginForm()
			r := b.post("/login", url.Values{"csrf": {token}, "user": {"alice"}, "password": {"correct horse"}},
				"X-Forwarded-Proto", "https")
			c := sessionCookie(r)
			if c == nil || c.Secure != tt.want {
				t.Errorf("session cookie %+v; want Secure %v", c, tt.want)
			}
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.addUser("bob", "battery staple")
	f.start(web.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

	t.Run("account", func(t *testing.T) {
		for i := range 5 {
			// Each from its own address: the account's count alone.
			b := f.browser()
			if r := b.login("alice", "wrong", "", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d = %d; want 401", i+1, r.StatusCode)
			}
		}
		b := f.browser()
		r := b.login("alice", "correct horse", "", "X-Forwarded-For", "198.51.100.99")
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" || sessionCookie(r) != nil {
			t.Fatalf("the right password after 5 failures = %d, Retry-After %q; want 429, 1, no session",
				r.StatusCode, r.Header.Get("Retry-After"))
		}
		if !strings.Contains(r.body, "Too many failed logins") {
			t.Errorf("429 page says:\n%s", r.body)
		}
		// Bob is not held up by Alice's failures.
		if r := f.browser().login("bob", "battery staple", "", "X-Forwarded-For", "198.51.100.98"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("bob's login = %d; want 303", r.StatusCode)
		}
		f.clock.advance(time.Second)
		if r := f.browser().login("alice", "wrong", "", "X-Forwarded-For", "198.51.100.97"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after waiting = %d; want 401", r.StatusCode)
		}
		// The wait doubles.
		if r := f.browser().login("alice", "wrong", "", "X-Forwarded-For", "198.51.100.96"); r.StatusCode != http.StatusTooManyRequests ||
			r.Header.Get("Retry-After") != "2" {
			t.Fatalf("the next failure = %d, Retry-After %q; want 429, 2", r.StatusCode, r.Header.Get("Retry-After"))
		}
		f.clock.advance(2 * time.Second)
		if r := f.browser().login("alice", "correct horse", "", "X-Forwarded-For", "198.51.100.95"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("the right password after the wait = %d; want 303", r.StatusCode)
		}
		// A success starts the account over.
		if r := f.browser().login("alice", "wrong", "", "X-Forwarded-For", "198.51.100.94"); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("a failure after a success = %d; want 401", r.StatusCode)
		}
	})

	t.Run("address", func(t *testing.T) {
		for i := range 5 {
			b := f.browser()
			if r := b.login(fmt.Sprintf("user%d", i), "guess", "", "X-Forwarded-For", "203.0.113.5"); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d = %d; want 401", i+1, r.StatusCode)
			}
		}
		if r := f.browser().login("bob", "battery staple", "", "X-Forwarded-For", "203.0.113.5"); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("another account from that address = %d; want 429", r.StatusCode)
		}
		if r := f.browser().login("bob", "battery staple", "", "X-Forwarded-For", "203.0.113.6"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the same account from another address = %d; want 303", r.StatusCode)
		}
	})
}

// TestLoginRateLimitConcurrent: guesses sent side by side get no more
// tries than guesses sent one after another.
func TestLoginRateLimitConcurrent(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	const n = 20
	browsers := make([]*browser, n)
	tokens := make([]string, n)
	for i := range browsers {
		browsers[i] = f.browser()
		tokens[i] = browsers[i].loginForm()
	}
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Go(func() {
			r := b.post("/login", url.Values{"csrf": {tokens[i]}, "user": {"alice"}, "password": {fmt.Sprintf("guess %d", i)}})
			codes <- r.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	counts := map[int]int{}
	for c := range codes {
		counts[c]++
	}
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != n-5 {
		t.Errorf("answers to %d guesses at once: %v; want 5 checked (401) and the rest refused (429)", n, counts)
	}
}

func TestLoginNext(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	for _, tt := range []struct{ next, want string }{
		{"/feeds", "/feeds"},
		{"/items/12?unread=1#top", "/items/12?unread=1#top"},
		{"", "/"},
		{"//evil.test/x", "/"},
		{"https://evil.test/", "/"},
		{"http:/evil.test", "/"},
		{"/\\evil.test", "/"},
		{"\\\\evil.test", "/"},
		{"javascript:alert(1)", "/"},
		{"feeds", "/"},
		{"/\t/evil.test", "/"},
		{"/login", "/"},
		{"/logout", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	} {
		t.Run(tt.next, func(t *testing.T) {
			r := f.browser().login("alice", "correct horse", tt.next)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != tt.want {
				t.Errorf("login with next=%q = %d, Location %q; want 303 to %q", tt.next, r.StatusCode, r.Header.Get("Location"), tt.want)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	b.login("alice", "correct horse", "")
	token := b.token()
	other := f.browser()
	other.login("alice", "correct horse", "")
	otherToken := other.token()
	if otherToken == token {
		t.Fatal("two sessions have the same CSRF token")
	}

	for _, tt := range []struct {
		name string
		form url.Values
		hdr  []string
		code int
		msg  string
	}{
		{"right token in the form", url.Values{"csrf": {token}}, nil, http.StatusOK, "done for alice"},
		{"right token in the header", nil, []string{"X-CSRF-Token", token}, http.StatusOK, "done for alice"},
		{"same-origin fetch", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "same-origin", "Origin", f.ts.URL}, http.StatusOK, "done"},
		{"missing token", url.Values{"x": {"1"}}, nil, http.StatusForbidden, "without its CSRF token"},
		{"wrong token", url.Values{"csrf": {"not-the-token"}}, nil, http.StatusForbidden, "does not match"},
		{"another session's token", url.Values{"csrf": {otherToken}}, nil, http.StatusForbidden, "does not match"},
		{"cross-site", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, "another site"},
		{"same-site", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden, "another site"},
		{"foreign origin", url.Values{"csrf": {token}}, []string{"Origin", "https://evil.test"}, http.StatusForbidden, "another site"},
		{"null origin", url.Values{"csrf": {token}}, []string{"Origin", "null"}, http.StatusForbidden, "another site"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post("/act", tt.form, tt.hdr...)
			if r.StatusCode != tt.code || !strings.Contains(r.body, tt.msg) {
				t.Errorf("POST /act = %d %q; want %d with %q", r.StatusCode, r.body, tt.code, tt.msg)
			}
		})
	}

	t.Run("login form", func(t *testing.T) {
		b := f.browser()
		token := b.loginForm()
		creds := url.Values{"user": {"alice"}, "password": {"correct horse"}}
		for _, tt := range []struct {
			name string
			form url.Values
			hdr  []string
		}{
			{"no token", creds, nil},
			{"wrong token", withField(creds, "csrf", "x"), nil},
			{"cross-site", withField(creds, "csrf", token), []string{"Sec-Fetch-Site", "cross-site"}},
			{"foreign origin", withField(creds, "csrf", token), []string{"Origin", "https://evil.test"}},
		} {
			if r := b.post("/login", tt.form, tt.hdr...); r.StatusCode != http.StatusForbidden || sessionCookie(r) != nil {
				t.Errorf("%s: POST /login = %d; want 403 without a session", tt.name, r.StatusCode)
			}
		}
		// Without the pre-session cookie at all.
		fresh := f.browser()
		if r := fresh.post("/login", withField(creds, "csrf", token)); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "cookie") {
			t.Errorf("POST /login without the cookie = %d %q; want 403 about cookies", r.StatusCode, r.body)
		}
	})

	t.Run("methods", func(t *testing.T) {
		for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
			req, _ := http.NewRequest(m, f.ts.URL+"/act", nil)
			req.Header.Set(web.CSRFHeader, token)
			if r := b.do(req); r.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s /act = %d; want 405", m, r.StatusCode)
			}
		}
	})
}

// TestCSRFBehindProxy: behind a proxy that passes the public host in
// X-Forwarded-Host, the page's own forms pass the Origin check; the
// header counts only from a trusted proxy.
func TestCSRFBehindProxy(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies string
		fwdHost string
		code    int
	}{
		{"trusted proxy, its host", "127.0.0.0/8", "tidings.example", http.StatusOK},
		{"trusted proxy, another host", "127.0.0.0/8", "evil.test", http.StatusForbidden},
		{"untrusted peer", "10.0.0.0/8", "tidings.example", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addUser("alice", "correct horse")
			f.start(web.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix(tt.proxies)}})
			b := f.browser()
			b.login("alice", "correct horse", "")
			r := b.post("/act", url.Values{"csrf": {b.token()}},
				"Origin", "https://tidings.example", "Sec-Fetch-Site", "same-origin", "X-Forwarded-Host", tt.fwdHost)
			if r.StatusCode != tt.code {
				t.Errorf("POST = %d %q; want %d", r.StatusCode, r.body, tt.code)
			}
		})
	}
}

func TestLoginBadForm(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	b.loginForm()
	req, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/login", strings.NewReader("user=%zz&password=%"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "could not be read") {
		t.Errorf("POST /login with a broken form = %d %q; want 400 saying so", r.StatusCode, r.body)
	}
	long := b.login(strings.Repeat("a", 300), "x", "")
	if long.StatusCode != http.StatusUnauthorized || !strings.Contains(long.body, "Wrong user name or password.") {
		t.Errorf("login with a 300-byte name = %d; want the one failure message", long.StatusCode)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestLoginPageGolden compares the login page, after a failed login,
// with testdata/login.html (the CSRF token masked).
func TestLoginPageGolden(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	r := f.browser().login("alice", "wrong", "/feeds?tag=<go>")
	got := csrfField.ReplaceAllString(r.body, `name="csrf" value="TOKEN"`)
	golden := filepath.Join("testdata", "login.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("the login page differs from %s (run with -update if the change is right):\n%s", golden, got)
	}
}

func withField(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vs := range v {
		out[key] = vs
	}
	out.Set(k, val)
	return out
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{
		FrameHosts: []string{"youtube.com", "vimeo.com"},
		Health:     func(context.Context) (map[string]any, error) { return nil, nil },
		Metrics:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "# metrics\n") }),
	})
	b := f.browser()
	b.login("alice", "correct horse", "")
	wantCSP := "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data: blob:; media-src *; " +
		"frame-src https://youtube.com https://*.youtube.com https://vimeo.com https://*.vimeo.com; form-action 'self'; " +
		"base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'; connect-src 'self'"
	for _, path := range []string{"/", "/login", "/v1/me", "/static/app.css", "/healthz", "/metrics", "/no-such-page"} {
		r := b.get(path)
		for k, want := range map[string]string{
			"Content-Security-Policy":    wantCSP,
			"Referrer-Policy":            "same-origin",
			"X-Content-Type-Options":     "nosniff",
			"Cross-Origin-Opener-Policy": "same-origin",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q; want %q", path, k, got, want)
			}
		}
	}
	// An API authenticates itself: no cookie needed, no CSRF asked.
	req, _ := http.NewRequest(http.MethodPost, f.ts.URL+"/v1/entries", strings.NewReader("{}"))
	if r := f.browser().do(req); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, `{"api":true`) {
		t.Errorf("POST /v1/entries without a session = %d %q; want the API's answer", r.StatusCode, r.body)
	}
	// Without frame hosts, no frames.
	g := newFixture(t)
	g.start(web.Options{})
	if csp := g.browser().get("/login").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'none';") {
		t.Errorf("CSP without frame hosts = %q; want frame-src 'none'", csp)
	}
}

func TestBodyCap(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{MaxBody: 1024})
	b := f.browser()
	b.login("alice", "correct horse", "")
	token := b.token()
	r := b.post("/act", url.Values{"csrf": {token}, "big": {strings.Repeat("x", 4096)}})
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of 4 KiB over a 1 KiB cap = %d %q; want 413", r.StatusCode, r.body)
	}
}

// TestAPIPathWithDoubleSlash: a reader-app API gets a path holding "//"
// as sent (the Google Reader API puts feed URLs in paths), not the mux's
// redirect to the path cleaned of it; pages are still cleaned.
func TestAPIPathWithDoubleSlash(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	const p = "/v1/stream/contents/feed/https://example.org/feed"
	r := b.get(p)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"path":"`+p+`"`) {
		t.Errorf("GET %s = %d %q; want 200 with the path unchanged", p, r.StatusCode, r.body)
	}
	if r := b.get("/feeds//x"); r.StatusCode == http.StatusOK {
		t.Errorf("GET /feeds//x = 200; want the mux's redirect or a login")
	}
}

func TestTrustedProxyHeader(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies string
		user    string
		code    int
		body    string
	}{
		{"from the trusted network", "127.0.0.0/8", "alice", http.StatusOK, "user=alice session=0"},
		{"from another network", "10.0.0.0/8", "alice", http.StatusSeeOther, ""},
		{"unknown user", "127.0.0.0/8", "mallory", http.StatusForbidden, "no user of that name"},
		{"empty header", "127.0.0.0/8", "", http.StatusSeeOther, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.addUser("alice", "correct horse")
			f.addUser("bob", "")
			f.start(web.Options{
				Listen:             "0.0.0.0:7070",
				TrustedProxyHeader: "remote-user",
				TrustedProxies:     []netip.Prefix{netip.MustParsePrefix(tt.proxies)},
			})
			b := f.browser()
			r := b.get("/", "Remote-User", tt.user)
			if r.StatusCode != tt.code || !strings.Contains(r.body, tt.body) {
				t.Fatalf("GET / with Remote-User %q = %d %q; want %d %q", tt.user, r.StatusCode, r.body, tt.code, tt.body)
			}
			if tt.code != http.StatusOK {
				return
			}
			// Its forms are protected too, by the pre-session cookie.
			_, token, _ := strings.Cut(r.body, "csrf=")
			if r := b.post("/act", url.Values{"csrf": {token}}, "Remote-User", tt.user); r.StatusCode != http.StatusOK {
				t.Errorf("POST with the token = %d %q", r.StatusCode, r.body)
			}
			if r := b.post("/act", url.Values{"csrf": {"x"}}, "Remote-User", tt.user); r.StatusCode != http.StatusForbidden {
				t.Errorf("POST with a wrong token = %d; want 403", r.StatusCode)
			}
		})
	}
	t.Run("header without proxies", func(t *testing.T) {
		f := newFixture(t)
		_, err := web.New(context.Background(), web.Options{Reader: f.rd, Listen: "127.0.0.1:0", TrustedProxyHeader: "Remote-User"})
		if err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
			t.Errorf("New with a header and no proxies = %v; want an error about web.trusted_proxies", err)
		}
	})
}

func TestLoopbackSingleUser(t *testing.T) {
	f := newFixture(t)
	me := f.addUser("me", "")
	f.start(web.Options{})
	b := f.browser()
	r := b.get("/")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, "user=me session=0 csrf=") {
		t.Fatalf("GET / on loopback, one user without a password = %d %q; want the page as me", r.StatusCode, r.body)
	}
	token := b.token()
	if r := b.post("/act", url.Values{"csrf": {token}}); r.StatusCode != http.StatusOK {
		t.Errorf("POST with the token = %d %q; want 200", r.StatusCode, r.body)
	}
	for _, tt := range []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {"x"}}, nil},
		{"cross-site", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		if r := b.post("/act", tt.form, tt.hdr...); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s: POST = %d; want 403", tt.name, r.StatusCode)
		}
	}
	// Another browser has another token.
	if other := f.browser().token(); other == token {
		t.Error("two browsers share a CSRF token")
	}
	// A page of another site rebinding its name to 127.0.0.1, or a proxy
	// in front, is not let in without a password.
	if r := b.get("/", "Host", "evil.test"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with Host evil.test = %d; want 303 to the login", r.StatusCode)
	}
	if r := b.get("/", "X-Forwarded-For", "203.0.113.9"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / through a proxy = %d; want 303 to the login", r.StatusCode)
	}
	if r := b.get("/", "Host", "localhost:7070"); r.StatusCode != http.StatusOK {
		t.Errorf("GET / with Host localhost = %d; want 200", r.StatusCode)
	}

	// With a password, the login is asked.
	if err := f.rd.SetPassword(context.Background(), me.Name, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if r := f.browser().get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / once the user has a password = %d; want 303", r.StatusCode)
	}

	// With two users, too.
	g := newFixture(t)
	g.addUser("me", "")
	g.addUser("you", "")
	g.start(web.Options{})
	if r := g.browser().get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with two users = %d; want 303", r.StatusCode)
	}

	// Not on an address other machines reach.
	h := newFixture(t)
	h.addUser("me", "correct horse")
	h.start(web.Options{Listen: "0.0.0.0:7070"})
	if err := h.rd.SetPassword(context.Background(), "me", "another password"); err != nil {
		t.Fatal(err)
	}
	if r := h.browser().get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / on a public listen = %d; want 303", r.StatusCode)
	}
}

func TestRefuseUsersWithoutPassword(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.addUser("bob", "")
	f.addUser("carol", "")
	for _, listen := range []string{"0.0.0.0:7070", ":7070", "192.0.2.10:7070", "[::]:7070", "example.test:7070"} {
		_, err := web.New(context.Background(), web.Options{Reader: f.rd, Listen: listen})
		if err == nil {
			t.Errorf("New on %s with users without a password succeeded; want an error", listen)
			continue
		}
		for _, want := range []string{"bob", "carol", "tidings user passwd bob", "tidings user passwd carol", listen} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("New on %s: %v; want it to say %q", listen, err, want)
			}
		}
		if strings.Contains(err.Error(), "alice") {
			t.Errorf("New on %s: %v; alice has a password", listen, err)
		}
	}
	for _, listen := range []string{"127.0.0.1:7070", "[::1]:7070", "localhost:7070"} {
		if _, err := web.New(context.Background(), web.Options{Reader: f.rd, Listen: listen}); err != nil {
			t.Errorf("New on loopback %s: %v", listen, err)
		}
	}
	if _, err := web.New(context.Background(), web.Options{Reader: f.rd, Listen: "0.0.0.0:7070",
		TrustedProxyHeader: "Remote-User", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}}); err != nil {
		t.Errorf("New behind an authenticating proxy: %v", err)
	}
	for _, n := range []string{"bob", "carol"} {
		if err := f.rd.SetPassword(context.Background(), n, "a password"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := web.New(context.Background(), web.Options{Reader: f.rd, Listen: "0.0.0.0:7070"}); err != nil {
		t.Errorf("New once every user has a password: %v", err)
	}
}

func TestExpiredSession(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	b.login("alice", "correct horse", "")
	token := b.token()
	f.clock.advance(lifetime + time.Minute)
	r := b.get("/feeds?tag=go")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Ffeeds%3Ftag%3Dgo" {
		t.Fatalf("GET /feeds?tag=go with an expired session = %d, Location %q; want 303 to /login?next=%%2Ffeeds%%3Ftag%%3Dgo",
			r.StatusCode, r.Header.Get("Location"))
	}
	if c := sessionCookie(r); c == nil || c.MaxAge >= 0 {
		t.Errorf("the expired session's cookie %+v; want it removed", c)
	}
	if r := b.post("/act", url.Values{"csrf": {token}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with an expired session = %d; want 401", r.StatusCode)
	}
	// Logging in again goes back where the person was.
	r = b.login("alice", "correct horse", "/feeds?tag=go")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/feeds?tag=go" {
		t.Errorf("login again = %d %q; want 303 back to /feeds?tag=go", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	r := b.login("alice", "correct horse", "")
	secret := sessionCookie(r).Value
	token := b.token()
	phone := f.browser()
	phone.login("alice", "correct horse", "")

	if r := b.post("/logout", url.Values{"csrf": {"x"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("logout with a wrong token = %d; want 403", r.StatusCode)
	}
	r = b.post("/logout", url.Values{"csrf": {token}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout = %d %q; want 303 to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / after logout = %d; want 303", r.StatusCode)
	}
	// The session is over in the store, not only in this browser.
	if _, _, err := f.rd.SessionUser(context.Background(), secret); err == nil {
		t.Error("the session still works after logout")
	}
	replay := f.browser()
	u, _ := url.Parse(f.ts.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tidings_session", Value: secret}})
	if r := replay.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / with the old cookie = %d; want 303", r.StatusCode)
	}
	if list, err := f.rd.Sessions(context.Background(), alice.ID); err != nil || len(list) != 1 {
		t.Errorf("sessions after logout = %+v, %v; want the phone's only", list, err)
	}
	if r := phone.get("/"); r.StatusCode != http.StatusOK {
		t.Errorf("the other session after logout = %d; want 200", r.StatusCode)
	}
}

func TestSessionIsolation(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser("alice", "correct horse")
	bob := f.addUser("bob", "battery staple")
	f.start(web.Options{})
	a, b := f.browser(), f.browser()
	a.login("alice", "correct horse", "")
	b.login("bob", "battery staple", "")
	if got := a.get("/").body; !strings.HasPrefix(got, "user=alice ") {
		t.Errorf("alice's page: %q", got)
	}
	if got := b.get("/").body; !strings.HasPrefix(got, "user=bob ") {
		t.Errorf("bob's page: %q", got)
	}
	ctx := context.Background()
	as, _ := f.rd.Sessions(ctx, alice.ID)
	bs, _ := f.rd.Sessions(ctx, bob.ID)
	if len(as) != 1 || len(bs) != 1 {
		t.Fatalf("sessions: alice %+v, bob %+v; want one each", as, bs)
	}
	if !strings.Contains(a.get("/").body, fmt.Sprintf("session=%d ", as[0].ID)) {
		t.Error("the page does not see alice's session ID")
	}
	if err := f.rd.EndSession(ctx, alice.ID, bs[0].ID); err == nil {
		t.Error("alice ended bob's session")
	}
	if r := b.get("/"); r.StatusCode != http.StatusOK {
		t.Errorf("bob after alice tried to end his session = %d", r.StatusCode)
	}
	// Alice's CSRF token does not work with Bob's session.
	if r := b.post("/act", url.Values{"csrf": {a.token()}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("bob posting alice's token = %d; want 403", r.StatusCode)
	}
}

func TestSessionSlides(t *testing.T) {
	f := newFixture(t)
	f.addUser("alice", "correct horse")
	f.start(web.Options{})
	b := f.browser()
	b.login("alice", "correct horse", "")
	for range 3 {
		f.clock.advance(lifetime - time.Hour)
		r := b.get("/")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET / used within each lifetime = %d; want 200", r.StatusCode)
		}
		if c := sessionCookie(r); c == nil || c.MaxAge != int(lifetime.Seconds()) {
			t.Errorf("the page's session cookie %+v; want it renewed for the lifetime", c)
		}
	}
}

// FuzzSessionCookie sends any cookie: nothing but a real session lets
// anyone in, and nothing makes the server fail.
func FuzzSessionCookie(f *testing.F) {
	fx := newFixture(f)
	fx.addUser("alice", "correct horse")
	fx.start(web.Options{Listen: "0.0.0.0:1"})
	for _, s := range []string{"", "x", strings.Repeat("A", 43), "tidings_session=", "a=b; tidings_session=" + strings.Repeat("_", 43),
		"tidings_session=\"quoted\"", "tidings_csrf=" + strings.Repeat("-", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Cookie2", cookie)
		rec := httptest.NewRecorder()
		fx.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("Cookie %q: %d %q; want 303 to the login", cookie, rec.Code, rec.Body.String())
		}
	})
}
