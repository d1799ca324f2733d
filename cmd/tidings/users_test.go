package main

import (
	"os"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

const privateFetch = "[fetch]\nallow_private_networks = true\n"

// TestUserCommands runs the user and token commands, and their bad input.
func TestUserCommands(t *testing.T) {
	h := newHarness(t, "")
	tests := []struct {
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"user", "add", "alice", "--password-stdin"}, "correct horse\n", exitOK, "Added user alice.", ""},
		{[]string{"user", "add", "alice"}, "", exitFailure, "", `a user named "alice" exists already`},
		{[]string{"user", "add", "two words"}, "", exitUsage, "", "has a space in it"},
		{[]string{"user", "add", "bell\a"}, "", exitUsage, "", "control character"},
		{[]string{"user", "add", "bob", "--password-stdin"}, "\n", exitUsage, "", "the password is empty"},
		{[]string{"user", "add", "bob", "--password-stdin"}, "abc\n", exitUsage, "", "too short (3 characters)"},
		{[]string{"user", "add", "bob"}, "", exitOK, "without a password", ""},
		{[]string{"user", "list"}, "", exitOK, "alice  0      set", ""},
		{[]string{"user", "passwd", "nobody", "--password-stdin"}, "long enough\n", exitFailure, "", `no user named "nobody"`},
		{[]string{"user", "passwd", "bob", "--password-stdin"}, "long enough\n", exitOK, "Changed the password of bob.", ""},
		{[]string{"user", "remove", "nobody"}, "", exitFailure, "", `no user named "nobody"`},
		{[]string{"user", "frobnicate"}, "", exitUsage, "", "unknown user command"},
		{[]string{"token", "list", "alice"}, "", exitOK, "No tokens for alice.", ""},
		{[]string{"token", "add", "alice", "--label", "phone"}, "", exitOK, "", "shown once"},
		{[]string{"token", "list", "alice"}, "", exitOK, "1   phone  ", ""},
		{[]string{"token", "add", "nobody"}, "", exitFailure, "", `no user named "nobody"`},
		{[]string{"token", "revoke", "bob", "1"}, "", exitFailure, "", `user "bob" has no token with ID 1`},
		{[]string{"token", "revoke", "alice", "1"}, "", exitOK, "Revoked token 1 of alice.", ""},
		{[]string{"token", "revoke", "alice", "1"}, "", exitFailure, "", `user "alice" has no token with ID 1`},
		{[]string{"token", "revoke", "alice", "x"}, "", exitUsage, "", "is not a token ID"},
		{[]string{"user", "remove", "bob"}, "", exitOK, "Removed user bob", ""},
	}
	for _, tt := range tests {
		r := h.runIn(strings.NewReader(tt.stdin), tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("tidings %q: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout with %q, stderr with %q",
				tt.args, r.code, tt.code, r.stdout, r.stderr, tt.stdout, tt.stderr)
		}
	}
	if r := h.mustRun(exitOK, "token", "add", "alice"); len(strings.TrimSpace(r.stdout)) != 40 || strings.Contains(r.stderr, strings.TrimSpace(r.stdout)) {
		t.Errorf("token add printed %q (stderr %q): want the 40-character token once, on stdout", r.stdout, r.stderr)
	}
}

