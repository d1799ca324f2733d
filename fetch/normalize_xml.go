package fetch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strings"
)

// maxRepairDepth is the deepest element nesting repairXML mends.
const maxRepairDepth = 256

// xmlEdit replaces text[start:end] with s.
type xmlEdit struct {
	start, end int
	s          string
}

// repairXML mends the element structure of a feed the way lenient feed
// readers do, and returns the mended text, or nil when there is nothing it
// can mend. It closes, in order:
//   - elements left open when an <item> or <entry> starts (an unclosed
//     <itunes:category> would otherwise swallow every item after it);
//   - elements left open when an end tag closes one of their ancestors;
//   - everything still open at the end of a truncated body.
//
// End tags that close nothing open are removed. It runs only after a parse
// failed or found no items, so its cost is off the common path.
func repairXML(text []byte) []byte {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = false
	// The body is UTF-8 by now; any leftover declaration is harmless.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	var (
		stack []string
		edits []xmlEdit
		end   = len(text)
	)
	closeFrom := func(i, at int) {
		var b strings.Builder
		for j := len(stack) - 1; j >= i; j-- {
			b.WriteString("</" + stack[j] + ">")
		}
		edits = append(edits, xmlEdit{start: at, end: at, s: b.String()})
		stack = stack[:i]
	}
	for {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			var se *xml.SyntaxError
			if errors.Is(err, io.EOF) || (errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF")) {
				// Drop a token cut off by the truncation.
				end = off
				break
			}
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxRepairDepth {
				// No feed nests this deep; mending it would cost time
				// proportional to depth times length.
				return nil
			}
			name := rawName(t.Name)
			if t.Name.Local == "item" || t.Name.Local == "entry" {
				if c := containerIndex(stack); c >= 0 && c < len(stack)-1 {
					closeFrom(c+1, off)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			name := rawName(t.Name)
			j := len(stack) - 1
			for j >= 0 && stack[j] != name {
				j--
			}
			switch {
			case j < 0:
				edits = append(edits, xmlEdit{start: off, end: int(d.InputOffset())})
			case j < len(stack)-1:
				closeFrom(j+1, off)
				stack = stack[:j]
			default:
				stack = stack[:j]
			}
		}
	}
	if len(stack) > 0 {
		closeFrom(0, end)
	}
	if len(edits) == 0 && end == len(text) {
		return nil
	}
	sort.SliceStable(edits, func(a, b int) bool { return edits[a].start < edits[b].start })
	var out bytes.Buffer
	out.Grow(end + 256)
	pos := 0
	for _, e := range edits {
		if e.start < pos || e.start > end {
			continue
		}
		out.Write(text[pos:e.start])
		out.WriteString(e.s)
		pos = min(e.end, end)
		if e.end > end {
			pos = end
		}
	}
	out.Write(text[pos:end])
	return out.Bytes()
}

// containerIndex returns the index in stack of the innermost element that
// holds items (channel, rdf:RDF, rss, feed), or -1.
func containerIndex(stack []string) int {
	for i := len(stack) - 1; i >= 0; i-- {
		local := stack[i]
		if k := strings.LastIndexByte(local, ':'); k >= 0 {
			local = local[k+1:]
		}
		switch strings.ToLower(local) {
		case "channel", "rdf", "rss", "feed":
			return i
		}
	}
	return -1
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// embeddedFeed finds an RSS or Atom document inside an HTML page (some
// servers wrap the feed in an XHTML body) and returns it, or nil.
func embeddedFeed(text []byte) []byte {
	for _, root := range []string{"feed", "rss", "rdf:RDF"} {
		open := indexStartTag(text, root)
		if open <= 0 {
			// Not there, or the body's own root, which gofeed has tried.
			continue
		}
		if root == "feed" && !bytes.Contains(text[open:min(open+512, len(text))], []byte("http://www.w3.org/2005/Atom")) &&
			!bytes.Contains(text[open:min(open+512, len(text))], []byte("http://purl.org/atom/ns#")) {
			continue
		}
		closing := []byte("</" + root + ">")
		end := bytes.LastIndex(text, closing)
		if end < open {
			return text[open:]
		}
		return text[open : end+len(closing)]
	}
	return nil
}

// indexStartTag returns the offset of the first <name followed by a space,
// '/' or '>', or -1.
func indexStartTag(text []byte, name string) int {
	pat := []byte("<" + name)
	off := 0
	for {
		i := bytes.Index(text[off:], pat)
		if i < 0 {
			return -1
		}
		at := off + i + len(pat)
		if at < len(text) {
			switch text[at] {
			case ' ', '\t', '\r', '\n', '/', '>':
				return off + i
			}
		}
		off = at
	}
}
