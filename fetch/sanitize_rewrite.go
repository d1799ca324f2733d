package fetch

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// This file is the step before the content policy that keeps what a
// browser would show of the elements the policy removes. bluemonday drops
// the contents of iframe, noscript, object and frameset along with the
// element (and everything after an unclosed one), and keeps no trace of an
// embed. A reader, which runs no plug-in and no script, should see the
// fallback content instead, the players of the allowed video hosts, and a
// link to anything else that was embedded.

// maxRewriteDepth bounds the noscript contents rewritten inside noscript
// contents (the tokenizer reads them as raw text, so each level is one
// more pass).
const maxRewriteDepth = 4

// rewrittenTags are the elements rewriteHTML changes besides URLs.
var rewrittenTags = map[string]bool{
	"iframe": true, "noscript": true, "object": true, "applet": true, "embed": true,
	"frameset": true, "frame": true, "center": true, "marquee": true,
}

// hasRewrittenTag reports whether s may hold a start or end tag of one of
// rewrittenTags. Like needsURLRewrite it errs on the side of yes.
func hasRewrittenTag(s string) bool {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '<')
		if i < 0 {
			return false
		}
		j := off + i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		k := j
		for k < len(s) && k-j < 9 && isASCIILetter(s[k]) {
			k++
		}
		if k > j && rewrittenTags[strings.ToLower(s[j:k])] {
			return true
		}
		off = j
	}
}

// rewriteHTML rewrites s for the content policy: the URL attributes of
// every start tag resolved against base (those whose resolved scheme is
// not allowed removed, an image that loses its source replaced by its alt
// text), allowed iframes given their embed URL, sandbox and lazy loading,
// other iframes and embeds turned into links to their source, the tags
// (not the contents) of noscript, object, applet, frameset and frame
// removed, center and marquee made divs. Tokens it does not change are
// copied byte for byte.
func (z *sanitizer) rewriteHTML(s string, base *lazyBase, depth int) string {
	t := html.NewTokenizer(strings.NewReader(s))
	var out bytes.Buffer
	out.Grow(len(s) + len(s)/8)
	changed := false
	inIframe, inNoscript := false, false
	for {
		tt := t.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			switch {
			case inIframe:
				// What a browser without frames would show; a browser
				// shows the frame instead.
				changed = true
			case inNoscript && depth < maxRewriteDepth:
				// Raw text to the tokenizer, markup to a browser
				// without script.
				out.WriteString(z.rewriteHTML(string(t.Raw()), base, depth+1))
				changed = true
			default:
				out.Write(t.Raw())
			}
			continue
		case html.EndTagToken:
			mark := out.Len()
			out.Write(t.Raw())
			name, _ := t.TagName()
			switch string(name) {
			case "iframe":
				inIframe = false
			case "noscript":
				inNoscript = false
			case "object", "applet", "frameset", "frame", "embed":
			case "center", "marquee":
				out.Truncate(mark)
				out.WriteString("</div>")
				changed = true
				continue
			default:
				continue
			}
			out.Truncate(mark)
			changed = true
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			out.Write(t.Raw())
			continue
		}
		// Token lower-cases names inside the tokenizer's buffer, so the
		// raw bytes are written first and taken back if the tag changes.
		mark := out.Len()
		raw := t.Raw()
		out.Write(raw)
		needsURLs := tagNeedsURLRewrite(raw)
		name, hasAttr := t.TagName()
		switch string(name) {
		case "iframe":
			out.Truncate(mark)
			changed = true
			z.writeIframe(&out, t, hasAttr, base)
			inIframe = tt == html.StartTagToken
			continue
		case "embed":
			out.Truncate(mark)
			changed = true
			writeEmbedLink(&out, t, hasAttr, base)
			continue
		case "noscript":
			out.Truncate(mark)
			changed = true
			inNoscript = tt == html.StartTagToken
			continue
		case "object", "applet", "frameset", "frame":
			out.Truncate(mark)
			changed = true
			continue
		case "center", "marquee":
			out.Truncate(mark)
			out.WriteString("<div>")
			changed = true
			continue
		}
		if !needsURLs {
			continue
		}
		tok := html.Token{Type: tt, Data: string(name)}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = t.TagAttr()
			tok.Attr = append(tok.Attr, html.Attribute{Key: string(k), Val: string(v)})
		}
		hadSrc := tok.Data == "img" && hasAttrKey(tok.Attr, "src")
		if !rewriteURLAttrs(&tok, base) {
			continue
		}
		changed = true
		out.Truncate(mark)
		if hadSrc && !hasAttrKey(tok.Attr, "src") {
			// An image without a source shows its alt text.
			out.WriteString(html.EscapeString(attrVal(tok.Attr, "alt")))
			continue
		}
		out.WriteString(tok.String())
	}
	if !changed {
		return s
	}
	return out.String()
}

// tagAttrs reads the attributes of the tokenizer's current tag.
func tagAttrs(t *html.Tokenizer, hasAttr bool) []html.Attribute {
	var attrs []html.Attribute
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = t.TagAttr()
		attrs = append(attrs, html.Attribute{Key: string(k), Val: string(v)})
	}
	return attrs
}

func hasAttrKey(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// attrVal is the value of the first attribute key, "" if none.
func attrVal(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// writeIframe writes what an iframe becomes: the player of an allowed
// video host, sandboxed and lazily loaded; a link to any other http(s)
// source; nothing for a frame without one (srcdoc, javascript:, data:).
func (z *sanitizer) writeIframe(out *bytes.Buffer, t *html.Tokenizer, hasAttr bool, base *lazyBase) {
	attrs := tagAttrs(t, hasAttr)
	src, ok := base.resolve(attrVal(attrs, "src"))
	if !ok {
		return
	}
	u, err := url.Parse(src)
	if err != nil {
		return
	}
	embed, ok := z.video.embedURL(u)
	if !ok {
		writeLink(out, src)
		return
	}
	out.WriteString(`<iframe src="`)
	out.WriteString(html.EscapeString(embed))
	out.WriteByte('"')
	for _, key := range []string{"width", "height", "title"} {
		if v := attrVal(attrs, key); v != "" {
			out.WriteString(" " + key + `="` + html.EscapeString(v) + `"`)
		}
	}
	out.WriteString(` allowfullscreen sandbox="` + iframeSandbox + `" loading="lazy"></iframe>`)
}

// writeEmbedLink turns an embed into a link to its source, so that what
// was embedded is not lost silently.
func writeEmbedLink(out *bytes.Buffer, t *html.Tokenizer, hasAttr bool, base *lazyBase) {
	if src, ok := base.resolve(attrVal(tagAttrs(t, hasAttr), "src")); ok {
		writeLink(out, src)
	}
}

func writeLink(out *bytes.Buffer, href string) {
	e := html.EscapeString(href)
	out.WriteString(`<a href="` + e + `">` + e + `</a>`)
}
