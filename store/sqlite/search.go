package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"modernc.org/sqlite"

	"tidings/store"
)

// ftsQuery turns what a user typed (see store.ParseSearch) into an FTS5
// query that cannot be a syntax error, and the literal words the items
// found must contain as well (see literalFilter). Every term becomes a
// quoted string, so FTS5 operators and punctuation lose their meaning: a
// phrase's words must come in that order, and a '*' after the quote makes
// the last a prefix. The terms must all match. It returns "" when nothing
// searchable is left, and an error wrapping store.ErrSearchTooLong for a
// search over the bounds. Searches run ftsMatch, the same with each
// prefix written as its words; this is FTS5's own prefix query, which
// the tests compare it to.
func ftsQuery(input string) (match string, literals []string, err error) {
	s, err := store.ParseSearch(input)
	if err != nil {
		return "", nil, err
	}
	terms := make([]string, 0, len(s.Terms))
	for _, t := range s.Terms {
		q := `"` + strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`) + `"`
		if t.Prefix {
			q += "*"
		}
		terms = append(terms, q)
	}
	return strings.Join(terms, " "), s.Literals, nil
}

// ftsRanked is the full-text query of a search: the ids of the matching
// items and their rank (lower is better), for at most
// store.MaxSearchCandidates of them. Its one argument is the MATCH
// expression, ?2 of the statement, as itemQuery numbers it: it rewrites
// the first "MATCH ?", which is why the others are written "?2".
var ftsRanked = rankedSQL(defaultSearchBounds)

// defaultSearchBounds are the bounds of ftsRanked.
var defaultSearchBounds = searchBounds{
	sample: 10_000,
	scan:   80_000,
	weight: 100_000,
	common: 50_000,
	ranked: 200_000,
}

// searchBounds are the bounds of a search's cost, in items read (see
// rankedSQL).
type searchBounds struct {
	// sample is how many of the newest items tell how common a word is.
	sample int
	// scan bounds what a search reads to find its matches among all
	// items: FTS5 steps from item to item of its rarest word and looks
	// each up in the items of every word, which costs more the more items
	// hold the word. So the items of the rarest word are weighed by its
	// words, each its items over weight, between 0.1 and 10, and times the
	// words it stands for (a prefix's words are each looked up); 80,000
	// of 100,000 keeps a search within about 100 ms at 1,000,000 items.
	scan, weight int
	// common is how many of the newest items a search reads beyond
	// that bound, for store.MaxSearchTerms words: a phrase of common words
	// costs about a microsecond an item. A search standing for more
	// words (prefixes) reads as many fewer items: what the words of a
	// prefix cost is the items holding them.
	common int
	// ranked is how many items may hold the words of a search, all
	// counted, for bm25 to rank its matches.
	ranked int
}

