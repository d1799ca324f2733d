package fetch

import (
	"testing"
	"time"
)

// realWorldDates are date strings seen in real feeds, with the instant each
// means. Some gofeed parses itself, the others need parseDate.
var realWorldDates = []struct {
	in   string
	want time.Time
}{
	{"Mon, 02 Jan 2006 15:04:05 +0000", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 +0000 (UTC)", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 GMT (Coordinated Universal Time)", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 EST", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 CEST", time.Date(2006, 1, 2, 13, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04 PDT", time.Date(2006, 1, 2, 22, 4, 0, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 JST", time.Date(2006, 1, 2, 6, 4, 5, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 AEST", time.Date(2006, 1, 2, 5, 4, 5, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 IST", time.Date(2006, 1, 2, 9, 34, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 -0500 EST", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	{"02 Jan 06 15:04 +0100", time.Date(2006, 1, 2, 14, 4, 0, 0, time.UTC)},
	{"Mon, 02 Jan 06 15:04:05 GMT", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Tue, 2 Jan 2006 15:04:05 GMT+1", time.Date(2006, 1, 2, 14, 4, 5, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 UTC+05:30", time.Date(2006, 1, 2, 9, 34, 5, 0, time.UTC)},
	{"Mon, 2 Jan 2006 15:04:05 GMT -0800", time.Date(2006, 1, 2, 23, 4, 5, 0, time.UTC)},
	{"Mon,  2  Jan  2006  15:04:05  +0000", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"2 Jan. 2006 15:04:05 +0000", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Sept 2, 2006", time.Date(2006, 9, 2, 0, 0, 0, 0, time.UTC)},
	{"January 2nd, 2006 3:04 PM", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"Monday, January 2nd 2006 at 15:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"Mon Jan  2 15:04:05 2006", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon Jan 2 15:04:05 EST 2006", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	{"2006-01-02T15:04:05Z", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"2006-01-02T15:04:05", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"2006-01-02 15:04:05", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"2006-01-02T15:04:05.123456+02:00", time.Date(2006, 1, 2, 13, 4, 5, 123456000, time.UTC)},
	{"2006-01-02T15:04:05+0200", time.Date(2006, 1, 2, 13, 4, 5, 0, time.UTC)},
	{"2006-01-02T15:04:05+02", time.Date(2006, 1, 2, 13, 4, 5, 0, time.UTC)},
	{"2006-01-02T15:04Z", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"2006-01-02", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"2006/01/02 15:04:05", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"20060102", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"1136214245", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"1136214245000", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Fri, 02 Jan 2006 15:04:05 +0000", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)}, // wrong weekday
	{"mon, 02 jan 2006 15:04:05 gmt", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Dienstag, 2 Jan 2006 15:04:05 +0100", time.Date(2006, 1, 2, 14, 4, 5, 0, time.UTC)}, // a German weekday
	{"not a date", time.Time{}},
	{"", time.Time{}},
	{"   ", time.Time{}},
}

// TestDates checks every real-world date string through Parse (gofeed's
// parse, then the second chance) and through parseDate alone.
func TestDates(t *testing.T) {
	for _, tt := range realWorldDates {
		t.Run(tt.in, func(t *testing.T) {
			body := rssWith("", `<guid>g</guid><pubDate>`+tt.in+`</pubDate>`)
			got := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed")).Published
			if !got.Equal(tt.want) {
				t.Errorf("Parse: published %v, want %v", got, tt.want)
			}
			alone, ok := parseDate(tt.in)
			if ok != !tt.want.IsZero() || !alone.Equal(tt.want) {
				t.Errorf("parseDate = %v, %v; want %v", alone, ok, tt.want)
			}
			if ok && alone.Location() != time.UTC {
				t.Errorf("parseDate returned %v, not UTC", alone.Location())
			}
		})
	}
}

func TestItemDateClampsAndFallsBack(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	future := now.Add(48 * time.Hour)
	past := now.Add(-48 * time.Hour).In(time.FixedZone("X", 3600))
	tests := []struct {
		name   string
		parsed *time.Time
		raw    string
		want   time.Time
	}{
		{"parsed, in UTC", &past, "", past.UTC()},
		{"future clamped to now", &future, "", now},
		{"unparsed string parsed again", nil, "Mon, 2 Jan 2006 15:04:05 +0000 (UTC)", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"future string clamped", nil, "2099-01-01T00:00:00Z", now},
		{"nothing", nil, "", time.Time{}},
		{"garbage", nil, "soon", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := itemDate(tt.parsed, tt.raw, now)
			if !got.Equal(tt.want) || (!got.IsZero() && got.Location() != time.UTC) {
				t.Errorf("itemDate = %v, want %v", got, tt.want)
			}
		})
	}
}
