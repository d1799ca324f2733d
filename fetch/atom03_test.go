package fetch

import (
	"slices"
	"testing"
	"time"
)

func TestAtomCreated(t *testing.T) {
	const head = `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>`
	tests := []struct {
		name, body string
		published  []time.Time // per item; zero: none
		unreadable int
	}{
		{"created alone", head + `<entry><id>a</id><title>a</title><created>2004-05-06T07:08:09Z</created></entry></feed>`,
			[]time.Time{time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC)}, 0},
		{"issued wins", head + `<entry><id>a</id><title>a</title><created>2004-01-01T00:00:00Z</created>` +
			`<issued>2004-05-06T07:08:09Z</issued></entry></feed>`, []time.Time{time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC)}, 0},
		{"per entry", head + `<entry><id>a</id><title>a</title></entry>` +
			`<entry><id>b</id><title>b</title><created>2004-05-06T09:08:09+02:00</created></entry></feed>`,
			[]time.Time{{}, time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC)}, 0},
		{"unreadable", head + `<entry><id>a</id><title>a</title><created>last tuesday</created></entry></feed>`,
			[]time.Time{{}}, 1},
		{"nested created is not the entry's", head + `<entry><id>a</id><title>a</title><author><name>n</name>` +
			`<created>2004-05-06T07:08:09Z</created></author></entry></feed>`, []time.Time{{}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, []byte(tt.body), "", "http://example.test/feed")
			var got []time.Time
			for _, it := range p.Items {
				got = append(got, it.Published)
			}
			if !slices.EqualFunc(got, tt.published, time.Time.Equal) || p.UnreadableDates != tt.unreadable {
				t.Errorf("published %v, unreadable %d; want %v, %d", got, p.UnreadableDates, tt.published, tt.unreadable)
			}
		})
	}
}

func FuzzAtomCreated(f *testing.F) {
	f.Add([]byte(`<feed><entry><created>2004-05-06T07:08:09Z</created></entry></feed>`))
	f.Add([]byte(`<feed><entry><entry><created>x</created></entry>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		created := atomCreated(b)
		if created != nil && len(created) > len(b) {
			t.Fatalf("%d entries from %d bytes", len(created), len(b))
		}
	})
}
