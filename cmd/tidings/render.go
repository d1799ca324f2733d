package main

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// textLink is a URL that rendered text refers to by number.
type textLink struct {
	URL  string
	Kind string // "" for a link, else "image", "video", "audio" or "embed"
}

// renderHTML renders item HTML as plain text for a terminal, wrapped at
// width columns: paragraphs separated by blank lines, headings marked with
// '#', list items with bullets or numbers, quotes with '>', preformatted
// text kept as it is and indented. Links become "text[N]" and images
// "[image: alt][N]"; the URLs are returned in order, N counting from first.
func renderHTML(src string, width, first int) (string, []textLink) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// html.Parse only fails when reading fails, which a string reader
		// does not; print the source rather than nothing.
		return src, nil
	}
	r := &renderer{width: max(width, 20), first: first}
	r.walk(doc)
	r.flush()
	return strings.TrimRight(r.out.String(), "\n"), r.links
}

// prefixPart is what one enclosing block puts in front of each line: first
// on the block's first line (a bullet), rest on the others (indentation).
type prefixPart struct {
	first, rest string
	used        bool
}

type renderer struct {
	width  int
	first  int // number of the first link
	out    strings.Builder
	inline strings.Builder // the paragraph being gathered; '\n' is a <br>
	prefix []prefixPart
	links  []textLink
	lists  []int // for each open list, the next number (0 for <ul>)
	blank  bool  // a blank line is owed before the next block
}

func (r *renderer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		r.inline.WriteString(collapseSpace(n.Data))
	case html.ElementNode:
		r.element(n)
	default:
		r.children(n)
	}
}

func (r *renderer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
}

func (r *renderer) element(n *html.Node) {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Button, atom.Select:
		return
	case atom.Br:
		r.inline.WriteByte('\n')
	case atom.Hr:
		r.endBlock()
		r.startBlock()
		r.emitLine(strings.Repeat("-", min(40, r.avail())))
		r.blank = true
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		r.flush()
		marker := strings.Repeat("#", int(n.Data[1]-'0')) + " "
		r.inline.WriteString(marker)
		r.children(n)
		if strings.TrimSpace(r.inline.String()) == strings.TrimSpace(marker) {
			r.inline.Reset()
		}
		r.endBlock()
	case atom.Blockquote:
		r.flush()
		r.push("> ", "> ")
		r.children(n)
		r.flush()
		r.pop()
		r.blank = true
	case atom.Pre:
		r.endBlock()
		r.pre(n)
		r.blank = true
	case atom.Ul, atom.Ol:
		r.flush()
		next := 0
		if n.DataAtom == atom.Ol {
			next = 1
		}
		r.lists = append(r.lists, next)
		r.children(n)
		r.flush()
		r.lists = r.lists[:len(r.lists)-1]
		if len(r.lists) == 0 {
			r.blank = true
		}
	case atom.Li:
		r.flush()
		marker := "• "
		if len(r.lists) > 0 && r.lists[len(r.lists)-1] > 0 {
			marker = fmt.Sprintf("%d. ", r.lists[len(r.lists)-1])
			r.lists[len(r.lists)-1]++
		}
		r.push(marker, strings.Repeat(" ", utf8.RuneCountInString(marker)))
		r.children(n)
		r.flush()
		r.pop()
	case atom.Dd:
		r.flush()
		r.push("    ", "    ")
		r.children(n)
		r.flush()
		r.pop()
	case atom.Tr, atom.Dt, atom.Caption, atom.Figcaption:
		r.flush()
		r.children(n)
		r.flush()
	case atom.Td, atom.Th:
		r.inline.WriteByte(' ')
		r.children(n)
		r.inline.WriteByte(' ')
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Aside,
		atom.Nav, atom.Main, atom.Figure, atom.Table, atom.Dl, atom.Address, atom.Details, atom.Summary:
		r.endBlock()
		r.children(n)
		r.endBlock()
	case atom.A:
		r.children(n)
		if href := attr(n, "href"); href != "" && !strings.HasPrefix(href, "#") {
			r.inline.WriteString(r.link(href, ""))
		}
	case atom.Img:
		alt := strings.TrimSpace(collapseSpace(attr(n, "alt")))
		label := "[image]"
		if alt != "" {
			label = "[image: " + alt + "]"
		}
		r.inline.WriteString(" " + label)
		if src := attr(n, "src"); src != "" {
			r.inline.WriteString(r.link(src, "image"))
		}
		r.inline.WriteByte(' ')
	case atom.Video, atom.Audio, atom.Iframe, atom.Embed, atom.Object:
		kind := n.Data
		if kind == "iframe" || kind == "object" {
			kind = "embed"
		}
		src := attr(n, "src")
		if src == "" {
			src = attr(n, "data")
		}
		if src == "" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Source && attr(c, "src") != "" {
					src = attr(c, "src")
					break
				}
			}
		}
		if src != "" {
			r.inline.WriteString(" [" + kind + "]" + r.link(src, kind) + " ")
		}
	default:
		r.children(n)
	}
}

