package fetch

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// sanitizer is the allow-list every item's HTML passes through, for one
// list of iframe hosts. A bluemonday policy is safe for concurrent use once
// built, and building one compiles dozens of regular expressions, so a
// sanitizer is built once per Fetcher (and once per process for Parse).
type sanitizer struct {
	policy *bluemonday.Policy
	video  videoHosts
}

// defaultSanitizer is the sanitizer with DefaultIframeHosts.
var defaultSanitizer = sync.OnceValue(func() *sanitizer { return newSanitizer(nil) })

// newSanitizer returns the sanitizer allowing iframes from hosts (nil means
// DefaultIframeHosts; empty allows none).
func newSanitizer(hosts []string) *sanitizer {
	v := newVideoHosts(hosts)
	return &sanitizer{policy: newContentPolicy(v), video: v}
}

// newContentPolicy starts from bluemonday's policy for user-generated
// content (no script, style, forms, objects, embeds or event handlers; only
// http, https and mailto URLs) and adds what feeds need: images with
// srcset, picture/source, audio and video, figures, tables, code, and the
// players of the allowed video hosts, sandboxed.
//
// sanitize_fast.go knows what this policy does with common elements and
// attributes; TestFastTables fails when the two drift apart.
func newContentPolicy(video videoHosts) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Every URL is made absolute before sanitising; a relative one left
	// over would resolve against tidings' own pages when displayed.
	p.AllowRelativeURLs(false)
	// Inline raster images only: an SVG image may carry script and
	// links of its own.
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool { return isRasterDataURL("data:" + u.Opaque) })
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// target=_blank on absolute links; bluemonday adds rel=noopener with it.
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowElements("picture", "figure", "figcaption")
	p.AllowAttrs("srcset", "sizes").OnElements("img", "source")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^(?i)(lazy|eager)$`)).OnElements("img")
	p.AllowAttrs("src", "type", "media").OnElements("source")
	p.AllowAttrs("src", "kind", "srclang", "label").OnElements("track")
	p.AllowAttrs("src", "poster", "width", "height", "controls", "loop", "muted", "preload", "playsinline").OnElements("video")
	p.AllowAttrs("src", "controls", "loop", "muted", "preload").OnElements("audio")
	// Syntax highlighters mark the language on code blocks.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[\w\- ]{1,100}$`)).OnElements("code", "pre")

	// Video players: rewriteHTML has turned every iframe not from an
	// allowed host into a link, and given the others their sandbox and
	// lazy loading; the policy checks the same again.
	p.AllowAttrs("src").Matching(video.srcPattern()).OnElements("iframe")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("iframe")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(|allowfullscreen)$`)).OnElements("iframe")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("iframe")
	p.AllowAttrs("sandbox").OnElements("iframe")
	p.RequireSandboxOnIFrame(bluemonday.SandboxAllowScripts, bluemonday.SandboxAllowSameOrigin, bluemonday.SandboxAllowPopups)
	return p
}

// isRasterDataURL reports whether u is a base64 data: URL of a GIF, JPEG,
// PNG, WebP or AVIF image: what AllowDataURIImages allows, less SVG.
func isRasterDataURL(u string) bool {
	rest, ok := cutFoldPrefix(u, "data:")
	if !ok {
		return false
	}
	mt, _, ok := strings.Cut(rest, ";base64,")
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "image/gif", "image/jpeg", "image/jpg", "image/png", "image/webp", "image/avif":
		return true
	}
	return false
}

// cutFoldPrefix is strings.CutPrefix ignoring ASCII case.
func cutFoldPrefix(s, prefix string) (string, bool) {
	if !hasSchemePrefix(s, prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// sanitizeHTML is the default sanitizer's sanitize.
func sanitizeHTML(s string, base *lazyBase) string { return defaultSanitizer().sanitize(s, base) }

// sanitize makes every URL in s absolute against base (dropping those
// whose scheme is not allowed after resolving), keeps what a browser would
// show of the elements it removes (see rewriteHTML), then passes the result
// through the content policy, and drops control characters other than tab
// and newline. base must resolve to an absolute http(s) URL or nil; with
// nil, relative URLs are dropped.
func (z *sanitizer) sanitize(s string, base *lazyBase) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		// Parse hands over valid UTF-8; this keeps the promise for any
		// other caller.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		// Plain text: nothing to sanitise, only characters to escape.
		return dropControls(strings.TrimSpace(html.EscapeString(s)))
	}
	// Most items are simple HTML whose result the fast path knows
	// without running the policy (see sanitize_fast.go); it declines
	// anything else, control characters included.
	if out, ok := sanitizeFast(s); ok {
		return out
	}
	return z.policyPath(s, base)
}

// sanitizePolicy is the default sanitizer's policyPath.
func sanitizePolicy(s string, base *lazyBase) string { return defaultSanitizer().policyPath(s, base) }

// policyPath is sanitize's general path for valid UTF-8: resolve URLs and
// rewrite the elements the policy would lose, then the content policy.
func (z *sanitizer) policyPath(s string, base *lazyBase) string {
	if needsURLRewrite(s) || hasRewrittenTag(s) {
		s = z.rewriteHTML(s, base, 0)
	}
	// Sized up front: bluemonday's own Sanitize grows its buffer from
	// nothing, which shows in profiles.
	var out strings.Builder
	out.Grow(len(s) + len(s)/4)
	if err := z.policy.SanitizeReaderToWriter(strings.NewReader(s), &out); err != nil {
		// Only a tokenizer error other than EOF gets here, which reading a
		// string cannot produce; fail closed all the same.
		return ""
	}
	return dropControls(strings.TrimSpace(out.String()))
}

// needsURLRewrite reports whether s may hold a URL attribute that
// absolutizeHTML would change: an href, src, cite or longdesc whose value
// does not start with http:// or https://, or any srcset or poster (which
// bluemonday does not check itself). It errs on the side of yes: the
// letters before every '=' are taken as a possible attribute name, wherever
// the '=' is, so that most feeds, whose URLs are all absolute, skip a whole
// tokenizer pass without risk.
func needsURLRewrite(s string) bool { return urlsNeedRewrite(s, strings.IndexByte) }

// tagNeedsURLRewrite is needsURLRewrite for one raw start tag.
func tagNeedsURLRewrite(raw []byte) bool { return urlsNeedRewrite(raw, bytes.IndexByte) }

func urlsNeedRewrite[T string | []byte](s T, indexByte func(T, byte) int) bool {
	for off := 0; ; {
		i := indexByte(s[off:], '=')
		if i < 0 {
			return false
		}
		eq := off + i
		off = eq + 1
		// The letters just before the '=' (after optional spaces) are the
		// tail of the attribute's name, if this is an attribute.
		end := eq
		for end > 0 && isHTMLSpace(s[end-1]) {
			end--
		}
		start := end
		for start > 0 && end-start < 9 && isASCIILetter(s[start-1]) {
			start--
		}
		name := s[start:end]
		switch len(name) {
		case 6:
			if hasFoldPrefix(name, "srcset") || hasFoldPrefix(name, "poster") {
				return true
			}
			continue
		case 4:
			if !hasFoldPrefix(name, "href") && !hasFoldPrefix(name, "cite") {
				continue
			}
		case 3:
			if !hasFoldPrefix(name, "src") {
				continue
			}
		case 8:
			if !hasFoldPrefix(name, "longdesc") {
				continue
			}
		default:
			continue
		}
		j := skipSpace(s, eq+1)
		if j < len(s) && (s[j] == '"' || s[j] == '\'') {
			j++
		}
		if !hasFoldPrefix(s[j:], "http://") && !hasFoldPrefix(s[j:], "https://") {
			return true
		}
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func skipSpace[T string | []byte](s T, i int) int {
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	return i
}

// hasFoldPrefix reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasFoldPrefix[T string | []byte](s T, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// textToHTML turns plain text (JSON Feed content_text, media descriptions)
// into HTML: escaped, with line breaks kept.
func textToHTML(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = html.EscapeString(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "<br>\n")
}

// urlAttr says how one attribute holds URLs.
type urlAttr int

const (
	notURL     urlAttr = iota
	linkURL            // href: http, https, mailto
	mediaURL           // src, poster, cite: http, https
	imageURL           // img src: http, https, data:image/*
	srcsetURLs         // a srcset list
)

// urlAttrKind classifies attribute key on element tag. Attributes the
// policy drops anyway (action, formaction, background...) are not looked at.
func urlAttrKind(tag, key string) urlAttr {
	switch key {
	case "href":
		return linkURL
	case "src":
		if tag == "img" {
			return imageURL
		}
		return mediaURL
	case "poster", "cite", "longdesc":
		return mediaURL
	case "srcset":
		return srcsetURLs
	}
	return notURL
}

// rewriteURLAttrs resolves and checks tok's URL attributes in place and
// reports whether it changed any.
func rewriteURLAttrs(tok *html.Token, base *lazyBase) bool {
	changed := false
	kept := tok.Attr[:0]
	for _, a := range tok.Attr {
		kind := urlAttrKind(tok.Data, a.Key)
		if kind == notURL {
			kept = append(kept, a)
			continue
		}
		var v string
		var ok bool
		if kind == srcsetURLs {
			v, ok = resolveSrcset(a.Val, base)
		} else {
			v, ok = resolveContentURL(a.Val, base, kind)
		}
		if !ok {
			changed = true
			continue
		}
		if v != a.Val {
			changed = true
			a.Val = v
		}
		kept = append(kept, a)
	}
	tok.Attr = kept
	return changed
}

// resolveContentURL resolves one URL found in content and reports whether
// its scheme is allowed for that kind of attribute.
func resolveContentURL(raw string, base *lazyBase, kind urlAttr) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	if hasSchemePrefix(raw, "data:") {
		// Inline raster images only: an SVG image is dropped like any
		// other SVG.
		return raw, kind == imageURL && isRasterDataURL(raw)
	}
	if kind == linkURL && hasSchemePrefix(raw, "mailto:") {
		return raw, true
	}
	return base.resolve(raw)
}

// resolveSrcset resolves each candidate of a srcset ("a.jpg 1x, b.jpg 2x"),
// dropping candidates that do not resolve to http(s). It reports false when
// none is left. Candidates are split as the HTML standard says: a URL runs
// to the next space (so a data: URL's comma is part of it), and its
// descriptors to the next comma.
func resolveSrcset(v string, base *lazyBase) (string, bool) {
	var parts []string
	for i := 0; i < len(v); {
		for i < len(v) && (isHTMLSpace(v[i]) || v[i] == ',') {
			i++
		}
		start := i
		for i < len(v) && !isHTMLSpace(v[i]) {
			i++
		}
		u := v[start:i]
		desc := ""
		if strings.HasSuffix(u, ",") {
			u = strings.TrimRight(u, ",")
		} else {
			d := i
			for i < len(v) && v[i] != ',' {
				i++
			}
			desc = strings.Join(strings.Fields(v[d:i]), " ")
		}
		if u == "" {
			continue
		}
		abs, ok := base.resolve(u)
		if !ok {
			continue
		}
		if desc != "" {
			abs += " " + desc
		}
		parts = append(parts, abs)
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, ", "), true
}

// hasSchemePrefix reports whether s starts with prefix, ignoring ASCII case.
func hasSchemePrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// dropControls removes the C0 and C1 control characters other than tab
// and newline (and DEL) from s: written to a terminal, they are commands
// ("\x1b]0;title\a" renames the window). It copies only when there is one.
func dropControls(s string) string {
	i := controlIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		if s[i] == 0xC2 {
			i++ // a C1 control is two bytes in UTF-8
		}
		s = s[i+1:]
		i = controlIndex(s)
	}
	b.WriteString(s)
	return b.String()
}

// controlIndex is the index of the first control character dropControls
// removes, or -1.
func controlIndex(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 && c != '\t' && c != '\n', c == 0x7f:
			return i
		case c == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f:
			return i
		}
	}
	return -1
}
