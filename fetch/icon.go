package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"

	"tidings/store"
)

// ErrNoIcon means a site offers no icon that FetchIcon takes: none was
// found, or those found were not small images.
var ErrNoIcon = errors.New("no icon found")

// maxIconPage caps how much of a site's home page FetchIcon reads for its
// <link rel="icon">: the links are in the head, near the start.
const maxIconPage = 256 << 10

// iconTypes are the image types an icon may be, as sniffed from its bytes
// (http.DetectContentType), whatever the server says. SVG is not among
// them: it is a document that may carry script.
var iconTypes = map[string]bool{
	"image/png": true, "image/gif": true, "image/jpeg": true, "image/webp": true,
	"image/x-icon": true, "image/bmp": true,
}

// FetchIcon looks for the icon of a feed's site and returns the first it
// finds of: the icons its home page (SiteURL, else the feed's own origin)
// declares with <link rel="icon">, /favicon.ico on that origin, and the
// feed's own image (IconURL). Every request goes through the Fetcher's
// client, so its network rules (no private addresses unless allowed,
// redirects checked) apply. An icon is at most store.MaxIconSize bytes
// and one of the image types above, judged by its bytes; anything else
// is skipped. With nothing found, the error wraps ErrNoIcon and says what
// was tried.
func (f *Fetcher) FetchIcon(ctx context.Context, feed store.Feed) (store.Icon, error) {
	site := feed.SiteURL
	if site == "" {
		site = feed.Target()
	}
	su, err := url.Parse(site)
	if err != nil || (su.Scheme != "http" && su.Scheme != "https") || su.Host == "" {
		su = nil
	}
	var tries []string
	if su != nil {
		if feed.SiteURL != "" {
			tries = append(tries, f.pageIcons(ctx, feed.SiteURL)...)
		}
		origin := &url.URL{Scheme: su.Scheme, Host: su.Host, Path: "/favicon.ico"}
		tries = append(tries, origin.String())
	}
	if feed.IconURL != "" {
		tries = append(tries, feed.IconURL)
	}
	var reasons []string
	seen := map[string]bool{}
	for _, u := range tries {
		if seen[u] {
			continue
		}
		seen[u] = true
		ic, err := f.iconAt(ctx, u)
		if err == nil {
			ic.FeedID = feed.ID
			return ic, nil
		}
		if ctx.Err() != nil {
			return store.Icon{}, fmt.Errorf("icon of %s: %w", site, ctx.Err())
		}
		reasons = append(reasons, err.Error())
	}
	if len(reasons) == 0 {
		return store.Icon{}, fmt.Errorf("icon of feed %s: %w: it has no site URL", feed.URL, ErrNoIcon)
	}
	return store.Icon{}, fmt.Errorf("icon of %s: %w (%s)", site, ErrNoIcon, strings.Join(reasons, "; "))
}

// iconGet GETs u through the Fetcher's client and reads at most limit+1
// bytes of a 200 answer's body.
func (f *Fetcher) iconGet(ctx context.Context, u, accept string, limit int64) ([]byte, string, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return nil, "", fmt.Errorf("%s: not an http or https URL", u)
	}
	canonicalHost(pu)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pu.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u, err)
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, "", fmt.Errorf("%s: server answered %d", u, resp.StatusCode)
	}
	if enc := strings.TrimSpace(resp.Header.Get("Content-Encoding")); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, "", fmt.Errorf("%s: the server sent it %s-encoded, unasked", u, enc)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", u, err)
	}
	return b, resp.Request.URL.String(), nil
}

// iconAt fetches the image at u.
func (f *Fetcher) iconAt(ctx context.Context, u string) (store.Icon, error) {
	b, _, err := f.iconGet(ctx, u, "image/*", store.MaxIconSize)
	if err != nil {
		return store.Icon{}, err
	}
	if len(b) > store.MaxIconSize {
		return store.Icon{}, fmt.Errorf("%s: larger than %d KiB", u, store.MaxIconSize>>10)
	}
	if len(b) == 0 {
		return store.Icon{}, fmt.Errorf("%s: empty", u)
	}
	typ := http.DetectContentType(b)
	if !iconTypes[typ] {
		return store.Icon{}, fmt.Errorf("%s: not an image of a known type (%s)", u, typ)
	}
	return store.Icon{Type: typ, Data: b}, nil
}

// pageIcons returns the icons the page at u declares, in the page's
// order, "icon" links before "apple-touch-icon" ones; none if the page
// cannot be had.
func (f *Fetcher) pageIcons(ctx context.Context, u string) []string {
	b, final, err := f.iconGet(ctx, u, "text/html", maxIconPage)
	if err != nil {
		return nil
	}
	return IconLinks(b, final)
}

// IconLinks returns the icons an HTML page at pageURL declares with
// <link rel="icon"> (and "shortcut icon"), then "apple-touch-icon",
// resolved against pageURL and its <base href>; only http and https
// URLs, without duplicates.
func IconLinks(body []byte, pageURL string) []string {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	var icons, touch []string
	seen := map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		if tag == "body" {
			break
		}
		if !hasAttr || (tag != "link" && tag != "base") {
			continue
		}
		a := attrs(z)
		if tag == "base" {
			if b, err := base.Parse(strings.TrimSpace(a["href"])); err == nil && a["href"] != "" {
				base = b
			}
			continue
		}
		rel := a["rel"]
		isIcon, isTouch := hasWord(rel, "icon"), hasWord(rel, "apple-touch-icon")
		if !isIcon && !isTouch {
			continue
		}
		ref, err := base.Parse(strings.TrimSpace(a["href"]))
		if err != nil || (ref.Scheme != "http" && ref.Scheme != "https") || a["href"] == "" {
			continue
		}
		s := ref.String()
		if seen[s] {
			continue
		}
		seen[s] = true
		if isIcon {
			icons = append(icons, s)
		} else {
			touch = append(touch, s)
		}
	}
	return append(icons, touch...)
}
