package greader

import (
	"strconv"
	"strings"
	"testing"

	"tidings/store"
)

func FuzzParseItemID(f *testing.F) {
	for _, s := range []string{"tag:google.com,2005:reader/item/000000000000002a", "tag:google.com,2005:reader/item/2a",
		"000000000000002a", "42", "-1", "", "tag:google.com,2005:reader/item/", "ffffffffffffffff", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseItemID(s)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("%q parsed to %d", s, id)
		}
		forms := []string{longID(id)}
		// 16 digits are read as hex: decimal IDs round-trip below 10^15,
		// which a store's IDs never reach.
		if id < 1e15 {
			forms = append(forms, strconv.FormatInt(id, 10))
		}
		for _, form := range forms {
			if back, err := parseItemID(form); err != nil || back != id {
				t.Fatalf("%q -> %d -> %q -> %d, %v", s, id, form, back, err)
			}
		}
	})
}

func FuzzContinuation(f *testing.F) {
	f.Add(int64(1), int64(42), "")
	f.Add(int64(7), int64(1)<<62, "AAAA")
	f.Fuzz(func(t *testing.T, user, last int64, junk string) {
		key := contKey(&call{auth: "alice/fuzz-password", user: store.User{ID: user}})
		if last > 0 {
			c := continuation(key, last)
			if got, err := parseContinuation(key, c); err != nil || got != last {
				t.Fatalf("continuation %q of %d read back as %d, %v", c, last, got, err)
			}
			other := contKey(&call{auth: "alice/fuzz-password", user: store.User{ID: user + 1}})
			if _, err := parseContinuation(other, c); err == nil {
				t.Fatalf("user %d's continuation accepted for user %d", user, user+1)
			}
		}
		if got, err := parseContinuation(key, junk); err == nil && got <= 0 {
			t.Fatalf("%q read as %d", junk, got)
		}
	})
}

func FuzzParseForm(f *testing.F) {
	f.Add("i=1&i=2&a=user%2F-%2Fstate%2Fcom.google%2Fread&T=alice/abc")
	f.Add("%zz=1")
	f.Add(strings.Repeat("i=1&", 10))
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseForm(s)
		if err != nil {
			return
		}
		n := 0
		for _, vs := range v {
			n += len(vs)
		}
		if n > maxFields {
			t.Fatalf("%d fields read", n)
		}
	})
}
