package config

import (
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The TOML library keeps the position of each key to itself (MetaData has no
// position API, and its internal table holds one position per dotted key name,
// so the keys of the second [[feed]] overwrite those of the first). lineIndex
// recovers them with a small scan of the source, run only after the library has
// accepted the document, so the scanner can assume valid TOML and stay short.

// lineIndex maps key paths to the line (1-based) on which they are written.
// A path is the list of key segments from the root, with one indexSeg for each
// element of an array (of tables, or of values).
type lineIndex map[string]int

// indexSeg is the path segment of the i-th element of an array. The leading
// NUL byte keeps it apart from real keys in practice.
func indexSeg(i int) string { return "\x00#" + strconv.Itoa(i) }

func isIndexSeg(s string) bool { return strings.HasPrefix(s, "\x00#") }

func pathKey(path []string) string { return strings.Join(path, "\x01") }

// line returns the line of path, or of its nearest ancestor that has one;
// 0 when nothing matches.
func (li lineIndex) line(path []string) int {
	for n := len(path); n > 0; n-- {
		if l, ok := li[pathKey(path[:n])]; ok {
			return l
		}
	}
	return 0
}

// scanLines builds the lineIndex of a document that toml has already parsed.
func scanLines(src []byte) lineIndex {
	s := &lineScanner{src: src, line: 1, out: lineIndex{}, arrays: map[string]int{}}
	// Mirror the library, which skips a UTF-8 or UTF-16 byte order mark.
	switch {
	case strings.HasPrefix(string(src), "\xff\xfe"), strings.HasPrefix(string(src), "\xfe\xff"):
		s.pos = 2
	case strings.HasPrefix(string(src), "\xef\xbb\xbf"):
		s.pos = 3
	}
	s.document()
	return s.out
}

type lineScanner struct {
	src    []byte
	pos    int
	line   int
	out    lineIndex
	arrays map[string]int // array-of-tables path -> number of [[...]] seen
}

func (s *lineScanner) eof() bool { return s.pos >= len(s.src) }

func (s *lineScanner) peek(off int) byte {
	if s.pos+off < len(s.src) {
		return s.src[s.pos+off]
	}
	return 0
}

// advance moves one byte forward, counting lines.
func (s *lineScanner) advance() {
	if s.eof() {
		return
	}
	if s.src[s.pos] == '\n' {
		s.line++
	}
	s.pos++
}

func (s *lineScanner) record(path []string, line int) {
	k := pathKey(path)
	if _, ok := s.out[k]; !ok {
		s.out[k] = line
	}
}

// recordAll records line for path and for each of its prefixes that has no
// line yet.
func (s *lineScanner) recordAll(path []string, line int) {
	for n := 1; n <= len(path); n++ {
		s.record(path[:n], line)
	}
}

// skipBlank skips spaces and tabs, and also newlines and comments when
// newlines is true.
func (s *lineScanner) skipBlank(newlines bool) {
	for !s.eof() {
		switch c := s.src[s.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case c == '\n' && newlines:
			s.advance()
		case c == '#' && newlines:
			for !s.eof() && s.src[s.pos] != '\n' {
				s.advance()
			}
		default:
			return
		}
	}
}

func (s *lineScanner) document() {
	var table []string
	for {
		s.skipBlank(true)
		if s.eof() {
			return
		}
		start := s.pos
		if s.src[s.pos] == '[' {
			table = s.header()
		} else {
			s.keyValue(table)
		}
		// A valid document always moves on; this guards the loop anyway.
		if s.pos == start {
			s.advance()
		}
	}
}

// header reads a [table] or [[array.of.tables]] line and returns the path of
// the table it opens.
func (s *lineScanner) header() []string {
	line := s.line
	isArray := s.peek(1) == '['
	s.advance()
	if isArray {
		s.advance()
	}
	keys := s.key()
	s.skipBlank(false)
	for !s.eof() && s.src[s.pos] == ']' {
		s.advance()
	}
	if len(keys) == 0 {
		return nil
	}
	// Every prefix that names an array of tables refers to its last element.
	if !isArray {
		path := s.resolve(keys)
		s.recordAll(path, line)
		return path
	}
	path := append(s.resolve(keys[:len(keys)-1]), keys[len(keys)-1])
	k := pathKey(path)
	// Parents a header creates implicitly ([[a.b]] makes a) get its line.
	s.recordAll(path, line)
	i := s.arrays[k]
	s.arrays[k] = i + 1
	path = append(path, indexSeg(i))
	s.record(path, line)
	return path
}

// resolve appends keys to base, inserting after each prefix that is an array
// of tables the index of its last element.
func (s *lineScanner) resolve(keys []string) []string {
	var path []string
	for _, k := range keys {
		path = append(path, k)
		if n := s.arrays[pathKey(path)]; n > 0 {
			path = append(path, indexSeg(n-1))
		}
	}
	return path
}

// keyValue reads `key = value` and records the lines of the key and of any
// keys and array elements inside the value.
func (s *lineScanner) keyValue(table []string) {
	line := s.line
	keys := s.key()
	path := append(append([]string(nil), table...), keys...)
	for n := len(table) + 1; n <= len(path); n++ {
		s.record(path[:n], line)
	}
	s.skipBlank(false)
	if s.peek(0) == '=' {
		s.advance()
	}
	s.skipBlank(false)
	s.value(path)
}

// key reads a possibly dotted, possibly quoted key.
func (s *lineScanner) key() []string {
	var keys []string
	for {
		s.skipBlank(false)
		if s.eof() {
			return keys
		}
		switch s.src[s.pos] {
		case '"', '\'':
			start := s.pos
			s.str()
			keys = append(keys, unquoteKey(string(s.src[start:s.pos])))
		default:
			start := s.pos
			for !s.eof() && !strings.ContainsRune(" \t\r\n.=]#,}\"'", rune(s.src[s.pos])) {
				s.advance()
			}
			if s.pos == start {
				return keys
			}
			keys = append(keys, string(s.src[start:s.pos]))
		}
		s.skipBlank(false)
		if s.peek(0) != '.' {
			return keys
		}
		s.advance()
	}
}

// unquoteKey decodes a quoted key exactly as the library does, by asking it.
func unquoteKey(quoted string) string {
	if strings.HasPrefix(quoted, "'") {
		return strings.Trim(quoted, "'")
	}
	var m map[string]any
	if _, err := toml.Decode("k = "+quoted, &m); err != nil {
		return quoted
	}
	v, _ := m["k"].(string)
	return v
}

func (s *lineScanner) value(path []string) {
	if s.eof() {
		return
	}
	switch s.src[s.pos] {
	case '"', '\'':
		s.str()
	case '[':
		s.array(path)
	case '{':
		s.inlineTable(path)
	default:
		// Numbers, booleans and datetimes (which may hold one space).
		for !s.eof() && !strings.ContainsRune("\n,]}#", rune(s.src[s.pos])) {
			s.advance()
		}
	}
}

func (s *lineScanner) array(path []string) {
	s.advance() // [
	for i := 0; ; i++ {
		s.skipBlank(true)
		if s.eof() {
			return
		}
		if s.src[s.pos] == ']' {
			s.advance()
			return
		}
		start := s.pos
		elem := append(append([]string(nil), path...), indexSeg(i))
		s.record(elem, s.line)
		s.value(elem)
		s.skipBlank(true)
		if s.peek(0) == ',' {
			s.advance()
		} else if s.pos == start {
			s.advance()
		}
	}
}

func (s *lineScanner) inlineTable(path []string) {
	s.advance() // {
	for {
		s.skipBlank(true)
		if s.eof() {
			return
		}
		if s.src[s.pos] == '}' {
			s.advance()
			return
		}
		start := s.pos
		s.keyValue(path)
		s.skipBlank(true)
		if s.peek(0) == ',' {
			s.advance()
		} else if s.pos == start {
			s.advance()
		}
	}
}

// str skips a basic, literal or multi-line string starting at s.pos.
func (s *lineScanner) str() {
	q := s.src[s.pos]
	if s.peek(1) == q && s.peek(2) == q {
		s.advance()
		s.advance()
		s.advance()
		for !s.eof() {
			if q == '"' && s.src[s.pos] == '\\' {
				s.advance()
				s.advance()
				continue
			}
			if s.src[s.pos] == q && s.peek(1) == q && s.peek(2) == q {
				s.advance()
				s.advance()
				s.advance()
				// Up to two more quotes may belong to the content.
				for n := 0; n < 2 && s.peek(0) == q; n++ {
					s.advance()
				}
				return
			}
			s.advance()
		}
		return
	}
	s.advance()
	for !s.eof() && s.src[s.pos] != '\n' {
		c := s.src[s.pos]
		if q == '"' && c == '\\' {
			s.advance()
			s.advance()
			continue
		}
		s.advance()
		if c == q {
			return
		}
	}
}
