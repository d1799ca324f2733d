package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"tidings/store"
)

// browser is a headless Chromium on one tab, with what the page did:
// dialogs, console errors, and the hosts it asked for.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	dialogs  []string
	errors   []string
	requests []string
}

func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (chromium on PATH); CI must install it: apt-get install chromium")
	}
	t.Skip("no Chromium found (install the Debian package chromium); the browser tests run under CI=true")
	return ""
}

func newBrowser(t *testing.T) *browser {
	path := findChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	b := &browser{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, ev.Message)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == "error" || ev.Type == "warning" {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				b.errors = append(b.errors, "console: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == "error" {
				b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("chromium: %v", err)
	}
}

// call runs a protocol command.
func call[P, R any](b *browser, cmd cdp.Command[P, R], p P) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, cmd, p); err != nil {
		b.t.Fatalf("chromium: %s: %v", cmd.Method, err)
	}
}

// eval evaluates a script expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("chromium: evaluate %.60s: %v", expr, err)
	}
	return v
}

// reset forgets what was recorded so far.
func (b *browser) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dialogs, b.errors, b.requests = nil, nil, nil
}

func (b *browser) seen() (dialogs, errs, reqs []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...), append([]string(nil), b.errors...), append([]string(nil), b.requests...)
}

// login sets the cookie that the test wrapper reads as the user.
func (b *browser) login(base, name string) {
	b.t.Helper()
	call(b, network.SetCookie, network.SetCookieParams{Name: "user", Value: name, URL: base, Path: "/"})
}

