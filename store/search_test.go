package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseSearch(t *testing.T) {
	w := func(prefix bool, words ...string) SearchTerm { return SearchTerm{Words: words, Prefix: prefix} }
	tests := []struct {
		in   string
		want Search
	}{
		{"", Search{}},
		{"gopher", Search{Terms: []SearchTerm{w(false, "gopher")}}},
		{"gopher Gopher GOPHER", Search{Terms: []SearchTerm{w(false, "gopher")}}},
		{"gop gop*", Search{Terms: []SearchTerm{w(false, "gop"), w(true, "gop")}}},
		{"go go*", Search{Terms: []SearchTerm{w(false, "go")}}}, // too short a prefix: the word
		{"g*", Search{Terms: []SearchTerm{w(false, "g")}}},
		{"goph**", Search{Terms: []SearchTerm{w(true, "goph")}}},
		{"x-ab*", Search{Terms: []SearchTerm{w(false, "x-ab")}}}, // the prefix is "ab", too short
		{"x-abc*", Search{Terms: []SearchTerm{w(true, "x-abc")}}},
		{"c++*", Search{Terms: []SearchTerm{w(false, "c++")}, Literals: []string{"c++"}}},
		{`"quick brown" fox`, Search{Terms: []SearchTerm{w(false, "quick", "brown"), w(false, "fox")}}},
		{`"quick brown"* fox`, Search{Terms: []SearchTerm{w(true, "quick", "brown"), w(false, "fox")}}},
		{`"quick bro*"`, Search{Terms: []SearchTerm{w(true, "quick", "bro")}}},
		{`"qu*ick brown"`, Search{Terms: []SearchTerm{w(false, "qu ick", "brown")}}},
		{`"unclosed phrase`, Search{Terms: []SearchTerm{w(false, "unclosed", "phrase")}}},
		{`"" " - "`, Search{}},
		{`a"b c"`, Search{Terms: []SearchTerm{w(false, "a"), w(false, "b", "c")}}},
		{"C++", Search{Terms: []SearchTerm{w(false, "C++")}, Literals: []string{"c++"}}},
		{"c++ C++ (c++)", Search{Terms: []SearchTerm{w(false, "c++"), w(false, "(c++)")}, Literals: []string{"c++"}}},
		{"#hashtag ++", Search{Terms: []SearchTerm{w(false, "#hashtag")}}},
		{"tab\there\x00nul\x1b[5m", Search{Terms: []SearchTerm{w(false, "tab"), w(false, "here"), w(false, "nul"), w(false, "[5m")}}},
	}
	for _, tt := range tests {
		got, err := ParseSearch(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSearch(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSearchBounds(t *testing.T) {
	words := func(n int) string {
		var ws []string
		for i := range n {
			ws = append(ws, "w"+strings.Repeat("v", i/26)+string(rune('a'+i%26)))
		}
		return strings.Join(ws, " ")
	}
	tests := []struct {
		in      string
		wantErr string
	}{
		{words(MaxSearchTerms), ""},
		{words(MaxSearchTerms + 1), "9 different words, at most 8"},
		{strings.Repeat("fox ", 60), ""}, // 240 characters, one word
		{strings.Repeat("fox ", 800), "3200 characters, at most 1000"},
		{`"` + words(MaxSearchTerms+1) + `"`, "9 different words"},
		{strings.Repeat("é", MaxSearchLength), ""}, // characters, not bytes
		{"alpha* beta*", ""},
		{"alpha* beta* gamma*", "3 words ending in '*', at most 2"},
		{`alpha* beta* "delta gamma"*`, "3 words ending in '*'"},
		{"alpha* beta* Alpha* al* be* x-ga*", ""}, // folded, and too short to be prefixes
	}
	for _, tt := range tests {
		_, err := ParseSearch(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseSearch(%.20q…): %v", tt.in, err)
		case tt.wantErr != "" && (!errors.Is(err, ErrSearchTooLong) || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseSearch(%.20q…) = %v; want ErrSearchTooLong with %q", tt.in, err, tt.wantErr)
		}
	}
}

// FuzzParseSearch: any input parses or is refused as too long; the terms
// are within the bounds, hold no empty word, and are not repeated.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"gopher", `"a b"*`, `"`, "c++ c#", "x*", "x-ab* abc* abcd*", "\xff\x00", `"""`, "a a a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSearch(in)
		if err != nil {
			if !errors.Is(err, ErrSearchTooLong) {
				t.Fatalf("ParseSearch(%q): %v", in, err)
			}
			return
		}
		n, prefixes := 0, 0
		seen := map[string]bool{}
		for _, term := range s.Terms {
			if len(term.Words) == 0 {
				t.Fatalf("ParseSearch(%q): empty term", in)
			}
			for _, w := range term.Words {
				if countAlnum(w) == 0 || !utf8.ValidString(w) {
					t.Fatalf("ParseSearch(%q): word %q", in, w)
				}
			}
			k := strings.ToLower(strings.Join(term.Words, " "))
			if term.Prefix {
				k += "*"
				prefixes++
				if last := LastSearchPart(term.Words[len(term.Words)-1]); countAlnum(last) < MinPrefixLength {
					t.Fatalf("ParseSearch(%q): prefix %q", in, last)
				}
			}
			if seen[k] {
				t.Fatalf("ParseSearch(%q): %q twice", in, k)
			}
			seen[k] = true
			n += len(term.Words)
		}
		if n > MaxSearchTerms || prefixes > MaxSearchPrefixes {
			t.Fatalf("ParseSearch(%q): %d words, %d prefixes", in, n, prefixes)
		}
	})
}
