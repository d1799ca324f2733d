package sqlite

import (
	"slices"
	"testing"
)

// A leaf page of two words: "abc" at offset 4, then "abd" sharing 2 bytes
// with it; the footer (offset 11) holds their offsets, 4 and then +4.
var leafTwoWords = []byte{0, 0, 0, 11, 3, 'a', 'b', 'c', 2, 1, 'd', 4, 4}

func TestLeafWords(t *testing.T) {
	tests := []struct {
		name string
		page []byte
		want []string
	}{
		{"two words", leafTwoWords, []string{"abc", "abd"}},
		{"empty", nil, nil},
		{"header only", []byte{0, 0, 0, 4}, nil},
		{"footer past the end", []byte{0, 0, 0, 200, 3, 'a', 'b', 'c'}, nil},
		{"footer in the header", []byte{0, 0, 0, 2, 3, 'a', 'b', 'c', 4}, nil},
		{"word longer than the page", []byte{0, 0, 0, 8, 9, 'a', 'b', 'c', 4}, nil},
		{"shares more than the word before", []byte{0, 0, 0, 11, 3, 'a', 'b', 'c', 7, 1, 'd', 4, 4}, []string{"abc"}},
		{"offset into the footer", []byte{0, 0, 0, 8, 3, 'a', 'b', 'c', 4, 9}, []string{"abc"}},
		{"varint cut short", []byte{0, 0, 0, 8, 3, 'a', 'b', 'c', 0x84}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			leafWords(tt.page, func(w []byte) { got = append(got, string(w)) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("leafWords = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzLeafWords reads pages of a damaged full-text index: whatever the
// bytes, leafWords must not panic, and every word it gives is made of the
// page's own bytes (no longer than the page).
func FuzzLeafWords(f *testing.F) {
	f.Add(leafTwoWords)
	f.Add([]byte{0, 0, 0, 4})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, page []byte) {
		leafWords(page, func(w []byte) {
			if len(w) > len(page) {
				t.Fatalf("a word of %d bytes from a page of %d", len(w), len(page))
			}
		})
	})
}
