package fetch

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"time"
)

// Atom 0.3 dates an entry by issued, modified and created. gofeed reads
// the first two (as published and updated) and drops created, which some
// entries carry alone; atomCreated finds it in the document.

// atomNamespaces are the namespaces whose <created> is Atom 0.3's (none:
// feeds that declare no namespace).
var atomNamespaces = []string{"", "http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"}

// atomCreated returns the text of each entry's <created>, in document
// order ("" for an entry without one), or nil when the document cannot
// be read to its end.
func atomCreated(text []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// The text is UTF-8 already (decodeBody).
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out []string
	depth, entry := 0, -1
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case t.Name.Local == "entry" && entry < 0:
				entry = depth
				out = append(out, "")
			case entry >= 0 && depth == entry+1 && t.Name.Local == "created" && isAtomNamespace(t.Name.Space):
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return nil
				}
				depth--
				if out[len(out)-1] == "" {
					out[len(out)-1] = strings.TrimSpace(s)
				}
			}
		case xml.EndElement:
			if depth == entry {
				entry = -1
			}
			depth--
		}
	}
}

func isAtomNamespace(ns string) bool {
	for _, n := range atomNamespaces {
		if ns == n {
			return true
		}
	}
	return false
}

// applyAtomCreated dates the items of an Atom document that gave no
// other date by their <created>, counting those whose created cannot be
// read in p.UnreadableDates. It changes nothing when the entries found do
// not match the items one to one (a mended document, say).
func applyAtomCreated(p *Parsed, text []byte, now time.Time) {
	undated := false
	for _, it := range p.Items {
		if it.Published.IsZero() && it.Updated.IsZero() {
			undated = true
			break
		}
	}
	if !undated || !bytes.Contains(text, []byte("created>")) {
		return
	}
	created := atomCreated(text)
	if len(created) != len(p.Items) {
		return
	}
	for i := range p.Items {
		it := &p.Items[i]
		if !it.Published.IsZero() || !it.Updated.IsZero() || created[i] == "" {
			continue
		}
		if it.Published = itemDate(nil, created[i], now); it.Published.IsZero() {
			p.UnreadableDates++
		}
	}
}
