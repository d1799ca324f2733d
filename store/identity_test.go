package store

import (
	"testing"
	"time"
)

// TestContentHashStable pins ContentHash's values: they are stored as the
// keys of items under the hash rule and in tombstones, so a change to the
// hash would make every such item new again after an upgrade.
func TestContentHashStable(t *testing.T) {
	tests := []struct {
		name string
		it   Item
		want string
	}{
		{"empty", Item{}, "96a296d224f285c67bee93c30f8a3091"},
		{"spaces trimmed", Item{Title: "  Hello  ", Content: "<p>x</p>\n"}, "a649f5c08be6860415684de0874dc122"},
		{"published in UTC", Item{Title: "T", Published: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600)), Content: "body"},
			"0b12f3a53ab0c62abcbb26c2855e1011"},
		{"non-ASCII title", Item{Title: "日本語", Published: time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)},
			"c992b664bd5ca8c7f630f07227838899"},
		{"content only", Item{Content: "only content"}, "aab6f0f0751bce11f60a8cfa6b489ccf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContentHash(tt.it); got != tt.want {
				t.Errorf("ContentHash = %s, want %s", got, tt.want)
			}
		})
	}
}

func BenchmarkContentHash(b *testing.B) {
	it := Item{Title: "A title of a post", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Content: "<p>A paragraph of content, about the length of a short blog post summary, with a link.</p>"}
	b.ReportAllocs()
	for b.Loop() {
		ContentHash(it)
	}
}
