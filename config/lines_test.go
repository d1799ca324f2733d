package config

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanLines(t *testing.T) {
	src := `# comment with = and [brackets]
top = "a # not a comment"
"quoted key" = 1
'literal key' = 2
"esc\u0041ped" = 3
multi = """
[not.a.table]
fake = 1
"""
lit = '''
x = '' '''
arr = [
  1, # comment ]
  "two]",
  [3, 4],
]
dotted.one.two = true
inline = { a = 1, b = { c = 2 } }
when = 1979-05-27 07:32:00Z

[fetch]
timeout = "30s"

[[feed]]
url = "https://a.example/"
tags = [
  "x",
  "y",
]

[[feed]] # second
url = "https://b.example/"

[feed.sub]
k = 1

[a . "b c" . d]
e = 1
`
	li := scanLines([]byte(src))
	idx := indexSeg
	tests := []struct {
		path []string
		want int
	}{
		{[]string{"top"}, 2},
		{[]string{"quoted key"}, 3},
		{[]string{"literal key"}, 4},
		{[]string{"escAped"}, 5},
		{[]string{"multi"}, 6},
		{[]string{"lit"}, 10},
		{[]string{"arr"}, 12},
		{[]string{"arr", idx(0)}, 13},
		{[]string{"arr", idx(1)}, 14},
		{[]string{"arr", idx(2)}, 15},
		{[]string{"dotted"}, 17},
		{[]string{"dotted", "one", "two"}, 17},
		{[]string{"inline", "b", "c"}, 18},
		{[]string{"when"}, 19},
		{[]string{"fetch"}, 21},
		{[]string{"fetch", "timeout"}, 22},
		{[]string{"feed"}, 24},
		{[]string{"feed", idx(0)}, 24},
		{[]string{"feed", idx(0), "url"}, 25},
		{[]string{"feed", idx(0), "tags", idx(1)}, 28},
		{[]string{"feed", idx(1)}, 31},
		{[]string{"feed", idx(1), "url"}, 32},
		{[]string{"feed", idx(1), "sub", "k"}, 35},
		{[]string{"a", "b c", "d", "e"}, 38},
		// Unknown paths fall back to their nearest ancestor.
		{[]string{"feed", idx(1), "nope"}, 31},
		{[]string{"nope"}, 0},
	}
	if _, err := toml.Decode(src, new(map[string]any)); err != nil {
		t.Fatalf("test document is not valid TOML: %v", err)
	}
	for _, tt := range tests {
		if got := li.line(tt.path); got != tt.want {
			t.Errorf("line(%q) = %d, want %d", displayKey(tt.path), got, tt.want)
		}
	}
	// Keys inside the multi-line strings must not have been taken as keys.
	for k := range li {
		if strings.Contains(k, "fake") || strings.Contains(k, "not") {
			t.Errorf("scanner took string content for key %q", k)
		}
	}
}

// checkLinesCover asserts that every key the TOML library saw in src has a
// line in scanLines(src), within the document.
func checkLinesCover(t *testing.T, src string) {
	t.Helper()
	var raw map[string]any
	md, err := toml.Decode(src, &raw)
	if err != nil {
		return
	}
	li := scanLines([]byte(src))
	seen := map[string]bool{}
	maxLine := strings.Count(src, "\n") + 1
	for k, line := range li {
		if line < 1 || line > maxLine {
			t.Fatalf("key %q at line %d, outside 1..%d", k, line, maxLine)
		}
		var plain []string
		for _, seg := range strings.Split(k, "\x01") {
			if !isIndexSeg(seg) {
				plain = append(plain, seg)
			}
		}
		seen[pathKey(plain)] = true
	}
	for _, key := range md.Keys() {
		if !seen[pathKey(key)] {
			t.Fatalf("no line found for key %q in\n%s", key.String(), src)
		}
	}
}

func TestScanLinesCoversEveryKey(t *testing.T) {
	for _, src := range fuzzSeeds(t) {
		checkLinesCover(t, src)
	}
}
