package fetch

import "testing"

// TestURLsAsBrowsersWriteThem: URLs with non-ASCII characters are made
// absolute and encoded the way a browser sends them.
func TestURLsAsBrowsersWriteThem(t *testing.T) {
	base := parseBase("http://example.test/a/b/c")
	tests := []struct{ in, want string }{
		{"/café", "http://example.test/caf%C3%A9"},
		{"/s?q=über&x=1", "http://example.test/s?q=%C3%BCber&x=1"},
		{"#straße", "http://example.test/a/b/c#stra%C3%9Fe"},
		{"http://bücher.example/", "http://xn--bcher-kva.example/"},
		{"https://BÜCHER.example:8443/x", "https://xn--bcher-kva.example:8443/x"},
		{"a b", "http://example.test/a/b/a%20b"},
		{"../x/%7Efoo", "http://example.test/a/x/%7Efoo"},
		{"//cdn.test/i.png", "http://cdn.test/i.png"},
	}
	for _, tt := range tests {
		if got, ok := resolveHTTP(base, tt.in); !ok || got != tt.want {
			t.Errorf("resolveHTTP(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