// rankedSQL is ftsRanked within bounds b.
//
// What a search costs in FTS5 is the items holding its words, not its
// matches: a phrase of common words, or common words seldom together,
// read every item holding them to find few matches (four phrases of the
// commonest words took 1.9 s at 1,000,000 items), and bm25 reads every
// item holding each word to weigh how rare it is (over 100 ms for a word
// in most items). So how many items hold each word of the search is
// estimated first, from the newest b.sample items (w; the words a prefix
// stands for counted together, see matchWords), and:
//
//   - when the search's rarest word keeps it within b.scan, it reads all
//     the items (c): FTS5 steps from item to item of that word;
//   - else it reads the newest b.common items only (fewer for more words):
//     its words are all common, and finding few matches among them reads
//     every item. Its parts are read apart (matchParts) and the items in
//     all of them kept: FTS5 reads a search from its first match on, not
//     from the bound, and a prefix's words at each item of the others;
//   - when its words are in fewer than b.ranked items together, and its
//     prefixes (if any) keep it within b.scan, its
//     newest store.MaxSearchCandidates matches of all the items are
//     ranked by bm25, title matches weighing most; else they are those of
//     c, newest first: bm25 would read every item holding a common word,
//     to weigh it at next to nothing.
//
// A LIMIT of 0 or more runs one of the parts; a WHERE on the choice was
// tested per row, after the scan. Ranked, the matches are read newest
// first, and FTS5 stops at the bound, as before the other parts. Else,
// when all the items are read, they are read in rowid order and the
// newest matches kept: +rowid keeps FTS5 from reading them newest first,
// which cost several times more when common words are looked up at each
// item of a rare one. MATERIALIZED keeps bm25 inside the full-text query,
// where it is defined, whatever the planner does with the filters after
// it.
func rankedSQL(b searchBounds) string {
	itoa := strconv.Itoa
	sample, candidates := itoa(b.sample), itoa(store.MaxSearchCandidates)
	return "WITH top AS MATERIALIZED (SELECT coalesce(max(id), 0) AS hi FROM items)," +
		" w AS MATERIALIZED (SELECT (SELECT count(*) FROM items_fts WHERE items_fts MATCH j.value ->> 0" +
		" AND rowid > (SELECT hi FROM top) - " + sample + ") * max((SELECT hi FROM top), " + sample + ") / " + sample +
		" AS n, j.value ->> 1 AS size" +
		" FROM json_each(" + searchWordsFunc + "(?2)) j)," +
		" k AS MATERIALIZED (SELECT coalesce(min(n) * sum(min(max(n / " + itoa(b.weight) + ".0, 0.1), 10.0) * size), 0) < " +
		itoa(b.scan) + " AS selective," +
		" coalesce(sum(n), 0) < " + itoa(b.ranked) + " AND (coalesce(sum(size), 0) = count(*)" +
		" OR coalesce(min(n) * sum(min(max(n / " + itoa(b.weight) + ".0, 0.1), 10.0) * size), 0) < " + itoa(b.scan) + ")" +
		" AS rankable," +
		" " + itoa(b.common*store.MaxSearchTerms) + " / max(coalesce(sum(size), 0), " + itoa(store.MaxSearchTerms) + ") AS recent FROM w)," +
		" c AS MATERIALIZED (SELECT * FROM (SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?" +
		" ORDER BY +rowid DESC LIMIT (SELECT CASE WHEN rankable THEN 0 WHEN selective THEN " + candidates +
		" ELSE 0 END FROM k))" +
		" UNION ALL SELECT * FROM (SELECT f.rowid FROM json_each(" + searchPartsFunc + "(?2)) p CROSS JOIN items_fts f" +
		" WHERE f.items_fts MATCH p.value AND f.rowid > (SELECT hi FROM top) - (SELECT recent FROM k)" +
		" GROUP BY f.rowid HAVING count(*) = json_array_length(" + searchPartsFunc + "(?2))" +
		" ORDER BY f.rowid DESC LIMIT (SELECT CASE WHEN rankable OR selective THEN 0 ELSE " + candidates + " END FROM k)))" +
		" SELECT * FROM (SELECT rowid AS id, bm25(items_fts, " + bm25Weights + ") AS rank FROM items_fts" +
		" WHERE items_fts MATCH ?2 ORDER BY rowid DESC" +
		" LIMIT CASE WHEN (SELECT rankable FROM k) THEN " + candidates + " ELSE 0 END)" +
		" UNION ALL SELECT * FROM (SELECT id, -id FROM c LIMIT CASE WHEN (SELECT rankable FROM k) THEN 0 ELSE -1 END)"
}

// searchWordsFunc is the SQL function that takes a MATCH expression of
// ftsMatch and returns the JSON array of its words (see matchWords), each
// as [word, how many words it stands for]: a prefix's words are counted
// together but cost each their own.
const searchWordsFunc = "tidings_search_words"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(searchWordsFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		m, _ := args[0].(string)
		ws := [][2]any{}
		for _, w := range matchWords(m) {
			ws = append(ws, [2]any{w, strings.Count(w, `" OR "`) + 1})
		}
		b, err := json.Marshal(ws)
		return string(b), err
	})
	sqlite.MustRegisterDeterministicScalarFunction(searchPartsFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		m, _ := args[0].(string)
		b, err := json.Marshal(append([]string{}, matchParts(m)...))
		return string(b), err
	})
}

