package fetch

import (
	"testing"
	"time"
)

// worldDates are dates as the real web writes them (issue 13, item 4),
// each with the instant it means; a zero time means unreadable, so the
// item keeps the time it was first seen.
var worldDates = []struct {
	in   string
	want time.Time
}{
	// US zones, with and without their standard/daylight letter.
	{"Mon, 02 Jan 2006 15:04:05 ET", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 EDT", time.Date(2006, 1, 2, 19, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 CT", time.Date(2006, 1, 2, 21, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 MT", time.Date(2006, 1, 2, 22, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 PT", time.Date(2006, 1, 2, 23, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 AT", time.Date(2006, 1, 2, 19, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 AKST", time.Date(2006, 1, 3, 0, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 HST", time.Date(2006, 1, 3, 1, 4, 5, 0, time.UTC)},
	// European zones.
	{"Mon, 02 Jan 2006 15:04:05 MET", time.Date(2006, 1, 2, 14, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jul 2006 15:04:05 MEST", time.Date(2006, 7, 2, 13, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 CET", time.Date(2006, 1, 2, 14, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jul 2006 15:04:05 CEST", time.Date(2006, 7, 2, 13, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jul 2006 15:04:05 BST", time.Date(2006, 7, 2, 14, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jul 2006 15:04:05 MSK", time.Date(2006, 7, 2, 12, 4, 5, 0, time.UTC)},
	// Military single letters.
	{"Mon, 02 Jan 2006 15:04:05 Z", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 A", time.Date(2006, 1, 2, 14, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 M", time.Date(2006, 1, 2, 3, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 N", time.Date(2006, 1, 2, 16, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 Y", time.Date(2006, 1, 3, 3, 4, 5, 0, time.UTC)},
	// IANA names.
	{"Mon, 02 Jan 2006 15:04:05 Etc/GMT", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 Etc/GMT+5", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jan 2006 15:04:05 Etc/GMT-3", time.Date(2006, 1, 2, 12, 4, 5, 0, time.UTC)},
	{"Mon, 02 Jul 2006 15:04:05 Europe/Paris", time.Date(2006, 7, 2, 13, 4, 5, 0, time.UTC)},
	{"2006-01-02 15:04:05 America/New_York", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
	// Misspelt English months.
	{"2 Febuary 2006", time.Date(2006, 2, 2, 0, 0, 0, 0, time.UTC)},
	{"2 Feburary 2006", time.Date(2006, 2, 2, 0, 0, 0, 0, time.UTC)},
	{"Sept. 2, 2006", time.Date(2006, 9, 2, 0, 0, 0, 0, time.UTC)},
	{"Janu 2 2006", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	// Localised month and day names.
	{"Τρι, 02 Ιαν 2006 15:04:05 +0200", time.Date(2006, 1, 2, 13, 4, 5, 0, time.UTC)},
	{"2 Μαΐου 2006", time.Date(2006, 5, 2, 0, 0, 0, 0, time.UTC)},
	{"2006. márc. 2. 15:04", time.Date(2006, 3, 2, 15, 4, 0, 0, time.UTC)},
	{"2 március 2006 15:04", time.Date(2006, 3, 2, 15, 4, 0, 0, time.UTC)},
	{"kedd, 2 máj 2006", time.Date(2006, 5, 2, 0, 0, 0, 0, time.UTC)},
	{"Dienstag, 2. März 2006 15:04 MEZ", time.Date(2006, 3, 2, 14, 4, 0, 0, time.UTC)},
	{"Mo, 02 Dez 2006 15:04:05 +0100", time.Date(2006, 12, 2, 14, 4, 5, 0, time.UTC)},
	{"mardi 2 janvier 2006 15:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"lun., 02 févr. 2006 15:04:05 +0100", time.Date(2006, 2, 2, 14, 4, 5, 0, time.UTC)},
	{"2 août 2006", time.Date(2006, 8, 2, 0, 0, 0, 0, time.UTC)},
	{"martes, 2 de enero de 2006 15:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"Lun, 02 Dic 2006 15:04:05 +0100", time.Date(2006, 12, 2, 14, 4, 5, 0, time.UTC)},
	{"martedì 2 gennaio 2006", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"2 mag 2006 15:04", time.Date(2006, 5, 2, 15, 4, 0, 0, time.UTC)},
	{"di, 02 mrt 2006 15:04:05 +0100", time.Date(2006, 3, 2, 14, 4, 5, 0, time.UTC)},
	{"2 mei 2006", time.Date(2006, 5, 2, 0, 0, 0, 0, time.UTC)},
	{"ter, 02 out 2006 15:04:05 -0300", time.Date(2006, 10, 2, 18, 4, 5, 0, time.UTC)},
	{"2 de março de 2006", time.Date(2006, 3, 2, 0, 0, 0, 0, time.UTC)},
	{"Вт, 02 янв 2006 15:04:05 +0300", time.Date(2006, 1, 2, 12, 4, 5, 0, time.UTC)},
	{"2 марта 2006 15:04", time.Date(2006, 3, 2, 15, 4, 0, 0, time.UTC)},
	{"2006年1月2日 15:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"2006年01月02日 15時04分05秒", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)},
	{"2006年1月2日 下午3:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"2006년 1월 2일 오후 3:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	{"2006년 1월 2일", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"02.01.2006 15:04", time.Date(2006, 1, 2, 15, 4, 0, 0, time.UTC)},
	// ISO 8601 reduced and ordinal forms, W3C-DTF.
	{"2006", time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"2006-03", time.Date(2006, 3, 1, 0, 0, 0, 0, time.UTC)},
	{"06-01-02", time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)},
	{"2006-032", time.Date(2006, 2, 1, 0, 0, 0, 0, time.UTC)},
	{"2006032", time.Date(2006, 2, 1, 0, 0, 0, 0, time.UTC)},
	{"2004-366", time.Date(2004, 12, 31, 0, 0, 0, 0, time.UTC)},
	{"2006-366", time.Time{}},
	{"2006-032T15:04:05Z", time.Date(2006, 2, 1, 15, 4, 5, 0, time.UTC)},
	{"1997-07-16T19:20+01:00", time.Date(1997, 7, 16, 18, 20, 0, 0, time.UTC)},
	{"1997-07-16T19:20:30.45+01:00", time.Date(1997, 7, 16, 18, 20, 30, 450000000, time.UTC)},
	// Bad dates: a clear result, the time first seen.
	{"0000-00-00", time.Time{}},
	{"0000-00-00 00:00:00", time.Time{}},
	{"99999-01-01", time.Time{}},
	{"1 January 1970", time.Time{}},
	{"Thu, 01 Jan 1970 00:00:00 GMT", time.Time{}},
	{"0", time.Time{}},
	{"sometime soon", time.Time{}},
}

func TestWorldDates(t *testing.T) {
	for _, tt := range worldDates {
		t.Run(tt.in, func(t *testing.T) {
			body := rssWith("", `<guid>g</guid><pubDate>`+tt.in+`</pubDate>`)
			p := mustParse(t, []byte(body), "", "http://example.test/feed")
			got := oneItem(t, p).Published
			if !got.Equal(tt.want) {
				t.Errorf("published %v, want %v", got, tt.want)
			}
			if want := 0; tt.want.IsZero() {
				want = 1
				if p.UnreadableDates != want {
					t.Errorf("UnreadableDates %d, want %d", p.UnreadableDates, want)
				}
			} else if p.UnreadableDates != 0 {
				t.Errorf("UnreadableDates %d, want 0", p.UnreadableDates)
			}
		})
	}
}

// TestDatesInOtherElements: Atom 0.3 issued, modified and created, Dublin Core
// terms, dc:date.
func TestDatesInOtherElements(t *testing.T) {
	want := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := map[string]string{
		"atom 0.3 issued": `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>` +
			`<entry><id>i</id><title>t</title><issued>2006-01-02T15:04:05Z</issued></entry></feed>`,
		"atom 0.3 modified": `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>` +
			`<entry><id>i</id><title>t</title><modified>2006-01-02T15:04:05Z</modified></entry></feed>`,
		"atom 0.3 created": `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>` +
			`<entry><id>i</id><title>t</title><created>2006-01-02T15:04:05Z</created></entry></feed>`,
		"atom 0.3 created in its own zone": `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>` +
			`<entry><id>i</id><title>t</title><created>2006-01-02T17:04:05+02:00</created></entry></feed>`,
		"dc:date": `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>` +
			`<item><guid>g</guid><dc:date>2006-01-02T15:04:05Z</dc:date></item></channel></rss>`,
		"dcterms:issued": `<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>T</title>` +
			`<item><guid>g</guid><dcterms:issued>2006-01-02T15:04:05Z</dcterms:issued></item></channel></rss>`,
		"dcterms:created": `<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>T</title>` +
			`<item><guid>g</guid><dcterms:created>Mon, 02 Jan 2006 15:04:05 GMT</dcterms:created></item></channel></rss>`,
		"dcterms:modified": `<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>T</title>` +
			`<item><guid>g</guid><dcterms:modified>2006-01-02T15:04:05Z</dcterms:modified></item></channel></rss>`,
		"dcterms in Atom": `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dcterms="http://purl.org/dc/terms/"><title>T</title>` +
			`<entry><id>i</id><title>t</title><dcterms:issued>2006-01-02T15:04:05Z</dcterms:issued></entry></feed>`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			it := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed"))
			if d := firstNonZero(it.Published, it.Updated); !d.Equal(want) {
				t.Errorf("published %v, updated %v; want %v", it.Published, it.Updated, want)
			}
		})
	}
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