// TestTwoUsers subscribes two users to one feed on one database: one feed
// fetched once; one user's reading and leaving do not touch the other's.
func TestTwoUsers(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Items: 3})
	h := newHarness(t, privateFetch)
	// One user: no command mentions users.
	r := h.mustRun(exitOK, "add", srv.URL(0))
	if strings.Contains(r.stdout+r.stderr, "user") {
		t.Errorf("single-user add mentions users: %s%s", r.stdout, r.stderr)
	}
	h.mustRun(exitOK, "user", "add", "bob")
	// Two users, none named: exit 2 and a clear message.
	r = h.run("items")
	if r.code != exitUsage || !strings.Contains(r.stderr, "2 users share this database (bob, me): say which one acts with --user NAME or TIDINGS_USER") {
		t.Fatalf("items with two users: exit %d, %s", r.code, r.stderr)
	}
	h.mustRun(exitOK, "--user", "bob", "add", srv.URL(0), "--no-fetch")
	if n := srv.FeedRequests(0); n != 1 {
		t.Errorf("%d requests for the feed both follow, want 1", n)
	}
	h.mustRun(exitOK, "fetch", "--all")
	if n := srv.FeedRequests(0); n != 2 {
		t.Errorf("%d requests after fetch --all, want 2: one feed, fetched once", n)
	}
	h.mustRun(exitOK, "read", "--all", "--user", "me")
	t.Setenv("TIDINGS_USER", "bob")
	if r := h.mustRun(exitOK, "items", "--unread", "--json"); strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("bob's unread items after me read all: %s", r.stdout)
	}
	os.Unsetenv("TIDINGS_USER")
	h.mustRun(exitOK, "remove", srv.URL(0), "--user", "me")
	if r := h.mustRun(exitOK, "feeds", "--user", "bob", "--json"); !strings.Contains(r.stdout, `"items":3,"unread":3`) {
		t.Errorf("bob's feed after me left: %s", r.stdout)
	}
	if r := h.run("items", "--user", "carol"); r.code != exitFailure || !strings.Contains(r.stderr, `no user named "carol"`) {
		t.Errorf("unknown --user: exit %d, %s", r.code, r.stderr)
	}
}

// TestConfigUser checks that [[feed]] blocks are the config's user's.
func TestConfigUser(t *testing.T) {
	h := newHarness(t, "user = \"alice\"\n[[feed]]\nurl = \"https://declared.example/rss\"\n")
	if r := h.run("feeds"); r.code != exitUsage || !strings.Contains(r.stderr, `user = "alice": no such user`) {
		t.Fatalf("config user missing: exit %d, %s", r.code, r.stderr)
	}
	h.mustRun(exitOK, "user", "add", "alice")
	h.mustRun(exitOK, "user", "add", "bob")
	if r := h.mustRun(exitOK, "feeds", "--user", "alice"); !strings.Contains(r.stdout, "https://declared.example/rss") {
		t.Errorf("alice's feeds lack the declared one:\n%s", r.stdout)
	}
	if r := h.mustRun(exitOK, "feeds", "--user", "bob"); strings.Contains(r.stdout, "declared.example") {
		t.Errorf("bob got alice's declared feed:\n%s", r.stdout)
	}
}

// TestUnknownTag checks that a tag no feed has fails like an unknown feed.
func TestUnknownTag(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	for _, args := range [][]string{{"items", "--tag", "nosuchtag"}, {"read", "--all", "--tag", "nosuchtag"}, {"search", "go", "--tag", "nosuchtag"}} {
		r := h.run(args...)
		if r.code != exitFailure || !strings.Contains(r.stderr, `no feed is tagged "nosuchtag"; the tags are: go, programming`) {
			t.Errorf("tidings %q: exit %d, %s", args, r.code, r.stderr)
		}
	}
}

// TestAddRefused checks what add says of a server that refuses for now.
func TestAddRefused(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{})
	h := newHarness(t, privateFetch)
	for _, f := range []fetchtest.Fault{fetchtest.FaultTooManyRequests, fetchtest.FaultUnavailable} {
		r := h.run("add", srv.FaultURL(f))
		if r.code != exitFailure || !strings.Contains(r.stderr, "try again later; nothing was added") ||
			strings.Contains(r.stderr, "without a valid Retry-After") || strings.Contains(r.stderr, "will retry") {
			t.Errorf("add of %s: exit %d, %s", f, r.code, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, "")
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if r := h.mustRun(exitOK, args...); !strings.HasPrefix(r.stdout, "tidings ") || !strings.Contains(r.stdout, "built with go") {
			t.Errorf("tidings %q: %s", args, r.stdout)
		}
	}
}