// link numbers a URL and returns its reference, "[N]".
func (r *renderer) link(u, kind string) string {
	r.links = append(r.links, textLink{URL: u, Kind: kind})
	return fmt.Sprintf("[%d]", r.first+len(r.links)-1)
}

// pre writes preformatted text line by line, indented, without wrapping.
func (r *renderer) pre(n *html.Node) {
	var b strings.Builder
	var gather func(*html.Node)
	gather = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.DataAtom == atom.Br:
			b.WriteByte('\n')
		default:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				gather(c)
			}
		}
	}
	gather(n)
	text := strings.TrimRight(strings.TrimPrefix(b.String(), "\n"), " \t\r\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	r.startBlock()
	r.push("    ", "    ")
	for _, line := range strings.Split(text, "\n") {
		r.emitLine(sanitizeLine(strings.ReplaceAll(strings.TrimRight(line, "\r"), "\t", "    ")))
	}
	r.pop()
}

func (r *renderer) push(first, rest string) {
	r.prefix = append(r.prefix, prefixPart{first: first, rest: rest})
}

func (r *renderer) pop() { r.prefix = r.prefix[:len(r.prefix)-1] }

// avail is the width left for text after the prefix.
func (r *renderer) avail() int {
	w := r.width
	for _, p := range r.prefix {
		w -= utf8.RuneCountInString(p.rest)
	}
	return max(w, 20)
}

// endBlock ends the paragraph being gathered and owes a blank line.
func (r *renderer) endBlock() {
	r.flush()
	r.blank = true
}

// startBlock writes the blank line owed before a block, if any.
func (r *renderer) startBlock() {
	if r.blank && r.out.Len() > 0 {
		var b strings.Builder
		for _, p := range r.prefix {
			if !p.used {
				// A block that has not started yet (a quote, a bullet)
				// starts after the blank line, not on it.
				break
			}
			if p.first == p.rest {
				b.WriteString(p.rest)
			} else {
				b.WriteString(strings.Repeat(" ", utf8.RuneCountInString(p.rest)))
			}
		}
		r.out.WriteString(strings.TrimRight(b.String(), " "))
		r.out.WriteByte('\n')
	}
	r.blank = false
}

// flush writes the paragraph gathered so far, wrapped.
func (r *renderer) flush() {
	text := r.inline.String()
	r.inline.Reset()
	if strings.TrimSpace(text) == "" {
		return
	}
	r.startBlock()
	avail := r.avail()
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(sanitizeLine(para))
		if len(words) == 0 {
			continue
		}
		line := words[0]
		for _, w := range words[1:] {
			if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > avail {
				r.emitLine(line)
				line = w
				continue
			}
			line += " " + w
		}
		r.emitLine(line)
	}
}

// emitLine writes one line with the prefix of the enclosing blocks.
func (r *renderer) emitLine(s string) {
	var b strings.Builder
	for i := range r.prefix {
		p := &r.prefix[i]
		if p.used {
			b.WriteString(p.rest)
		} else {
			b.WriteString(p.first)
			p.used = true
		}
	}
	b.WriteString(s)
	r.out.WriteString(strings.TrimRight(b.String(), " "))
	r.out.WriteByte('\n')
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

// collapseSpace turns each run of HTML white space into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, c := range s {
		switch c {
		case ' ', '\t', '\n', '\r', '\f':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteRune(c)
			space = false
		}
	}
	return b.String()
}

// sanitizeLine replaces control characters, so that feed content cannot
// send escape sequences to the terminal.
func sanitizeLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || (r >= 0x7f && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
