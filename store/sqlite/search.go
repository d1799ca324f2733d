package sqlite

import (
	"strings"
	"unicode"

	"tidings/store"
)

// ftsQuery turns what a user typed into an FTS5 query that cannot be a
// syntax error: every word becomes a quoted string (FTS5 operators and
// punctuation lose their meaning), and the words must all match. A word
// ending in '*' matches as a prefix. It returns "" when nothing searchable
// is left.
func ftsQuery(input string) string {
	var terms []string
	input = strings.ToValidUTF8(input, " ")
	for _, word := range strings.FieldsFunc(input, unicode.IsSpace) {
		prefix := strings.HasSuffix(word, "*")
		word = strings.TrimRight(word, "*")
		// Only words with a letter or digit give the tokenizer a token;
		// an empty phrase would match nothing.
		if !strings.ContainsFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		// Control characters and NUL have no place in a query; the
		// tokenizer would drop them anyway.
		word = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				return ' '
			}
			return r
		}, word)
		t := `"` + strings.ReplaceAll(word, `"`, `""`) + `"`
		if prefix {
			t += "*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " ")
}

// htmlText is the text of an HTML fragment, for the full-text index.
func htmlText(s string) string { return store.PlainText(s) }