// searchPartsFunc is the SQL function that takes a MATCH expression of
// ftsMatch and returns the JSON array of its parts (see matchParts).
const searchPartsFunc = "tidings_search_parts"

// matchParts splits a MATCH expression of ftsMatch into MATCH expressions
// that the items found match all of: one of its words and phrases, and
// one of each prefix's words ("a" AND ("b" OR "c") AND "d" gives "a" AND
// "d", and ("b" OR "c")). Each is read by FTS5 from its first match on,
// which reads all the items of a rare word for the words with it, cheaply
// (FTS5 steps from item to item of the rarest), but the words of a
// prefix at each step: read apart, within the newest items, they cost
// what they hold there.
func matchParts(match string) []string {
	var parts, plain []string
	depth, quoted, start := 0, false, 0
	flush := func(end int) {
		t := strings.TrimSpace(match[start:end])
		switch {
		case t == "":
		case strings.HasPrefix(t, "("):
			parts = append(parts, t)
		default:
			plain = append(plain, t)
		}
	}
	for i := 0; i < len(match); i++ {
		switch c := match[i]; {
		case c == '"':
			quoted = !quoted // a doubled quote toggles twice
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(match[i:], " AND "):
			flush(i)
			start = i + len(" AND ")
			i += len(" AND ") - 1
		}
	}
	flush(len(match))
	if len(plain) > 0 {
		parts = append([]string{strings.Join(plain, " AND ")}, parts...)
	}
	return parts
}

// maxPrefixWords caps the words of the index a prefix may stand for (see
// ftsMatch): each is read as a word of its own. Two prefixes of that many
// of the commonest words and 6 common words took under 100 ms at
// 1,000,000 items (BenchmarkSearchWorst), within the newest 1,000 items.
const maxPrefixWords = 200

// ftsMatch is ftsQuery with every prefix written as the words of the
// index it starts (indexWords), each read by FTS5 as a word is, within the
// bounds of rankedSQL: FTS5 reads and merges the items of every word a
// prefix starts, over the whole index, before a search starts ("the*"
// cost a second at 1,000,000 items). A prefix "x-abc"* is ("x-abcd" OR
// "x-abce"), a phrase each. A search with a prefix of no word matches
// nothing (""), and one with a prefix of more than maxPrefixWords words is
// refused, wrapping store.ErrSearchTooLong: its matches would be
// incomplete else.
func (db *DB) ftsMatch(ctx context.Context, input string) (match string, literals []string, err error) {
	s, err := store.ParseSearch(input)
	if err != nil {
		return "", nil, err
	}
	quote := func(ws []string) string { return `"` + strings.ReplaceAll(strings.Join(ws, " "), `"`, `""`) + `"` }
	terms := make([]string, 0, len(s.Terms))
	for _, t := range s.Terms {
		if !t.Prefix {
			terms = append(terms, quote(t.Words))
			continue
		}
		last := t.Words[len(t.Words)-1]
		part := store.LastSearchPart(last)
		words, err := indexWords(ctx, db.read, tokenPrefix(part), maxPrefixWords)
		if err != nil {
			return "", nil, err
		}
		if len(words) == 0 {
			return "", nil, nil
		}
		if len(words) > maxPrefixWords {
			return "", nil, fmt.Errorf("%w: the prefix '%s*' matches more than %d words, at most %d are searched; type more letters",
				store.ErrSearchTooLong, part, maxPrefixWords, maxPrefixWords)
		}
		phrases := make([]string, len(words))
		for i, w := range words {
			phrases[i] = quote(append(slices.Clone(t.Words[:len(t.Words)-1]), last[:len(last)-len(part)]+w))
		}
		if len(phrases) == 1 {
			terms = append(terms, phrases[0])
			continue
		}
		terms = append(terms, "("+strings.Join(phrases, " OR ")+")")
	}
	// FTS5 takes "a" "b" for "a" AND "b", but not after a ')'.
	return strings.Join(terms, " AND "), s.Literals, nil
}

