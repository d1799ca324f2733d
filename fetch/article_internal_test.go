package fetch

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestHostLimit(t *testing.T) {
	l := hostLimit{per: 1}
	release, err := l.acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatal(err)
	}
	// Another host is not held up.
	releaseB, err := l.acquire(context.Background(), "b.test")
	if err != nil {
		t.Fatal(err)
	}
	releaseB()
	// The same host is: with its slot taken, only the context can end
	// the wait.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, "a.test"); !errors.Is(err, ErrCanceled) {
		t.Fatalf("second fetch to a full host: %v, want ErrCanceled", err)
	}
	release()
	release2, err := l.acquire(context.Background(), "a.test")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release2()
	if n := len(l.slots); n != 0 {
		t.Errorf("%d hosts remembered with nothing in flight, want 0", n)
	}
}

func TestRobotsNoArchive(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"noindex"}, false},
		{[]string{"noindex, noarchive"}, true},
		{[]string{"NONE"}, true},
		{[]string{"otherbot: noarchive"}, false},
		{[]string{"tidings: noarchive"}, true},
		{[]string{"unavailable_after: 25 Jun 2010 15:00:00 PST"}, false},
	}
	for _, tt := range tests {
		if got := robotsNoArchive(tt.values); got != tt.want {
			t.Errorf("robotsNoArchive(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

// FuzzArticleExtract: any page gives an article or an error, never a
// panic, and an article is safe HTML.
func FuzzArticleExtract(f *testing.F) {
	for _, s := range []string{
		"", "<html>", "<p>" + string(make([]byte, 300)) + "</p>",
		`<html><head><meta name="robots" content="noarchive"></head><body><p>x</p></body></html>`,
		`<article><p>` + repeatWord("text ", 100) + `</p><script>alert(1)</script><iframe src="//evil.test/"></iframe></article>`,
	} {
		f.Add([]byte(s), "text/html")
	}
	a := NewArticleFetcher(New(Options{}))
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		art, err := a.extract(body, h, "http://example.test/page")
		if err != nil {
			return
		}
		if msg := unsafeHTML(art.Content); msg != "" {
			t.Fatalf("unsafe article: %s\n%s", msg, art.Content)
		}
	})
}

func repeatWord(w string, n int) string {
	b := make([]byte, 0, len(w)*n)
	for range n {
		b = append(b, w...)
	}
	return string(b)
}
