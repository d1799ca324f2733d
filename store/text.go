package store

import (
	"strings"

	"golang.org/x/net/html"
)

// PlainText is the text of an HTML fragment, for the backends' full-text
// indexes: tags dropped (with a space where they were, so words stay
// apart), entities decoded, script and style left out, and the result
// trimmed of surrounding white space. A string without '<' or '&' is
// returned as it is.
//
// The result is exactly what x/net/html's Tokenizer gives (the text of its
// text tokens, a space for each tag); a fuzz test holds the two equal. The
// markup that sanitised content is made of (tags and their attributes,
// text, entities) is read by a byte scanner; anything else (comments,
// script, style and the other elements whose content the tokenizer reads
// as raw text) hands the whole fragment to the tokenizer.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	if t, ok := plainTextFast(s); ok {
		return t
	}
	return plainTextTokenizer(s)
}

// plainTextFast is PlainText by scanning bytes, mirroring the tokenizer's
// states for text, start and end tags, "</...>" and "<!...>" (not
// comments) and "<?...>". It reports false for what it leaves to the
// tokenizer: a comment, or a start tag of an element whose content is raw
// text.
func plainTextFast(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	text := 0 // start of the pending text token
	i := 0
	for {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 || i+lt+1 >= len(s) {
			// The rest is text; a final '<' is text too.
			writeText(&b, s[text:])
			return strings.TrimSpace(b.String()), true
		}
		lt += i
		c := s[lt+1]
		switch {
		case isASCIILetter(c):
			writeText(&b, s[text:lt])
			name, end := scanTag(s, lt+1)
			if end < 0 {
				// The input ends inside the tag: the tokenizer's error
				// ends the text there.
				return strings.TrimSpace(b.String()), true
			}
			if isRawTextElement(name) {
				return "", false
			}
			b.WriteByte(' ')
			i, text = end, end
		case c == '/':
			writeText(&b, s[text:lt])
			if lt+2 >= len(s) {
				// "</" at the end: text.
				writeText(&b, s[lt:])
				return strings.TrimSpace(b.String()), true
			}
			switch c2 := s[lt+2]; {
			case c2 == '>':
				i = lt + 3 // "</>" is nothing at all
			case isASCIILetter(c2):
				_, end := scanTag(s, lt+2)
				if end < 0 {
					return strings.TrimSpace(b.String()), true
				}
				b.WriteByte(' ')
				i = end
			default:
				// A bogus comment, up to the next '>'.
				if i = closeAngle(s, lt+2); i < 0 {
					return strings.TrimSpace(b.String()), true
				}
			}
			text = i
		case c == '!':
			if strings.HasPrefix(s[lt+2:], "--") {
				return "", false // a comment: the tokenizer's rules
			}
			writeText(&b, s[text:lt])
			// A doctype or a bogus comment, up to the next '>'.
			if i = closeAngle(s, lt+2); i < 0 {
				return strings.TrimSpace(b.String()), true
			}
			text = i
		case c == '?':
			writeText(&b, s[text:lt])
			if i = closeAngle(s, lt+1); i < 0 {
				return strings.TrimSpace(b.String()), true
			}
			text = i
		default:
			// Not markup: the '<' is text.
			i = lt + 1
		}
	}
}

// writeText appends a text token as the tokenizer's Text gives it: "\r\n"
// and "\r" become "\n", then entities are decoded.
func writeText(b *strings.Builder, t string) {
	if t == "" {
		return
	}
	if strings.IndexByte(t, '\r') >= 0 {
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
	}
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	b.WriteString(t)
}

// closeAngle returns the index just past the first '>' at or after i, or
// -1 if there is none.
func closeAngle(s string, i int) int {
	j := strings.IndexByte(s[i:], '>')
	if j < 0 {
		return -1
	}
	return i + j + 1
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isTagSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

func skipTagSpace(s string, i int) int {
	for i < len(s) && isTagSpace(s[i]) {
		i++
	}
	return i
}

// scanTag reads a tag whose name starts at s[i] (a letter) as the
// tokenizer does (its readTag), and returns the name and the index just
// past the closing '>', or -1 if the input ends first. The attributes are
// read only to find where the tag ends: a quoted value may hold a '>'.
func scanTag(s string, i int) (name string, end int) {
	// The name ends at white space (consumed), '/' or '>'.
	j := i + 1
	for ; ; j++ {
		if j >= len(s) {
			return "", -1
		}
		if c := s[j]; isTagSpace(c) || c == '/' || c == '>' {
			name = s[i:j]
			if isTagSpace(c) {
				j++
			}
			break
		}
	}
	for {
		if j = skipTagSpace(s, j); j >= len(s) {
			return "", -1
		}
		if s[j] == '>' {
			return name, j + 1
		}
		// The attribute's key: an '=' first is part of it.
		k := j
		for ; ; j++ {
			if j >= len(s) {
				return "", -1
			}
			c := s[j]
			if c == '=' && j == k {
				continue
			}
			if c == '=' || isTagSpace(c) || c == '/' || c == '>' {
				break
			}
		}
		// Its value, if an '=' comes.
		if j = skipTagSpace(s, j); j >= len(s) {
			return "", -1
		}
		switch s[j] {
		case '/':
			j++
			continue
		case '=':
		default:
			continue
		}
		if j = skipTagSpace(s, j+1); j >= len(s) {
			return "", -1
		}
		switch q := s[j]; q {
		case '>':
		case '\'', '"':
			e := strings.IndexByte(s[j+1:], q)
			if e < 0 {
				return "", -1
			}
			j += 1 + e + 1
		default:
			for j++; ; j++ {
				if j >= len(s) {
					return "", -1
				}
				if c := s[j]; isTagSpace(c) || c == '>' {
					if c != '>' {
						j++
					}
					break
				}
			}
		}
	}
}

// isRawTextElement reports whether a start tag named name makes the
// tokenizer read what follows as raw text (or RCDATA).
func isRawTextElement(name string) bool {
	switch len(name) {
	case 3, 5, 6, 7, 8, 9:
	default:
		return false
	}
	for _, raw := range [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"} {
		if asciiEqualFold(name, raw) {
			return true
		}
	}
	return false
}

// asciiEqualFold is strings.EqualFold for ASCII letters only, as the
// tokenizer compares tag names (a Kelvin sign is not a 'k').
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// plainTextTokenizer is PlainText by x/net/html's Tokenizer, for what
// plainTextFast leaves to it.
func plainTextTokenizer(s string) string {
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
