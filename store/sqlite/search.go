package sqlite

import (
	"strconv"
	"strings"

	"tidings/store"
)

// ftsQuery turns what a user typed (see store.ParseSearch) into an FTS5
// query that cannot be a syntax error, and the literal words the items
// found must contain as well (see literalFilter). Every term becomes a
// quoted string, so FTS5 operators and punctuation lose their meaning: a
// phrase's words must come in that order, and a '*' after the quote makes
// the last a prefix. The terms must all match. It returns "" when nothing
// searchable is left, and an error wrapping store.ErrSearchTooLong for a
// search over the bounds.
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
// expression, ?2 of the statement: written "MATCH ?" the first time, which
// itemQuery numbers ?2, and "?2" after that.
//
// c is the newest store.MaxSearchCandidates matches (FTS5 reads its matches
// newest first and stops at the bound). When there are fewer, they are
// ranked by bm25, title matches weighing most; when there are that many,
// newest first. bm25 reads, besides the matches, every item holding each
// term, to weigh how rare it is: for a word in most of 1,000,000 items
// that took over 100 ms a word, and weighs nothing, as a word in most
// items is no sign of relevance. The condition on c's count does not
// depend on a row, so SQLite tests it once, before it starts either
// part; the other part costs nothing. MATERIALIZED keeps bm25 inside the
// full-text query, where it is defined, whatever the planner does with the
// filters after it.
var ftsRanked = "WITH c AS MATERIALIZED (SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?" +
	" ORDER BY rowid DESC LIMIT " + maxCandidates + ")" +
	" SELECT * FROM (SELECT rowid AS id, bm25(items_fts, " + bm25Weights + ") AS rank FROM items_fts" +
	" WHERE items_fts MATCH ?2 LIMIT CASE WHEN (SELECT count(*) FROM c) < " + maxCandidates + " THEN -1 ELSE 0 END)" +
	" UNION ALL SELECT * FROM (SELECT id, -id FROM c LIMIT CASE WHEN (SELECT count(*) FROM c) < " + maxCandidates +
	" THEN 0 ELSE -1 END)"

// maxCandidates is store.MaxSearchCandidates in SQL.
var maxCandidates = strconv.Itoa(store.MaxSearchCandidates)

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
