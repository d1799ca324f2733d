package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of one search, so that what anyone can type costs a bounded time:
// a search of 800 repeated words took a minute on 17,500 items before.
const (
	// MaxSearchTerms caps the words of a search once repeats are folded,
	// the words of quoted phrases included.
	MaxSearchTerms = 8
	// MaxSearchLength caps a search's length in characters, as typed.
	MaxSearchLength = 1000
	// MinPrefixLength is how many letters or digits a word ending in '*'
	// needs to match as a prefix, counted after its last punctuation
	// ("x-ab*" is "x" then the prefix "ab", the tokenizers' words); a
	// shorter one matches as a word (a one-letter prefix expands to a
	// good part of the index).
	MinPrefixLength = 3
	// MaxSearchPrefixes caps the prefixes of a search. A prefix costs
	// what all the words it starts cost together: read in full before
	// the search starts, or (SQLite) looked up each at every item of the
	// other words, a backend also refusing a prefix of too many words
	// with an error wrapping ErrSearchTooLong.
	MaxSearchPrefixes = 2
	// MaxSearchCandidates caps the matches of a search that are ranked:
	// the newest that many. Ranking is per match, so a common word among
	// millions of items would cost seconds; the best of the newest 10,000
	// is what a reader looks for. Filters (feed, tag, unread) apply to
	// those candidates.
	MaxSearchCandidates = 10_000
)

// ErrSearchTooLong means a search has more words, prefixes or characters
// than the bounds above allow; the error wrapping it says which, and the bound. Front ends
// show it as it is: nothing was searched.
var ErrSearchTooLong = errors.New("search too long")

// SearchTerm is one thing every item found must contain: a word, or a
// quoted phrase's words in that order.
type SearchTerm struct {
	// Words are the term's words, as typed (each with a letter or a
	// digit); more than one is a phrase.
	Words []string
	// Prefix says the last word matches as a prefix ("goph*").
	Prefix bool
}

// Search is a parsed search: the terms that must all match, for the
// backend's full-text index, and the literal texts a tokenizer would cut
// short.
type Search struct {
	Terms []SearchTerm
	// Literals are words with a '+' or '#' after a letter or digit ("c++",
	// "c#", "f#"), lowercased: the full-text tokenizers keep only "c" of
	// them, so the items found must also contain the word as typed in
	// their title or content (case-insensitively). Without this "C++"
	// matched every item with a "c".
	Literals []string
}

// ParseSearch reads what a user typed as a search: words separated by
// spaces, all of which must match; "quoted words" match as a phrase; a word
// ending in '*' (or a phrase whose last word does) matches as a prefix when
// its last part has at least MinPrefixLength letters or digits. Operators
// and punctuation have no meaning. Repeated terms are folded (compared
// without case). A search longer than MaxSearchLength characters, of more
// than MaxSearchTerms words or of more than MaxSearchPrefixes prefixes once
// folded, is refused with an error wrapping ErrSearchTooLong. A search with nothing searchable in it gives no terms
// and no error: it finds nothing.
func ParseSearch(input string) (Search, error) {
	if n := utf8.RuneCountInString(input); n > MaxSearchLength {
		return Search{}, fmt.Errorf("%w: %d characters, at most %d are searched; shorten it", ErrSearchTooLong,
			n, MaxSearchLength)
	}
	input = strings.ToValidUTF8(input, " ")
	// Control characters and NUL have no place in a search; the
	// tokenizers would drop them anyway.
	input = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, input)
	var (
		s        Search
		seen     = make(map[string]bool)
		lits     = make(map[string]bool)
		words    int
		prefixes int
	)
	add := func(raw []string, phrase bool) {
		var t SearchTerm
		for i, w := range raw {
			last := i == len(raw)-1
			if last && strings.HasSuffix(w, "*") {
				w = strings.TrimRight(w, "*")
				t.Prefix = countAlnum(LastSearchPart(w)) >= MinPrefixLength
			} else if !phrase {
				w = strings.TrimRight(w, "*")
			} else {
				w = strings.ReplaceAll(w, "*", " ")
			}
			if countAlnum(w) == 0 {
				// Nothing for the tokenizer: an empty phrase would
				// match nothing.
				if last {
					t.Prefix = false
				}
				continue
			}
			if l := literal(w); l != "" && !lits[l] {
				lits[l] = true
				s.Literals = append(s.Literals, l)
			}
			t.Words = append(t.Words, w)
		}
		if len(t.Words) == 0 {
			return
		}
		key := strings.ToLower(strings.Join(t.Words, " "))
		if t.Prefix {
			key += "*"
		}
		if seen[key] {
			return
		}
		seen[key] = true
		words += len(t.Words)
		if t.Prefix {
			prefixes++
		}
		s.Terms = append(s.Terms, t)
	}
	rest := input
	for rest != "" {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		if rest[0] == '"' {
			// A phrase runs to the next quote, or to the end; a '*'
			// right after its closing quote makes its last word a prefix.
			body, after, _ := strings.Cut(rest[1:], `"`)
			rest = after
			ws := strings.Fields(body)
			if strings.HasPrefix(rest, "*") && len(ws) > 0 {
				ws[len(ws)-1] += "*"
				rest = strings.TrimLeft(rest, "*")
			}
			add(ws, true)
			continue
		}
		end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		if end < 0 {
			end = len(rest)
		}
		word := rest[:end]
		rest = rest[end:]
		add([]string{word}, false)
	}
	if words > MaxSearchTerms {
		return Search{}, fmt.Errorf("%w: %d different words, at most %d are searched; leave some out", ErrSearchTooLong,
			words, MaxSearchTerms)
	}
	if prefixes > MaxSearchPrefixes {
		return Search{}, fmt.Errorf("%w: %d words ending in '*', at most %d are searched as prefixes; write the others in full",
			ErrSearchTooLong, prefixes, MaxSearchPrefixes)
	}
	return s, nil
}

// countAlnum counts the letters and digits of w.
func countAlnum(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			n++
		}
	}
	return n
}

// LastSearchPart returns what follows the last character of w that is
// neither a letter nor a digit: the last word of w to the full-text
// tokenizers, and what a prefix term's '*' applies to.
func LastSearchPart(w string) string {
	i := strings.LastIndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if i < 0 {
		return w
	}
	_, n := utf8.DecodeRuneInString(w[i:])
	return w[i+n:]
}

// literal returns w lowercased, without the punctuation around it, when it
// has a '+' or '#' right after a letter or digit ("C++", "c#", "(F#)"),
// else "".
func literal(w string) string {
	w = strings.TrimFunc(w, func(r rune) bool {
		return r != '+' && r != '#' && !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	prev := rune(0)
	for _, r := range w {
		if (r == '+' || r == '#') && (unicode.IsLetter(prev) || unicode.IsNumber(prev)) {
			return strings.ToLower(w)
		}
		prev = r
	}
	return ""
}
