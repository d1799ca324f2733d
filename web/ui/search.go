package ui

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"tidings/store"
)

// segment is a piece of plain text, Marked when it matches the search.
// Templates escape it like any text: a title is never read as HTML.
type segment struct {
	Text   string
	Marked bool
}

// highlighter finds a search's words in plain text, as the full-text
// index matches them: whole words, case-insensitively, or prefixes for
// "word*". The zero highlighter marks nothing.
type highlighter struct {
	words []hlWord
}

type hlWord struct {
	runes  []rune
	prefix bool
}

func newHighlighter(q string) highlighter {
	s, err := store.ParseSearch(q)
	if err != nil {
		return highlighter{}
	}
	var h highlighter
	for _, t := range s.Terms {
		for i, w := range t.Words {
			// The index keeps letters and digits: "<b>" finds "b".
			w = strings.TrimFunc(w, func(r rune) bool { return !isWordRune(r) })
			if w == "" {
				continue
			}
			h.words = append(h.words, hlWord{runes: []rune(w), prefix: t.Prefix && i == len(t.Words)-1})
		}
	}
	for _, l := range s.Literals {
		h.words = append(h.words, hlWord{runes: []rune(l)})
	}
	return h
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// match returns the length in runes of the longest word matching at
// rs[i:], 0 if none.
func (h highlighter) match(rs []rune, i int) int {
	if i > 0 && isWordRune(rs[i-1]) {
		return 0
	}
	best := 0
	for _, w := range h.words {
		n := len(w.runes)
		if n == 0 || i+n > len(rs) {
			continue
		}
		ok := true
		for k := range n {
			if !equalFold(rs[i+k], w.runes[k]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		end := i + n
		if w.prefix {
			for end < len(rs) && isWordRune(rs[end]) {
				end++
			}
		} else if end < len(rs) && isWordRune(rs[end]) && isWordRune(w.runes[n-1]) {
			continue
		}
		best = max(best, end-i)
	}
	return best
}

func equalFold(a, b rune) bool {
	return a == b || unicode.ToLower(a) == unicode.ToLower(b) || unicode.SimpleFold(a) == b
}

// mark cuts text into segments, the matches marked.
func (h highlighter) mark(text string) []segment {
	if len(h.words) == 0 {
		return []segment{{Text: text}}
	}
	rs := []rune(text)
	var out []segment
	start := 0
	for i := 0; i < len(rs); {
		n := h.match(rs, i)
		if n == 0 {
			i++
			continue
		}
		if i > start {
			out = append(out, segment{Text: string(rs[start:i])})
		}
		out = append(out, segment{Text: string(rs[i : i+n]), Marked: true})
		i += n
		start = i
	}
	if start < len(rs) {
		out = append(out, segment{Text: string(rs[start:])})
	}
	return out
}

// snippet returns about n characters of text around its first match,
// marked.
func (h highlighter) snippet(text string, n int) []segment {
	rs := []rune(text)
	first := -1
	for i := range rs {
		if h.match(rs, i) > 0 {
			first = i
			break
		}
	}
	from := 0
	if first > n/3 {
		from = first - n/3
		// Start at a word.
		for from < first && !unicode.IsSpace(rs[from]) {
			from++
		}
	}
	to := min(len(rs), from+n)
	s := strings.TrimSpace(string(rs[from:to]))
	if from > 0 {
		s = "…" + s
	}
	if to < len(rs) {
		s += "…"
	}
	return h.mark(s)
}

// textOf returns the text of an HTML fragment, whitespace folded, at most
// 64 KB of it read.
func textOf(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	skip := 0
	for b.Len() < 64<<10 {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "template":
				skip++
			}
			b.WriteByte(' ')
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "template":
				skip = max(0, skip-1)
			}
			b.WriteByte(' ')
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		}
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(b.String(), "")), " ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
