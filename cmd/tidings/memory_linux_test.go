package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
)

// maxHostileRSS is the loose bound of the memory tests: 32 hostile feeds at
// once took 1.9 GB before the large-body slots, the item cap and the memory
// limit, and 224–235 MB after (README, Performance); the issue asks 250 MB.
const maxHostileRSS = 300 << 20

// hostileFeeds serves one hostile feed on each of 32 loopback addresses, so
// that the per-host limit lets all 32 be fetched at once: endless bodies,
// gzip bombs and 100,000-item feeds in turn. It returns their URLs. The
// server is cmd/feedserver in a process of its own, built without the race
// detector: in this test binary it would be too slow to tell a slow server
// from a slow tidings.
func hostileFeeds(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	bin := buildBinary(t, "../feedserver")
	list := filepath.Join(dir, "urls.txt")
	srv := exec.Command(bin, "-feeds", "32", "-hosts", "32", "-port", "0", "-items", "1", "-urls", list)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
	})
	// Its first line comes once the URLs are written.
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("feedserver: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []fetchtest.Fault{fetchtest.FaultEndless, fetchtest.FaultGzipBomb, fetchtest.FaultHugeFeed}
	var urls []string
	for i, line := range strings.Fields(string(data)) {
		u, err := url.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, "http://"+u.Host+"/fault/"+string(kinds[i%len(kinds)]))
	}
	if len(urls) != 32 {
		t.Fatalf("%d feeds served, want 32", len(urls))
	}
	return urls
}

// buildTidings builds the tidings binary without the race detector, whose
// shadow memory would be measured too.
func buildTidings(t *testing.T) string { return buildBinary(t, ".") }

// buildBinary builds the command in dir (relative to this package).
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmd")
	cmd := exec.Command("go", "build", "-o", bin, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// peakRSS is the high-water mark of a finished child's resident memory.
func peakRSS(t *testing.T, cmd *exec.Cmd) int64 {
	t.Helper()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no rusage for the child")
	}
	return ru.Maxrss << 10 // KiB on Linux
}

// checkHostileStore checks what the 32 feeds left: the 100,000-item feeds
// kept their newest 5,000 items and say so; the others have an error.
func checkHostileStore(t *testing.T, dir string, urls []string) {
	t.Helper()
	db := openDB(t, dir)
	for _, u := range urls {
		f, err := db.Subscription(context.Background(), meID(t, db), u)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(u, string(fetchtest.FaultHugeFeed)):
			want := fmt.Sprintf("kept the newest 5000 of %d items", fetchtest.HugeFeedItems)
			if f.Items != 5000 || !strings.Contains(f.State.LastError, want) || f.State.ErrorCount != 0 {
				t.Errorf("%s: %d items, error %d %q; want 5000 and %q", u, f.Items, f.State.ErrorCount, f.State.LastError, want)
			}
		case f.State.ErrorCount != 1 || !strings.Contains(f.State.LastError, "larger than"):
			t.Errorf("%s: error %d %q; want one 'larger than' error", u, f.State.ErrorCount, f.State.LastError)
		}
	}
}

// TestFetchHostileMemory: a cold 'tidings fetch --all' of 32 hostile feeds
// at once stays within a bounded peak RSS, with the default settings.
func TestFetchHostileMemory(t *testing.T) {
	bin := buildTidings(t)
	urls := hostileFeeds(t)
	dir := t.TempDir()
	// The big bodies are read one at a time: on a machine loaded by the
	// other tests the last ones would wait past the default 30s timeout.
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true\ntimeout = \"5m\"", "@every 1h", urls...)
	cmd := exec.Command(bin, "--config", cfg, "fetch", "--all")
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tidings fetch --all: %v\n%s", err, out)
	}
	rss := peakRSS(t, cmd)
	t.Logf("peak RSS of fetch --all over 32 hostile feeds: %d MiB", rss>>20)
	if rss > maxHostileRSS {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", rss>>20, maxHostileRSS>>20)
	}
	checkHostileStore(t, dir, urls)
}

// TestRunHostileMemory: the same for 'tidings run', from its start until
// every feed was fetched once.
func TestRunHostileMemory(t *testing.T) {
	bin := buildTidings(t)
	urls := hostileFeeds(t)
	dir := t.TempDir()
	// The big bodies are read one at a time: on a machine loaded by the
	// other tests the last ones would wait past the default 30s timeout.
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true\ntimeout = \"5m\"", "@every 1h", urls...)
	cmd := exec.Command(bin, "--config", cfg, "run")
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Every feed fetched once: each has a last fetch.
	db := openDB(t, dir)
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for every feed to be fetched once")
		}
		feeds, err := db.FeedList(context.Background())
		if err != nil || len(feeds) < len(urls) {
			continue
		}
		fetched := 0
		for _, f := range feeds {
			if !f.State.LastFetch.IsZero() {
				fetched++
			}
		}
		if fetched == len(urls) {
			break
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tidings run: %v", err)
	}
	rss := peakRSS(t, cmd)
	t.Logf("peak RSS of run over 32 hostile feeds: %d MiB", rss>>20)
	if rss > maxHostileRSS {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", rss>>20, maxHostileRSS>>20)
	}
	checkHostileStore(t, dir, urls)
}
