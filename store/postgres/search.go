package postgres

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"tidings/store"
)

// tsQuery turns what a user typed into the text of a to_tsquery('simple',
// ...) that cannot be a syntax error: every word becomes one quoted lexeme
// (so & | ! <-> ( ) : * and quotes lose their meaning), and the words must
// all match. A word ending in '*' matches as a prefix. A word the parser
// splits (don't, a:b) becomes a phrase of its parts. It returns "" when
// nothing searchable is left.
func tsQuery(input string) string {
	input = text(input)
	var terms []string
	for _, word := range strings.FieldsFunc(input, unicode.IsSpace) {
		prefix := strings.HasSuffix(word, "*")
		word = strings.TrimRight(word, "*")
		// Only words with a letter or digit give the parser a token.
		if !strings.ContainsFunc(word, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		word = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				return ' '
			}
			return r
		}, word)
		// Inside a quoted lexeme a quote is doubled and a backslash
		// escapes the next character.
		t := "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(word) + "'"
		if prefix {
			t += ":*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " & ")
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