// waitURL waits until the tab's address satisfies ok.
func (b *browser) waitURL(what string, ok func(string) bool) string {
	b.t.Helper()
	var loc string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		l, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
		if err == nil && l != "" {
			loc = l
			if ok(l) {
				return l
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("the page did not go to %s; it is at %q", what, loc)
	return ""
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("chromium: text of %s: %v", sel, err)
	}
	return s
}

// key presses one key on the page.
func (b *browser) key(k string) {
	b.t.Helper()
	b.run(chromedp.KeyEvent(k))
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not in -short")
	}
	e := newEnv(t)
	fs := newFeedServer(t)
	img := fs.URL + "/img/pic.svg"
	feedA := fs.set("/a.xml", rss("Feed A",
		rssItem{Title: "Gophers at the river", Link: fs.URL + "/posts/1",
			Desc: htmlEsc(`<p>The river gophers swim.</p><img src="` + img + `" alt="a picture">`), Enclosure: fs.URL + "/media/ep1.mp3"},
		rssItem{Title: "Second post", Link: fs.URL + "/posts/2", Desc: htmlEsc(`<p>Two.</p>`)},
		rssItem{Title: "Third post", Link: fs.URL + "/posts/3", Desc: htmlEsc(`<p>Three.</p>`)},
	))
	hostile := `<p>Hostile text.</p><script>alert("script")</script>` +
		`<img src="` + fs.URL + `/img/missing.png" onerror="alert('onerror')">` +
		`<a href="javascript:alert('link')" id="jslink">a javascript: link</a>` +
		`<svg xmlns="http://www.w3.org/2000/svg"><script>alert("svg")</script><circle r="4" onload="alert('svgload')"/></svg>` +
		`<meta http-equiv="refresh" content="0;url=http://evil.invalid/">` +
		`<iframe src="http://evil.invalid/frame"></iframe><object data="http://evil.invalid/o"></object>` +
		`<form action="http://evil.invalid/f"><button>go</button></form>` +
		`<img src="` + img + `">`
	feedH := fs.set("/h.xml", rss("Hostile feed", rssItem{Title: "Hostile item", Link: fs.URL + "/posts/h", Desc: htmlEsc(hostile)}))

	alice, _ := e.user("alice")
	e.user("bob")
	b := newBrowser(t)
	base := e.srv.URL
	b.login(base, "alice")

	// Subscribe through the form.
	b.run(chromedp.Navigate(base+"/feeds"),
		chromedp.SendKeys(chromedp.CSS(`input[name=url]`), feedA),
		chromedp.SendKeys(chromedp.CSS(`input[name=tags]`), "news"),
		chromedp.Submit(chromedp.CSS(`input[name=url]`)))
	b.waitURL("the new feed's page", func(s string) bool { return strings.Contains(s, "/feeds/") })
	if s := b.text("main"); !strings.Contains(s, "Feed A") || !strings.Contains(s, "3 unread of 3") {
		t.Fatalf("the feed's page says:\n%s", s)
	}
	e.subscribe(alice, feedH)

	// The unread page, and its first render.
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#items li")))
	perf := eval[map[string]float64](b, `(() => { const n = performance.getEntriesByType("navigation")[0];
		const p = performance.getEntriesByName("first-contentful-paint")[0];
		return {ttfb: n.responseStart, dom: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: p ? p.startTime : -1}; })()`)
	t.Logf("unread page in Chromium over loopback: first byte %.1f ms, DOM ready %.1f ms, load %.1f ms, first contentful paint %.1f ms",
		perf["ttfb"], perf["dom"], perf["load"], perf["fcp"])

	// Keys: j opens the first item, which is then read.
	b.key("j")
	b.waitURL("the first item", func(s string) bool { return strings.Contains(s, "/item/") })
	b.run(chromedp.WaitVisible(chromedp.CSS("#item")))
	first := b.text("#item h1")
	its := e.items(alice, store.Query{})
	byTitle := map[string]store.Item{}
	for _, it := range its {
		byTitle[it.Title] = it
	}
	opened, ok := byTitle[first]
	if !ok {
		t.Fatalf("opened %q, which is no item", first)
	}
	if !e.items(alice, store.Query{IDs: []int64{opened.ID}})[0].Read {
		t.Fatal("opening the item did not mark it read")
	}
	// s stars it, m marks it unread again: without reloading.
	b.key("s")
	b.waitState(e, alice, opened.ID, func(it store.Item) bool { return it.Starred }, "starred by s")
	b.key("m")
	b.waitState(e, alice, opened.ID, func(it store.Item) bool { return !it.Read }, "unread by m")
	// j goes to the next one, k back.
	b.key("j")
	b.waitURL("the next item", func(s string) bool { return strings.Contains(s, "/item/") && b.curTitle() != first })
	second := b.curTitle()
	b.key("k")
	b.waitURL("the previous item", func(s string) bool { return b.curTitle() == first })
	_ = second
	// ? shows the keys, Escape closes them.
	b.key("?")
	open := eval[bool](b, `document.getElementById("keys").open`)
	if !open {
		t.Fatal("? did not open the list of keys")
	}
	b.key("\x1b") // Escape
	// / searches.
	b.run(chromedp.Sleep(100 * time.Millisecond))
	b.key("/")
	if f := eval[string](b, `document.activeElement.id`); f != "q" {
		t.Fatalf("/ focused %q, not the search field", f)
	}
	// The protocol types the key's character into the field it focused,
	// which a real keyboard does not: start the field again.
	eval[string](b, `document.getElementById("q").value = ""`)
	b.run(chromedp.SendKeys(chromedp.CSS("#q"), "gophers\r"))
	b.waitURL("the search", func(s string) bool { return strings.Contains(s, "/search?q=gophers") })
	marks := eval[[]string](b, `Array.from(document.querySelectorAll("#items mark")).map(m => m.textContent)`)
	if len(marks) == 0 || !strings.EqualFold(marks[0], "gophers") {
		t.Fatalf("search marks %q", marks)
	}
	// g s: the starred list has the starred item.
	b.key("g")
	b.key("s")
	b.waitURL("starred", func(s string) bool { return strings.HasSuffix(s, "/starred") })
	if s := b.text("#items"); !strings.Contains(s, first) {
		t.Fatalf("starred list: %s", s)
	}
	b.key("g")
	b.key("f")
	b.waitURL("feeds", func(s string) bool { return strings.HasSuffix(s, "/feeds") })
	b.key("g")
	b.key("u")
	b.waitURL("unread", func(s string) bool { return strings.HasSuffix(s, "/") })

	// The hostile item runs nothing and asks no other host.
	b.reset()
	hostileItem := e.items(alice, store.Query{FeedURL: feedH})[0]
	b.checkHostile(base, fs.URL, hostileItem.ID, "sanitised at ingest", true)
	// Defence in depth: the same content stored as it came, unsanitised:
	// the Content-Security-Policy alone must stop it.
	raw := e.saveRaw(alice, hostile)
	b.checkHostile(base, fs.URL, raw, "stored raw, stopped by the CSP alone", false)

	// "Load more" appends the next page in place.
	var filler []rssItem
	for i := range 70 {
		filler = append(filler, rssItem{Title: fmt.Sprintf("Filler %d", i), Link: fmt.Sprintf("%s/f/%d", fs.URL, i)})
	}
	e.subscribe(alice, fs.set("/filler.xml", rss("Filler", filler...)))
	b.run(chromedp.Navigate(base+"/all"), chromedp.WaitVisible(chromedp.CSS("#more")))
	if n := eval[int](b, `document.querySelectorAll("#items li").length`); n != 50 {
		t.Fatalf("the first page has %d rows", n)
	}
	b.run(chromedp.Click(chromedp.CSS("#more")))
	b.waitURL("more rows", func(s string) bool {
		n, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#items li").length`))
		return n > 50 && strings.HasSuffix(s, "/all")
	})

	// A 5,000-character title and right-to-left text do not widen the
	// page, on a phone or on a desktop.
	long := strings.Repeat("Longword", 625)
	e.subscribe(alice, fs.set("/long.xml", rss(long, rssItem{Title: long, Link: fs.URL + "/l"},
		rssItem{Title: "כותרת בעברית עם מילים רבות מאוד כדי למלא שורה שלמה ועוד", Link: fs.URL + "/r"})))
	longID := e.items(alice, store.Query{Search: "", Limit: 1, FeedURL: fs.URL + "/long.xml"})[0].ID
	for _, w := range []int64{360, 1280} {
		call(b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: 800, DeviceScaleFactor: 1, Mobile: w < 900})
		for _, p := range []string{"/all", fmt.Sprintf("/item/%d?from=all", longID), "/feeds"} {
			b.run(chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body")))
			if sw := eval[int64](b, `document.documentElement.scrollWidth`); sw > w {
				t.Errorf("%s at %d px wide is %d px wide", p, w, sw)
			}
		}
	}
	call(b, emulation.ClearDeviceMetricsOverride, cdp.Empty{})

	// Screenshots, of a reader with a few feeds.
	if os.Getenv("TIDINGS_SCREENSHOTS") == "1" {
		carol, _ := e.user("carol")
		itemID := screenshotFeeds(e, fs, carol)
		b.login(base, "carol")
		b.screenshots(base, itemID)
		b.login(base, "alice")
	}

	// Mark all read with A (the page) and the button (the list).
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#markall button")),
		chromedp.Click(chromedp.CSS("#markall button")))
	b.waitURL("the list, all read", func(string) bool {
		s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(".list")||{}).innerText||""`))
		return strings.Contains(s, "Nothing unread")
	})
	if n, _ := e.r.CountItems(context.Background(), alice.ID, store.Query{Unread: true}); n != 0 {
		t.Fatalf("%d unread after mark all read", n)
	}

	// Bob sees none of it.
	b.login(base, "bob")
	for _, p := range []string{"/", "/starred", "/all", "/feeds", "/search?q=gophers"} {
		b.run(chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body")))
		body := eval[string](b, `document.body.innerText`)
		for _, s := range []string{"Gophers", "Feed A", "Hostile", "#news"} {
			if strings.Contains(body, s) {
				t.Errorf("bob's %s shows %q", p, s)
			}
		}
	}
}

func (b *browser) curTitle() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector("#item h1")||{}).textContent||""`))
	return s
}

