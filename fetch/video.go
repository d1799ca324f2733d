package fetch

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// DefaultIframeHosts are the video hosts whose players item HTML may embed
// when the config names none (content.iframe_hosts). A host also allows
// its subdomains: "vimeo.com" allows player.vimeo.com.
var DefaultIframeHosts = []string{"youtube.com", "youtube-nocookie.com", "vimeo.com", "dailymotion.com"}

// iframeSandbox is the sandbox every kept iframe gets: the player may run
// its script and load its own resources, and open its page in a new tab,
// but not navigate the reading page, submit forms or run plugins.
const iframeSandbox = "allow-scripts allow-same-origin allow-popups"

// videoHosts is an allow-list of iframe hosts, lower-cased, without
// repeats.
type videoHosts []string

// newVideoHosts normalises a host list (nil means DefaultIframeHosts):
// lower case, no scheme, path or trailing dot, YouTube's privacy-friendly
// host added whenever YouTube is allowed, since its iframes are rewritten
// to it.
func newVideoHosts(hosts []string) videoHosts {
	if hosts == nil {
		hosts = DefaultIframeHosts
	}
	var out videoHosts
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		h = strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")
		if i := strings.IndexAny(h, "/?#"); i >= 0 {
			h = h[:i]
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "www."), ".")
		if h == "" || slices.Contains(out, h) {
			continue
		}
		out = append(out, h)
	}
	if out.allows("youtube.com") && !slices.Contains(out, "youtube-nocookie.com") {
		out = append(out, "youtube-nocookie.com")
	}
	return out
}

// allows reports whether host (lower case, port allowed) is one of the
// hosts or a subdomain of one.
func (v videoHosts) allows(host string) bool {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	for _, h := range v {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// srcPattern is the regular expression the content policy checks an
// iframe's src against: https, one of the hosts or a subdomain. The
// rewrite before the policy has already turned every other iframe into a
// link; this is the policy's own guard should that step ever be skipped.
func (v videoHosts) srcPattern() *regexp.Regexp {
	if len(v) == 0 {
		return regexp.MustCompile(`^\b$`) // matches nothing
	}
	quoted := make([]string, len(v))
	for i, h := range v {
		quoted[i] = regexp.QuoteMeta(h)
	}
	return regexp.MustCompile(`^https://([a-z0-9-]+\.)*(` + strings.Join(quoted, "|") + `)(:[0-9]{1,5})?/`)
}

// embedURL returns the URL an allowed iframe is kept with: https, and
// YouTube's players moved to youtube-nocookie.com, which sets no cookie
// until the video plays. ok is false when u is not an allowed host.
func (v videoHosts) embedURL(u *url.URL) (string, bool) {
	host := strings.ToLower(u.Host)
	if !v.allows(host) {
		return "", false
	}
	e := *u
	e.Scheme = "https"
	e.Host = host
	switch hostname := strings.ToLower(u.Hostname()); {
	case hostname == "youtube.com" || strings.HasSuffix(hostname, ".youtube.com"):
		e.Host = "www.youtube-nocookie.com"
		if id, ok := strings.CutPrefix(e.Path, "/watch"); ok && id == "" && e.Query().Get("v") != "" {
			// A watch page given as the player: its embed form.
			e.Path = "/embed/" + url.PathEscape(e.Query().Get("v"))
			e.RawQuery = ""
		}
	}
	if !v.allows(strings.ToLower(e.Host)) {
		return "", false
	}
	return e.String(), true
}
