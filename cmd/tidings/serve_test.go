package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
)

// TestServe: `tidings serve` answers the login page, /healthz and the
// Miniflux API with the security headers, fetches nothing, and exits 0
// when stopped.
func TestServe(t *testing.T) {
	feeds := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 2})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true", "@every 1m", feeds.URLs()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"--config", cfg, "serve"}, strings.NewReader(""), io.Discard, &logs)
	}()
	var addr string
	eventually(t, "the start line", func() bool {
		m := regexp.MustCompile(`web=http://([^/ ]+)/`).FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		default:
		}
		return m != nil
	})

	get := func(path string) (*http.Response, string) {
		t.Helper()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, body := get("/healthz")
	var health map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &health) != nil || health["fetching"] != false {
		t.Errorf("GET /healthz = %d %s; want 200 saying it does not fetch", resp.StatusCode, body)
	}
	// On loopback, the one user without a password is not asked to log
	// in: the login page sends them on.
	resp, body = get("/login?next=/feeds")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/feeds" {
		t.Errorf("GET /login = %d %s, Location %q; want 303 to /feeds", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "https://*.youtube.com") {
		t.Errorf("CSP %q; want default-src 'none' and the config's iframe hosts", csp)
	}
	if resp, _ := get("/v1/me"); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /v1/me without a token = %d; want 401 with the security headers", resp.StatusCode)
	}
	if resp, _ := get("/metrics"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics = %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-exited:
		if code != exitOK {
			t.Errorf("serve exited with %d after SIGINT; want 0:\n%s", code, logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
	}
	if n := feeds.FeedRequests(0); n != 0 {
		t.Errorf("serve fetched the declared feed %d times; want none", n)
	}
}

// TestServeRefusesUsersWithoutPassword: on an address other machines
// reach, run and serve refuse to start while a user has no password, and
// say how to set one. Nothing listens: the check comes first.
func TestServeRefusesUsersWithoutPassword(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	body := "database = " + `"` + filepath.Join(dir, "tidings.db") + `"` + "\nlisten = \"0.0.0.0:0\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--config", cfg, "user", "add", "bob"}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("user add bob: exit %d: %s", code, errOut.String())
	}
	for _, cmd := range []string{"serve", "run"} {
		t.Run(cmd, func(t *testing.T) {
			var errOut bytes.Buffer
			code := Main(context.Background(), []string{"--config", cfg, cmd}, strings.NewReader(""), io.Discard, &errOut)
			if code != exitFailure || !strings.Contains(errOut.String(), "tidings user passwd bob") ||
				!strings.Contains(errOut.String(), "0.0.0.0:0") {
				t.Errorf("%s on 0.0.0.0 with bob without a password: exit %d, %q; want 1 naming bob and `tidings user passwd bob`",
					cmd, code, errOut.String())
			}
		})
	}
}

// TestServeLogin: with two users, the page asks for a login; the
// password set with `tidings user` logs in, for web.session_lifetime.
func TestServeLogin(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	body := "database = " + `"` + filepath.Join(dir, "tidings.db") + `"` + "\nlisten = \"127.0.0.1:0\"\n[web]\nsession_lifetime = \"2h\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		var errOut bytes.Buffer
		if code := Main(context.Background(), []string{"--config", cfg, "user", "add", u, "--password-stdin"},
			strings.NewReader("correct horse\n"), io.Discard, &errOut); code != exitOK {
			t.Fatalf("user add %s: exit %d: %s", u, code, errOut.String())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, []string{"--config", cfg, "serve"}, strings.NewReader(""), io.Discard, &logs)
	}()
	var addr string
	eventually(t, "the start line", func() bool {
		m := regexp.MustCompile(`web=http://([^/ ]+)/`).FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Two users: the login page asks (no page is mounted on this
	// branch yet to be sent from).
	resp, err := client.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login = %d; want the form", resp.StatusCode)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the login page:\n%s", page)
	}
	resp, err = client.PostForm("http://"+addr+"/login", url.Values{"csrf": {string(m[1])}, "user": {"alice"},
		"password": {"correct horse"}, "next": {"/feeds"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "tidings_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/feeds" || session == nil || session.MaxAge != 7200 {
		t.Fatalf("login = %d to %q, cookie %+v; want 303 to /feeds and a session of 2h", resp.StatusCode, resp.Header.Get("Location"), session)
	}
	// Logged in, the login page sends alice on.
	resp, err = client.Get("http://" + addr + "/login?next=/feeds")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/feeds" {
		t.Errorf("GET /login when logged in = %d to %q; want 303 to /feeds", resp.StatusCode, resp.Header.Get("Location"))
	}
	cancel()
	if code := <-exited; code != exitOK {
		t.Errorf("serve exited with %d:\n%s", code, logs.String())
	}
}
