package fetch

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// browserText is the text a browser without script or plug-ins shows of an
// HTML fragment, in order, whitespace collapsed: the HTML5 tree builder's
// reading of it (so nesting is the browser's), without what is never
// rendered (script, style, template, head matter, frame fallbacks,
// noembed), with the fallback content of noscript, object and iframe-less
// embeds; no alt text, since images load. Blocks and line breaks separate
// words.
func browserText(fragment string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(fragment), ctx, html.ParseOptionEnableScripting(false))
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, n := range nodes {
		writeBrowserText(&b, n)
	}
	return collapseSpace(b.String())
}

func writeBrowserText(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Template, atom.Title, atom.Head, atom.Meta, atom.Link, atom.Base,
			atom.Noembed, atom.Noframes, atom.Iframe, atom.Textarea, atom.Select, atom.Svg, atom.Math:
			// Not rendered as text (an iframe shows its frame, a form
			// control its own box; svg and math are pictures).
			return
		case atom.Img:
			// A loaded image shows no text.
			return
		}
		if n.Namespace != "" {
			return
		}
	}
	block := n.Type == html.ElementNode && isBlockAtom(n.DataAtom)
	if block {
		b.WriteByte(' ')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeBrowserText(b, c)
	}
	if block {
		b.WriteByte(' ')
	}
}

// isBlockAtom reports whether a browser breaks the line around the
// element, so that the words either side never run together.
func isBlockAtom(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.Hr, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.Table, atom.Tr, atom.Td, atom.Th, atom.Caption, atom.Thead, atom.Tbody, atom.Tfoot,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Figure,
		atom.Figcaption, atom.Section, atom.Article, atom.Aside, atom.Header, atom.Footer, atom.Nav,
		atom.Main, atom.Center, atom.Marquee, atom.Address, atom.Details, atom.Summary, atom.Form,
		atom.Fieldset, atom.Legend, atom.Menu, atom.Dir, atom.Listing, atom.Xmp, atom.Plaintext,
		atom.Iframe, atom.Video, atom.Audio, atom.Picture, atom.Object, atom.Embed, atom.Applet,
		atom.Frameset, atom.Frame, atom.Body, atom.Html:
		return true
	}
	return false
}
