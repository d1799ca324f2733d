package main

import (
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// TestWriteTableDisplayWidth: columns line up on screen whatever script
// the cells are in: wide characters take two columns, combining marks
// none.
func TestWriteTableDisplayWidth(t *testing.T) {
	var b strings.Builder
	rows := [][]string{
		{"1", "東京の天気", "Tokyo"},
		{"22", "Café", "Paris"},
		{"333", "Cafe\u0301 noir", "Lyon"},
		{"4", "서울 소식", "Seoul"},
	}
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := -1
	for i, line := range lines {
		// The last column starts at the same screen column on every line.
		col := uniseg.StringWidth(line[:strings.LastIndex(line, rows[i][2])])
		if want < 0 {
			want = col
		}
		if col != want {
			t.Errorf("line %d: last column at %d, want %d:\n%s", i, col, want, b.String())
		}
	}
}

func TestTruncateDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 5, "abcd…"},
		{"東京の天気予報", 7, "東京の…"},
		{"東京の天気予報", 8, "東京の…"},
		{"Cafe\u0301s everywhere", 6, "Cafe\u0301s…"},
		{"a\x1b[5mb", 10, "a [5mb"},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.n)
		if got != tt.want || uniseg.StringWidth(got) > tt.n {
			t.Errorf("truncate(%q, %d) = %q (width %d); want %q", tt.in, tt.n, got, uniseg.StringWidth(got), tt.want)
		}
	}
}

// TestFitLastKeepsRowsInWidth: on an 80-column terminal no row of a table
// whose last cell is a long status goes past the edge.
func TestFitLastKeepsRowsInWidth(t *testing.T) {
	rows := [][]string{
		{"TITLE", "URL", "STATUS"},
		{"Blog", "https://example.com/feed", strings.Repeat("server answered 500 Internal Server Error; ", 7)},
	}
	fitLast(rows, 80, 12)
	var b strings.Builder
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if w := uniseg.StringWidth(line); w > 80 {
			t.Errorf("line of width %d > 80: %q", w, line)
		}
	}
	if !strings.HasSuffix(rows[1][2], "…") {
		t.Errorf("long status not cut: %q", rows[1][2])
	}
}
