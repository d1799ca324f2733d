package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// ContentHash is the key of an item under IdentityHash: a hash of its title,
// published time (as given by the feed, zero if none) and content.
func ContentHash(it Item) string {
	h := sha256.New()
	h.Write([]byte(strings.TrimSpace(it.Title)))
	h.Write([]byte{0})
	if !it.Published.IsZero() {
		h.Write([]byte(it.Published.UTC().Format(time.RFC3339)))
	}
	h.Write([]byte{0})
	h.Write([]byte(strings.TrimSpace(it.Content)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Key returns it's key under rule id. Under IdentityGUID and IdentityLink it
// may be empty, which ChooseIdentity rules out for the rule it picks.
func Key(id Identity, it Item) string {
	switch id {
	case IdentityGUID:
		return it.GUID
	case IdentityLink:
		return it.URL
	}
	return ContentHash(it)
}

// ChooseIdentity returns the identity rule for one fetch's items, given the
// feed's current rule: the current one if every item has a distinct,
// non-empty key under it, else the first later rule for which that holds
// (IdentityHash always does: items with equal hashes are the same item).
// A feed never moves back up, so keys stay stable once a feed misbehaved.
func ChooseIdentity(current Identity, items []Item) Identity {
	for id := current; id < IdentityHash; id++ {
		if distinctKeys(id, items) {
			return id
		}
	}
	return IdentityHash
}

func distinctKeys(id Identity, items []Item) bool {
	seen := make(map[string]struct{}, len(items))
	for _, it := range items {
		k := Key(id, it)
		if k == "" {
			return false
		}
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
	}
	return true
}