func (b *browser) waitState(e *env, u store.User, id int64, ok func(store.Item) bool, what string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok(e.items(u, store.Query{IDs: []int64{id}})[0]) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("item %d not %s", id, what)
}

// checkHostile opens the item and checks that nothing ran: no dialog, no
// request to a host other than the server and the image host, the page
// still where it was; with clean, no console error at all.
func (b *browser) checkHostile(base, imgHost string, id int64, how string, clean bool) {
	b.t.Helper()
	b.reset()
	u := fmt.Sprintf("%s/item/%d?from=all", base, id)
	b.run(chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#item .content")), chromedp.Sleep(1500*time.Millisecond))
	loc := eval[string](b, `location.href`)
	if loc != u {
		b.t.Errorf("%s: the page went to %s", how, loc)
	}
	// A click on the javascript: link runs nothing either.
	links := eval[int](b, `document.querySelectorAll("#item .content a[href^='javascript:']").length`)
	if links > 0 {
		b.run(chromedp.Click(chromedp.CSS(`#item .content a[href^='javascript:']`)), chromedp.Sleep(300*time.Millisecond))
	}
	dialogs, errs, reqs := b.seen()
	if len(dialogs) > 0 {
		b.t.Errorf("%s: dialogs opened: %q", how, dialogs)
	}
	allowed := map[string]bool{hostOf(base): true, hostOf(imgHost): true}
	for _, r := range reqs {
		if strings.HasPrefix(r, "data:") {
			continue
		}
		if !allowed[hostOf(r)] {
			b.t.Errorf("%s: the page asked %s", how, r)
		}
	}
	for _, e := range errs {
		if clean {
			if !strings.Contains(e, "/img/missing.png") {
				b.t.Errorf("%s: console error %s", how, e)
			}
			continue
		}
		b.t.Logf("%s: %s", how, e)
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}

func htmlEsc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// saveRaw stores an item with content as given, bypassing the sanitiser
// of fetch, in a feed of its own; it returns its ID.
func (e *env) saveRaw(u store.User, content string) int64 {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.st.Subscribe(ctx, u.ID, store.Subscription{Feed: store.Feed{URL: "http://raw.test/feed"}})
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now()
	if _, err := e.st.SaveFetch(ctx, s.ID, store.FetchResult{Now: now, State: store.FeedState{LastFetch: now, NextDue: now.Add(time.Hour)},
		Title: "Raw feed", Items: []store.Item{{GUID: "raw", URL: "http://raw.test/1", Title: "Raw hostile item", Content: content}}}); err != nil {
		e.t.Fatal(err)
	}
	its := e.items(u, store.Query{FeedID: s.ID})
	return its[0].ID
}

// screenshots writes the main pages at desktop and phone width, light
// and dark, to docs/screenshots.
func (b *browser) screenshots(base string, itemID int64) {
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	pages := []struct{ name, path string }{
		{"unread", "/"},
		{"item", fmt.Sprintf("/item/%d?from=all", itemID)},
		{"feeds", "/feeds"},
		{"settings", "/settings"},
	}
	for _, dev := range []struct {
		name   string
		w, h   int64
		scale  float64
		mobile bool
	}{{"desktop", 1280, 800, 1, false}, {"phone", 390, 844, 2, true}} {
		for _, scheme := range []string{"light", "dark"} {
			call(b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: dev.w, Height: dev.h, DeviceScaleFactor: dev.scale, Mobile: dev.mobile})
			call(b, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			for _, p := range pages {
				b.run(chromedp.Navigate(base+p.path), chromedp.WaitReady(chromedp.CSS("body")), chromedp.Sleep(200*time.Millisecond))
				png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
				if err != nil {
					b.t.Fatal(err)
				}
				name := filepath.Join(dir, p.name+"-"+dev.name+"-"+scheme+".png")
				if err := os.WriteFile(name, png, 0o644); err != nil {
					b.t.Fatal(err)
				}
			}
		}
	}
	call(b, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	call(b, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	b.t.Logf("screenshots written to %s", dir)
}

// screenshotFeeds subscribes u to three feeds that look like real ones,
// and returns the item to show open.
func screenshotFeeds(e *env, fs *feedServer, u store.User) int64 {
	e.t.Helper()
	para := func(s string) string { return "<p>" + s + "</p>" }
	lorem := "Feeds are read best in a quiet place: one list, the newest first, and the text itself in a column of a width the eye can follow. "
	article := para("The river behind the old mill runs high this spring, and the gophers that live along its banks have moved up the slope. "+lorem) +
		`<figure><img src="` + fs.URL + `/img/river.svg" alt="The river" width="800" height="360"><figcaption>The river at the mill, in April.</figcaption></figure>` +
		para(lorem+lorem) + "<blockquote><p>Keep what you read; throw away what you do not.</p></blockquote>" + para(lorem)
	feeds := []struct {
		path, title, tag string
		items            []rssItem
	}{
		{"/s/river.xml", "River Notes", "nature", []rssItem{
			{Title: "Gophers at the river, and what the flood left behind", Link: fs.URL + "/s/1", Desc: htmlEsc(article)},
			{Title: "A week of rain", Link: fs.URL + "/s/2", Desc: htmlEsc(para(lorem))},
			{Title: "Birds of the lower meadow", Link: fs.URL + "/s/3", Desc: htmlEsc(para(lorem))},
		}},
		{"/s/go.xml", "The Go Blog", "go", []rssItem{
			{Title: "Range over functions, one year on", Link: fs.URL + "/s/4", Desc: htmlEsc(para(lorem)), Date: "Fri, 01 May 2026 11:30:00 +0000"},
			{Title: "Smaller binaries with the new linker", Link: fs.URL + "/s/5", Desc: htmlEsc(para(lorem)), Date: "Thu, 30 Apr 2026 09:00:00 +0000"},
		}},
		{"/s/podcast.xml", "Feeds &amp; Readers, a podcast", "podcasts", []rssItem{
			{Title: "Episode 42: the web page that reads feeds", Link: fs.URL + "/s/6", Desc: htmlEsc(para("An hour on reading pages.")),
				Enclosure: fs.URL + "/s/ep42.mp3", Date: "Fri, 01 May 2026 10:15:00 +0000"},
		}},
		{"/s/rtl.xml", "חדשות הבוקר", "news", []rssItem{
			{Title: "כותרת ראשית של הבוקר, בעברית", Link: fs.URL + "/s/7", Desc: htmlEsc(para("טקסט בעברית.")), Date: "Fri, 01 May 2026 08:00:00 +0000"},
		}},
	}
	var open int64
	for _, f := range feeds {
		sub := e.subscribe(u, fs.set(f.path, rss(f.title, f.items...)), f.tag)
		if f.tag == "nature" {
			open = e.items(u, store.Query{FeedID: sub.ID, Limit: 1})[0].ID
		}
	}
	return open
}
