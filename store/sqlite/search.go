package sqlite

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
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

// htmlText is the text of an HTML fragment, for the full-text index: tags
// dropped (with a space where they were, so words stay apart), entities
// decoded, script and style left out.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			if n := string(name); n == "script" || n == "style" {
				skip++
			}
			b.WriteByte(' ')
		case html.EndTagToken:
			name, _ := z.TagName()
			if n := string(name); (n == "script" || n == "style") && skip > 0 {
				skip--
			}
			b.WriteByte(' ')
		case html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}