// matchWords returns the words of a MATCH expression of ftsMatch, each a
// MATCH expression of its own, to count how many items hold them: "a b"
// ("c d" OR "c e") gives "a", "b", "c" and ("d" OR "e"): the words a
// prefix stands for are counted together. Operators (AND) are skipped.
func matchWords(match string) []string {
	words := []string{}
	quote := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	var group []string // the last words of a prefix's phrases
	for rest := match; rest != ""; {
		i := strings.IndexAny(rest, `"()`)
		if i < 0 {
			break
		}
		c := rest[i]
		rest = rest[i+1:]
		switch c {
		case '(':
			group = []string{}
			continue
		case ')':
			if len(group) > 0 {
				words = append(words, "("+strings.Join(group, " OR ")+")")
			}
			group = nil
			continue
		}
		var term strings.Builder
		for rest != "" {
			if rest[0] == '"' {
				if strings.HasPrefix(rest, `""`) {
					term.WriteByte('"')
					rest = rest[2:]
					continue
				}
				rest = rest[1:]
				break
			}
			term.WriteByte(rest[0])
			rest = rest[1:]
		}
		ws := strings.Fields(term.String())
		if group == nil {
			for _, w := range ws {
				words = append(words, quote(w))
			}
			continue
		}
		if len(ws) == 0 {
			continue
		}
		if len(group) == 0 {
			for _, w := range ws[:len(ws)-1] {
				words = append(words, quote(w))
			}
		}
		group = append(group, quote(ws[len(ws)-1]))
	}
	return words
}

// matchSet returns the WHERE conditions and args (after the user's ?1) of
// the user's items that q selects, search included, for CountItems and
// MarkAllRead; ok is false when a search has nothing searchable in it. A
// search selects the items Items would list for it, within the same
// bounds (ftsRanked): a count or a "mark all read" of a common word is
// that of its candidates, not of every item holding it, which would cost
// what the bounds keep Items from costing.
func (db *DB) matchSet(ctx context.Context, q store.Query) (where []string, args []any, ok bool, err error) {
	where, args = filters(q)
	if q.Search != "" {
		match, literals, err := db.ftsMatch(ctx, q.Search)
		if err != nil {
			return nil, nil, false, fmt.Errorf("search: %w", err)
		}
		if match == "" {
			return nil, nil, false, nil
		}
		// The MATCH is the argument after the user's and the filters';
		// ftsRanked numbers it ?2, but for its first MATCH.
		n := "?" + strconv.Itoa(len(args)+2)
		ranked := strings.ReplaceAll(strings.Replace(ftsRanked, "MATCH ?", "MATCH ?2", 1), "?2", n)
		where = append(where, "i.id IN (SELECT id FROM ("+ranked+"))")
		args = append(args, match)
		if cond, largs := literalFilter(literals); cond != "" {
			where, args = append(where, cond), append(args, largs...)
		}
	}
	return where, args, true, nil
}

// literalFilter is the condition, and its arguments, that keeps the items
// whose title or content contains every literal (lowercased already),
// ASCII case-insensitively: the words of a search the tokenizer cuts short
// ("c++" is "c" to it). It returns "" for none.
func literalFilter(literals []string) (string, []any) {
	if len(literals) == 0 {
		return "", nil
	}
	var (
		conds []string
		args  []any
	)
	for _, l := range literals {
		conds = append(conds, "(instr(lower(i.title), ?) > 0 OR instr(lower(i.content), ?) > 0)")
		args = append(args, l, l)
	}
	return strings.Join(conds, " AND "), args
}

// htmlText is the text of an HTML fragment, for the full-text index.
func htmlText(s string) string { return store.PlainText(s) }
