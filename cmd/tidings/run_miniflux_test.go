package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestRunServesMinifluxAPI: the daemon answers Miniflux's v1 API on its
// listen address, for an app password made with `tidings token`, and
// refuses a request without one.
func TestRunServesMinifluxAPI(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 3})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true", "@every 1h", srv.URLs()...)
	d := startDaemon(t, dir, cfg)

	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--config", cfg, "token", "add", "me", "--label", "test"},
		strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("token add: exit %d: %s", code, errOut.String())
	}
	token := regexp.MustCompile(`[0-9a-f]{32,}`).FindString(out.String())
	if token == "" {
		t.Fatalf("no token in %q", out.String())
	}

	get := func(path, tok string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, "http://"+d.addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" {
			req.Header.Set("X-Auth-Token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	if code, _ := get("/v1/me", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/me without a token: %d, want 401", code)
	}
	code, body := get("/v1/me", token)
	var me struct {
		Username string `json:"username"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &me) != nil || me.Username != "me" {
		t.Errorf("GET /v1/me = %d %s; want 200 for user me", code, body)
	}
	eventually(t, "both declared feeds fetched", func() bool {
		code, body := get("/v1/entries?status=unread", token)
		var page struct {
			Total int `json:"total"`
		}
		return code == http.StatusOK && json.Unmarshal(body, &page) == nil && page.Total == 6
	})
}
