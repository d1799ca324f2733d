package fetch

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// checkParsed asserts the invariants every Parse result keeps, whatever the
// input: valid UTF-8 everywhere, only absolute http(s) URLs, plain-text
// titles, safe content, UTC dates no later than now.
func checkParsed(t testing.TB, p *Parsed, now time.Time) {
	t.Helper()
	for _, s := range []string{p.Title, p.SiteURL, p.IconURL} {
		if !utf8.ValidString(s) {
			t.Errorf("feed field not valid UTF-8: %q", s)
		}
	}
	checkURL(t, "site URL", p.SiteURL)
	checkURL(t, "icon URL", p.IconURL)
	checkPlain(t, "feed title", p.Title)
	for i, it := range p.Items {
		for _, s := range append([]string{it.GUID, it.URL, it.Title, it.Author, it.Content}, it.Categories...) {
			if !utf8.ValidString(s) {
				t.Errorf("item %d: field not valid UTF-8: %q", i, s)
			}
		}
		checkURL(t, "item URL", it.URL)
		checkPlain(t, "item title", it.Title)
		checkPlain(t, "author", it.Author)
		for _, c := range it.Categories {
			if c == "" {
				t.Errorf("item %d: empty category", i)
			}
			checkPlain(t, "category", c)
		}
		for _, e := range it.Enclosures {
			if e.URL == "" {
				t.Errorf("item %d: enclosure without URL", i)
			}
			checkURL(t, "enclosure URL", e.URL)
			if !utf8.ValidString(e.Type) {
				t.Errorf("item %d: enclosure type not valid UTF-8", i)
			}
		}
		if msg := unsafeHTML(it.Content); msg != "" {
			t.Errorf("item %d: unsafe content: %s\n%s", i, msg, it.Content)
		}
		for _, d := range []time.Time{it.Published, it.Updated} {
			if d.IsZero() {
				continue
			}
			if d.Location() != time.UTC {
				t.Errorf("item %d: date %v not in UTC", i, d)
			}
			if d.After(now) {
				t.Errorf("item %d: date %v after now %v", i, d, now)
			}
		}
	}
}

func checkURL(t testing.TB, what, s string) {
	t.Helper()
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Errorf("%s %q is not an absolute http(s) URL", what, s)
	}
}

func checkPlain(t testing.TB, what, s string) {
	t.Helper()
	if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.ContainsAny(s, "\n\t\r\x00") {
		t.Errorf("%s %q is not collapsed plain text", what, s)
	}
}

// unsafeHTML returns what is unsafe in sanitised HTML s, or "".
func unsafeHTML(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	if strings.Contains(strings.ToLower(s), "<script") {
		return "<script"
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data == "iframe" {
			if msg := unsafeIframe(tok); msg != "" {
				return msg
			}
			continue
		}
		switch tok.Data {
		case "script", "style", "object", "embed", "form", "input", "button", "textarea",
			"select", "frame", "frameset", "applet", "base", "meta", "link", "svg", "math":
			return "element <" + tok.Data + ">"
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") {
				return "event handler " + a.Key
			}
			if a.Key == "style" {
				return "style attribute"
			}
			lv := strings.ToLower(a.Val)
			if strings.Contains(lv, "javascript:") || strings.Contains(lv, "vbscript:") {
				return "script URL in " + a.Key
			}
			switch a.Key {
			case "href", "src", "poster", "cite", "longdesc", "action", "formaction", "background":
				if !allowedContentURL(tok.Data, a.Key, a.Val) {
					return a.Key + "=" + a.Val
				}
			case "srcset":
				for _, c := range strings.Split(a.Val, ",") {
					if f := strings.Fields(c); len(f) > 0 && !allowedContentURL(tok.Data, "src", f[0]) {
						return "srcset=" + a.Val
					}
				}
			}
		}
	}
}

// unsafeIframe says what is wrong with an iframe the sanitiser kept: only
// https players of the default video hosts, sandboxed as videoHosts says,
// with no other attribute than those the policy allows.
func unsafeIframe(tok html.Token) string {
	for _, a := range tok.Attr {
		switch a.Key {
		case "src":
			u, err := url.Parse(a.Val)
			if err != nil || u.Scheme != "https" || !newVideoHosts(nil).allows(u.Host) {
				return "iframe src=" + a.Val
			}
		case "sandbox":
			if a.Val != iframeSandbox {
				return "iframe sandbox=" + a.Val
			}
		case "width", "height", "title", "allowfullscreen", "loading":
		default:
			return "iframe attribute " + a.Key
		}
	}
	if attrVal(tok.Attr, "sandbox") != iframeSandbox || attrVal(tok.Attr, "src") == "" {
		return "iframe without src or sandbox"
	}
	return ""
}

func allowedContentURL(tag, key, v string) bool {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return key == "href"
	case "data":
		return tag == "img" && key == "src" && strings.HasPrefix(u.Opaque, "image/") &&
			!strings.HasPrefix(strings.ToLower(u.Opaque), "image/svg")
	}
	return false
}
