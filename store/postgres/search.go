package postgres

import (
	"strconv"
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

// The bounds of a search (searchCond); variables for the tests.
var (
	// searchCandidates is how many matches of a search are its
	// candidates: store.MaxSearchCandidates.
	searchCandidates = store.MaxSearchCandidates
	// commonWord is how many items a word is in, at least, to be common:
	// a search whose words are all common reads the newest commonScan
	// items only.
	commonWord, commonScan = 40_000, 50_000
)

// searchCond is the condition that an item (alias i) is one of the
// candidates of a search, match being the parameter of its tsQuery text:
// the newest searchCandidates items that match it. Ranking reads each
// match's tsvector, which cost seconds for a common word among 1,000,000
// items; the filters (feed, tag, unread) and the count of a search apply to
// the candidates, as on SQLite.
//
// The candidates are read newest first, and each item tested, when the
// words are common; else from the index. So a search whose words are all
// common but seldom together (phrases of them) would read every item to
// find few matches (2.4 s for four phrases at 1,000,000 items): when its
// rarest word is in more than commonWord items, it reads the newest
// commonScan items only. How many items hold a word is what ANALYZE saw
// (pg_stats' most common elements of items.search, as a share of the
// items, counted as the largest ID); a word it does not list is rarer
// than the ones it does. A prefix counts as its word, which it matches
// and more.
func searchCond(match string) string {
	itoa := strconv.Itoa
	rarest := "(SELECT coalesce(min(coalesce(m.freq, 0)), 0) FROM unnest(tsvector_to_array(to_tsvector('simple', " + match + "))) AS l(w)" +
		" LEFT JOIN (SELECT e.w, e.freq FROM pg_stats s," +
		" unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(w, freq)" +
		" WHERE s.schemaname = current_schema() AND s.tablename = 'items' AND s.attname = 'search') m ON m.w = l.w)"
	top := "(SELECT coalesce(max(id), 0) FROM items)"
	// An array, not IN: with IN the planner joins the candidates to every
	// item (800 ms at 1,000,000 items) rather than look each one up.
	return "i.id = ANY (ARRAY(SELECT c.id FROM items c WHERE c.search @@ to_tsquery('simple', " + match + ")" +
		" AND c.id > CASE WHEN " + rarest + " * " + top + " > " + itoa(commonWord) +
		" THEN " + top + " - " + itoa(commonScan) + " ELSE 0 END" +
		" ORDER BY c.id DESC LIMIT " + itoa(searchCandidates) + "))"
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
