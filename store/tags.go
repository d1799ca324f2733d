package store

import "strings"

// NormalizeTag is a tag as stored and compared: trimmed and lowercased, so
// "Go" and "go" are one tag. Every backend stores and matches tags in this
// form.
func NormalizeTag(t string) string {
	return strings.ToLower(strings.TrimSpace(t))
}

// CleanTags normalises tags (NormalizeTag), drops empty ones and repeats,
// and keeps the order.
func CleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = NormalizeTag(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// SameTags reports whether a and b are the same tags once cleaned, in the
// same order.
func SameTags(a, b []string) bool {
	a, b = CleanTags(a), CleanTags(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
