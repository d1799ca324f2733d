package greader

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"tidings/reader"
	"tidings/web"
)

// ThrottleOptions limit failed ClientLogins, per client address and per
// user name: after Failures failures within Window, ClientLogin answers
// 429 until the window has passed. The client address is web.ClientAddr's:
// behind a trusted reverse proxy, the address the proxy forwarded for.
type ThrottleOptions struct {
	Failures int
	Window   time.Duration
	// MaxKeys bounds the addresses and names remembered; the oldest are
	// forgotten first.
	MaxKeys int
}

// DefaultThrottle is 10 failures per 15 minutes, over at most 10,000
// addresses and names.
var DefaultThrottle = ThrottleOptions{Failures: 10, Window: 15 * time.Minute, MaxKeys: 10000}

// throttle counts failed logins per key within a window.
type throttle struct {
	o   ThrottleOptions
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*failures
}

type failures struct {
	n     int
	start time.Time
}

func newThrottle(o ThrottleOptions, now func() time.Time) *throttle {
	if o.Failures <= 0 {
		o.Failures = DefaultThrottle.Failures
	}
	if o.Window <= 0 {
		o.Window = DefaultThrottle.Window
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultThrottle.MaxKeys
	}
	return &throttle{o: o, now: now, m: make(map[string]*failures)}
}

// wait returns how long the keys must wait before another try, 0 if they
// may try now.
func (t *throttle) wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var longest time.Duration
	for _, k := range keys {
		f := t.m[k]
		if f == nil {
			continue
		}
		left := f.start.Add(t.o.Window).Sub(now)
		if left <= 0 {
			delete(t.m, k)
			continue
		}
		if f.n >= t.o.Failures && left > longest {
			longest = left
		}
	}
	return longest
}

// fail counts a failure for each key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		f := t.m[k]
		if f == nil || now.Sub(f.start) >= t.o.Window {
			if f == nil && len(t.m) >= t.o.MaxKeys {
				t.evict(now)
			}
			t.m[k] = &failures{n: 1, start: now}
			continue
		}
		f.n++
	}
}

// evict forgets the windows that have passed or, if none has, the oldest.
func (t *throttle) evict(now time.Time) {
	var oldest string
	var at time.Time
	for k, f := range t.m {
		if now.Sub(f.start) >= t.o.Window {
			delete(t.m, k)
			continue
		}
		if oldest == "" || f.start.Before(at) {
			oldest, at = k, f.start
		}
	}
	if len(t.m) >= t.o.MaxKeys && oldest != "" {
		delete(t.m, oldest)
	}
}

// forget clears a key's failures after a good login.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}

// clientLogin signs an app in: Email is the user name, Passwd an app
// password. The answer is the text lines SID=, LSID= and Auth= (or JSON
// with output=json); the Auth token is "name/app-password", with no "="
// in it (NetNewsWire splits the lines on "=").
func (h *handler) clientLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeText(w, http.StatusMethodNotAllowed, "accounts/ClientLogin takes GET and POST")
		return
	}
	c := &call{w: w, req: r, ctx: r.Context()}
	if err := readForm(c, false); err != nil {
		h.fail(c, err)
		return
	}
	name := strings.TrimSpace(c.form.Get("Email"))
	pw := strings.TrimSpace(c.form.Get("Passwd"))
	if name == "" || pw == "" {
		writeText(w, http.StatusBadRequest, "send Email (your tidings user name) and Passwd (an app password from tidings token add)")
		return
	}
	addrKey, userKey := "addr:"+web.ClientAddr(r), "user:"+strings.ToLower(name)
	if wait := h.logins.wait(addrKey, userKey); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		writeText(w, http.StatusTooManyRequests, "too many failed sign-ins; wait "+wait.Round(time.Second).String()+" and try again")
		return
	}
	u, _, err := h.r.AuthenticateToken(r.Context(), pw)
	if err == nil && u.Name != name {
		err = reader.ErrBadLogin
	}
	if errors.Is(err, reader.ErrBadLogin) {
		h.logins.fail(addrKey, userKey)
		h.log.Warn("greader: failed sign-in", slog.String("user", name), slog.String("addr", web.ClientAddr(r)))
		writeText(w, http.StatusUnauthorized, "Error=BadAuthentication\n\nthe user name or app password is wrong; make one with tidings token add")
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	h.logins.forget(userKey)
	auth := u.Name + "/" + pw
	if c.form.Get("output") == "json" {
		_ = writeJSON(w, map[string]string{"SID": auth, "LSID": auth, "Auth": auth})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("SID=" + auth + "\nLSID=" + auth + "\nAuth=" + auth + "\n"))
}

// token answers the action token T that POSTs carry: the Auth token
// itself, which Liferea sends without an Authorization header.
func (h *handler) token(c *call) error {
	// No newline after it: NetNewsWire pastes the body into its forms as
	// it is.
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = c.w.Write([]byte(c.auth))
	return nil
}

// userInfo answers JSON whatever output asks (FeedMe asks without).
func (h *handler) userInfo(c *call) error {
	id := strconv.FormatInt(c.user.ID, 10)
	return writeJSON(c.w, map[string]any{
		"userId":              id,
		"userName":            c.user.Name,
		"userProfileId":       id,
		"userEmail":           "",
		"isBloggerUser":       false,
		"signupTimeSec":       c.user.CreatedAt.Unix(),
		"isMultiLoginEnabled": false,
	})
}
