package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// indexWords returns the words of the full-text index that start with
// prefix (a word as tokenPrefix folds it), in order, and no more than
// limit+1 of them: a caller refuses a prefix of more than limit words.
// Words only in deleted items may be among them (FTS5 keeps them until
// its segments are merged): they match nothing.
//
// They are read from the index's pages, not from an fts5vocab table:
// fts5vocab reads every item of every word it returns (560 ms for the
// words starting "the" at 1,000,000 items), where only the words are
// needed. FTS5's file format is stable (its documentation in
// fts5_index.c): a segment's b-tree, items_fts_idx, keys each leaf page
// that holds a word by a prefix of its first word, greater than the words
// of the pages before it; a leaf page (items_fts_data, row segid<<37 |
// page) starts with a 4-byte header whose last 2 bytes are where its
// footer begins, the footer is the offsets of its words (the first one
// from the page's start, then from the word before), and a word is its
// length (the first of a page), or the bytes it shares with the word
// before and the length of the rest, then its bytes. Words of the main
// index start with "0". So the pages holding the prefix's words are those
// keyed in its range, and the page before them in each segment.
func indexWords(ctx context.Context, db *sql.DB, prefix string, limit int) ([]string, error) {
	lo := []byte("0" + prefix)
	hi := append(bytes.Clone(lo), 0xff) // no byte of UTF-8 is 0xff
	rows, err := db.QueryContext(ctx, "SELECT d.block FROM (SELECT (segid << 37) + (pgno >> 1) AS id FROM items_fts_idx"+
		" WHERE term >= ?1 AND term < ?2"+
		" UNION SELECT (s.segid << 37) + (SELECT pgno >> 1 FROM items_fts_idx j WHERE j.segid = s.segid AND j.term < ?1"+
		" ORDER BY j.term DESC LIMIT 1) FROM (SELECT DISTINCT segid FROM items_fts_idx) s) p"+
		" JOIN items_fts_data d ON d.id = p.id ORDER BY p.id", lo, hi)
	if err != nil {
		return nil, fmt.Errorf("words of the prefix %q: %w", prefix, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var words []string
	for rows.Next() && len(words) <= limit {
		var block []byte
		if err := rows.Scan(&block); err != nil {
			return nil, fmt.Errorf("words of the prefix %q: %w", prefix, err)
		}
		leafWords(block, func(w []byte) {
			if bytes.HasPrefix(w, lo) && !seen[string(w[1:])] {
				seen[string(w[1:])] = true
				words = append(words, string(w[1:]))
			}
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("words of the prefix %q: %w", prefix, err)
	}
	if len(words) > limit+1 {
		words = words[:limit+1]
	}
	slices.Sort(words) // the segments' words, merged
	return words, nil
}

// leafWords calls fn with each word of an FTS5 leaf page, in order (see
// indexWords). A page it cannot read gives fewer words, never wrong ones:
// it stops there.
func leafWords(page []byte, fn func(w []byte)) {
	if len(page) < 4 {
		return
	}
	footer := int(binary.BigEndian.Uint16(page[2:4]))
	if footer < 4 || footer > len(page) {
		return
	}
	var word []byte
	off := 0
	for i, rest := 0, page[footer:]; len(rest) > 0; i++ {
		d, n := sqliteVarint(rest)
		if n == 0 {
			return
		}
		rest = rest[n:]
		off += int(d)
		if off < 4 || off >= footer {
			return
		}
		at := page[off:footer]
		shared := uint64(0)
		if i > 0 {
			if shared, n = sqliteVarint(at); n == 0 || shared > uint64(len(word)) {
				return
			}
			at = at[n:]
		}
		size, n := sqliteVarint(at)
		if n == 0 || size > uint64(len(at)-n) {
			return
		}
		word = append(word[:shared], at[n:n+int(size)]...)
		fn(word)
	}
}

// sqliteVarint decodes the SQLite varint at the start of b (big-endian,
// 7 bits a byte, the ninth byte 8): its value and length, or 0 bytes when
// b is too short.
func sqliteVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 8 && i < len(b); i++ {
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// tokenPrefix folds a prefix as the full-text index's tokenizer folds a
// word (unicode61, remove_diacritics 2): lower case, without diacritics.
func tokenPrefix(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
