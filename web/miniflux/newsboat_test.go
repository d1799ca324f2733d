package miniflux_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"tidings/reader"
	"tidings/store"
)

// newsboat runs `newsboat -x reload print-unread` against the server as
// the user and returns the unread count it prints.
func newsboat(t *testing.T, e *env, user, token string) int {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	cfg := "urls-source \"miniflux\"\n" +
		"miniflux-url \"" + e.srv.URL + "/\"\n" +
		"miniflux-login \"" + user + "\"\n" +
		"miniflux-password \"" + token + "\"\n"
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	urls := filepath.Join(dir, "urls")
	if err := os.WriteFile(urls, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "newsboat", "-C", conf, "-u", urls,
		"-c", filepath.Join(dir, "cache.db"), "-x", "reload", "print-unread")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("newsboat: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) unread articles`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("newsboat printed no unread count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func TestNewsboat(t *testing.T) {
	if _, err := exec.LookPath("newsboat"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("newsboat is not installed, and CI=true needs it (apt-get install newsboat)")
		}
		t.Skip("newsboat is not installed (apt-get install newsboat); skipping the newsboat test")
	}
	ctx := context.Background()
	e := newEnv(t, 2, 4)
	u, tok := e.user(t, "alice")
	for i, tags := range [][]string{nil, {"news"}} {
		if _, err := e.r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: e.feeds.URL(i), Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := e.r.CountItems(ctx, u.ID, store.Query{Unread: true})
	if err != nil || want != 8 {
		t.Fatalf("unread in tidings: %d, %v", want, err)
	}
	if got := newsboat(t, e, "alice", tok); got != want {
		t.Errorf("newsboat shows %d unread, tidings has %d", got, want)
	}
	// Read in tidings: newsboat sees it on its next reload.
	ids, err := e.r.ItemIDs(ctx, u.ID, store.Query{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Mark(ctx, u.ID, ids, reader.MarkRead); err != nil {
		t.Fatal(err)
	}
	if got := newsboat(t, e, "alice", tok); got != want-3 {
		t.Errorf("after reading 3 in tidings newsboat shows %d unread, want %d", got, want-3)
	}
}
