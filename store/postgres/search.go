package postgres

import (
	"strings"
	"unicode/utf8"

	"tidings/store"
)

// tsQuery turns what a user typed (see store.ParseSearch) into the text
// of a to_tsquery('simple', ...) that cannot be a syntax error, and the
// literal words the items found must contain as well (see literalFilter).
// Every word becomes one quoted lexeme (so & | ! <-> ( ) : * and quotes lose
// their meaning); a phrase's words are joined with <-> (followed by), and a
// word the parser splits (don't, a:b) becomes a phrase of its parts. The
// terms must all match; ':*' makes the last word of a term a prefix. It
// returns "" when nothing searchable is left, and an error wrapping
// store.ErrSearchTooLong for a search over the bounds.
func tsQuery(input string) (query string, literals []string, err error) {
	s, err := store.ParseSearch(text(input))
	if err != nil {
		return "", nil, err
	}
	quote := strings.NewReplacer(`\`, `\\`, `'`, `''`)
	terms := make([]string, 0, len(s.Terms))
	for _, t := range s.Terms {
		words := make([]string, len(t.Words))
		for i, w := range t.Words {
			// Inside a quoted lexeme a quote is doubled and a backslash
			// escapes the next character.
			words[i] = "'" + quote.Replace(w) + "'"
		}
		if t.Prefix {
			words[len(words)-1] += ":*"
		}
		q := strings.Join(words, " <-> ")
		if len(words) > 1 {
			q = "(" + q + ")"
		}
		terms = append(terms, q)
	}
	return strings.Join(terms, " & "), s.Literals, nil
}

// literalFilter is the condition that keeps the items whose title or
// content contains every literal (lowercased already), case-insensitively:
// the words of a search the parser cuts short ("c++" is "c" to it). It
// returns "" for none.
func literalFilter(literals []string, p *params) string {
	var conds []string
	for _, l := range literals {
		v := p.add(l)
		conds = append(conds, "(strpos(lower(i.title), "+v+") > 0 OR strpos(lower(i.content), "+v+") > 0)")
	}
	return strings.Join(conds, " AND ")
}

// htmlText is the text of an HTML fragment, for the full-text index, with
// what PostgreSQL refuses in text taken out.
func htmlText(s string) string { return text(store.PlainText(s)) }

// clip cuts s to at most n bytes, at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
