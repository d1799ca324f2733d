package ui_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web"
	"tidings/web/ui"
)

// TestBrowserServer drives the page behind the real web.Server: the login
// page, its CSRF checks of forms and of the script's requests, its
// Content-Security-Policy, and logging out.
func TestBrowserServer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not in -short")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost})
	pw := "correct horse battery"
	alice, err := r.AddUser(ctx, "alice", &pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddUser(ctx, "bob", &pw); err != nil {
		t.Fatal(err)
	}
	fs := newFeedServer(t)
	feed := fs.set("/a.xml", rss("Feed A",
		rssItem{Title: "First of A", Link: fs.URL + "/1", Desc: "one"},
		rssItem{Title: "Second of A", Link: fs.URL + "/2", Desc: "two"}))
	if _, err := r.Subscribe(ctx, alice.ID, reader.SubscribeRequest{URL: feed}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(ctx, web.Options{Reader: r, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ui.Mount(srv, ui.New(ui.Options{Reader: r, Fetcher: f}))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	b := newBrowser(t)
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(hs.URL+"/starred"))
	if err != nil {
		t.Fatal(err)
	}
	if csp, _ := resp.Headers["Content-Security-Policy"].(string); !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("the login page's CSP is %q", csp)
	}
	b.waitURL("the login page", func(s string) bool { return strings.Contains(s, "/login") })
	// The login page is styled by the page's stylesheet.
	if n := eval[int](b, `document.styleSheets.length`); n != 1 {
		t.Fatalf("the login page has %d stylesheets", n)
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#user"), "alice"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Submit(chromedp.CSS("#password")))
	b.waitURL("back where the login was asked", func(s string) bool { return strings.HasSuffix(s, "/starred") })
	b.run(chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#items li")))
	// A script's request (s) passes the CSRF check.
	b.key("n")
	b.key("s")
	its, _, err := r.Items(ctx, alice.ID, store.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	b.waitState(&env{t: t, r: r}, alice, its[0].ID, func(it store.Item) bool { return it.Starred }, "starred through web.Server")
	// n, n, Enter opens the second row.
	b.run(chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#items li")))
	second := eval[string](b, `document.querySelectorAll("#items li")[1].dataset.id`)
	b.key("n")
	b.key("n")
	b.key("\r")
	b.waitURL("the second item", func(s string) bool { return strings.Contains(s, "/item/"+second) })
	// r refreshes the list's feeds (a form's POST through the server).
	before := fs.hits("/a.xml")
	b.key("r")
	b.waitURL("a refresh", func(string) bool { return fs.hits("/a.xml") > before })
	// A marks the page read.
	b.run(chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#items li")))
	b.key("A")
	b.waitURL("all read", func(string) bool {
		n, _ := r.CountItems(ctx, alice.ID, store.Query{Unread: true})
		return n == 0
	})
	_, errs, _ := b.seen()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
	// Log out from the settings page.
	b.run(chromedp.Navigate(hs.URL+"/settings"), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	b.waitURL("the login page", func(s string) bool { return strings.Contains(s, "/login") })
	b.run(chromedp.Navigate(hs.URL + "/"))
	b.waitURL("the login page again", func(s string) bool { return strings.Contains(s, "/login") })
}
