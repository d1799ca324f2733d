package config

import (
	"strings"
	"testing"
)

func TestFeedFullContent(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	tests := []struct {
		name, body string
		want       []bool // FullContent of each feed
		err        string // a part of the error, when it fails
	}{
		{"on", "[[feed]]\nurl = \"https://a.test/feed\"\nfull_content = true\n", []bool{true}, ""},
		{"off", "[[feed]]\nurl = \"https://a.test/feed\"\nfull_content = false\n", []bool{false}, ""},
		{"absent", "[[feed]]\nurl = \"https://a.test/feed\"\n", []bool{false}, ""},
		{"per feed", "[[feed]]\nurl = \"https://a.test/feed\"\n\n[[feed]]\nurl = \"https://b.test/feed\"\nfull_content = true\n",
			[]bool{false, true}, ""},
		{"string", "[[feed]]\nurl = \"https://a.test/feed\"\nfull_content = \"yes\"\n", nil,
			`:3: feed.full_content: want true or false, got string "yes"`},
		{"misspelt", "[[feed]]\nurl = \"https://a.test/feed\"\nfullcontent = true\n", nil,
			"did you mean full_content?"},
		{"top level", "full_content = true\n", nil, "full_content: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".toml", tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load: error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(c.Feeds) != len(tt.want) {
				t.Fatalf("%d feeds, want %d", len(c.Feeds), len(tt.want))
			}
			for i, f := range c.Feeds {
				if f.FullContent != tt.want[i] {
					t.Errorf("feed %d (%s): FullContent %v, want %v", i, f.URL, f.FullContent, tt.want[i])
				}
			}
		})
	}
}
