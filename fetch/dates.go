package fetch

import (
	"strconv"
	"strings"
	"time"
)

// zoneOffsets maps the zone abbreviations seen in real feeds to their UTC
// offsets in seconds. time.Parse gives an abbreviation it does not know a
// zero offset, silently shifting the date, so every named zone is rewritten
// to a numeric offset before parsing. Ambiguous ones (CST, IST, BST) take
// the reading most common in feeds.
var zoneOffsets = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEZ": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600,
	"CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600,
	"PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600,
	"HST": -10 * 3600,
	"AST": -4 * 3600, "ADT": -3 * 3600,
	"NST": -(3*3600 + 1800), "NDT": -(2*3600 + 1800),
	"WEST": 3600, "BST": 3600, "IST": 5*3600 + 1800,
	"CET": 3600, "MEZ": 3600, "CEST": 2 * 3600, "MESZ": 2 * 3600,
	"EET": 2 * 3600, "EEST": 3 * 3600, "MSK": 3 * 3600,
	"PKT": 5 * 3600, "ICT": 7 * 3600, "WIB": 7 * 3600,
	"HKT": 8 * 3600, "SGT": 8 * 3600, "AWST": 8 * 3600, "PHT": 8 * 3600,
	"JST": 9 * 3600, "KST": 9 * 3600,
	"ACST": 9*3600 + 1800, "ACDT": 10*3600 + 1800,
	"AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
	"BRT": -3 * 3600, "ART": -3 * 3600,
	// North American zones written without their standard or daylight
	// letter: read as standard time.
	"ET": -5 * 3600, "CT": -6 * 3600, "MT": -7 * 3600, "PT": -8 * 3600, "AT": -4 * 3600,
	"AKT": -9 * 3600, "HT": -10 * 3600, "HAST": -10 * 3600, "HADT": -9 * 3600,
	"MET": 3600, "MEST": 2 * 3600, "WAT": 3600, "CAT": 2 * 3600, "EAT": 3 * 3600,
	"SAST": 2 * 3600, "IDT": 3 * 3600, "TRT": 3 * 3600, "GST": 4 * 3600, "NPT": 5*3600 + 2700,
	"CCT": 8 * 3600, "AWDT": 9 * 3600, "ACWST": 8*3600 + 2700, "CHAST": 12*3600 + 2700,
	"CLT": -4 * 3600, "CLST": -3 * 3600, "COT": -5 * 3600, "PET": -5 * 3600, "VET": -4 * 3600,
	"BRST": -2 * 3600, "UYT": -3 * 3600, "EGT": -3600, "EGST": 0, "AZOT": -3600, "AZOST": 0,
	"IRST": 3*3600 + 1800, "IRDT": 4*3600 + 1800, "AFT": 4*3600 + 1800, "SST": -11 * 3600,
	"CHST": 10 * 3600, "ChST": 10 * 3600, "NZT": 12 * 3600,
}

// upperOnlyZones are zones that are also words ("at", "et"): read as
// zones only when written in capitals.
var upperOnlyZones = map[string]bool{"ET": true, "CT": true, "MT": true, "PT": true, "AT": true, "HT": true, "EAT": true, "CAT": true, "SST": true}

// militaryZone reads the single-letter military zones (RFC 822 5.1, with
// the signs the military use, which RFC 1123 notes RFC 822 got backwards
// in its text): A-I and K-M are +1 to +12 hours, N-Y -1 to -12, Z is UTC.
// J (local time) is none.
func militaryZone(f string) (int, bool) {
	if len(f) != 1 {
		return 0, false
	}
	c := f[0] | 0x20
	switch {
	case c == 'z':
		return 0, true
	case 'a' <= c && c <= 'i':
		return int(c-'a'+1) * 3600, true
	case 'k' <= c && c <= 'm':
		return int(c-'k'+10) * 3600, true
	case 'n' <= c && c <= 'y':
		return -int(c-'n'+1) * 3600, true
	}
	return 0, false
}

// gofeedZones are the zone abbreviations gofeed itself resolves (with the
// same offsets as zoneOffsets); it reads any other as UTC.
var gofeedZones = map[string]bool{
	"UT": true, "GMT": true, "UTC": true, "Z": true,
	"EST": true, "EDT": true, "CST": true, "CDT": true, "MST": true, "MDT": true, "PST": true, "PDT": true,
	"WET": true, "WEST": true, "BST": true, "CET": true, "CEST": true, "EET": true, "EEST": true,
}

// hasZoneGofeedMisreads reports whether date string s ends in a zone
// abbreviation that zoneOffsets knows and gofeed does not, or in a zone with
// a glued offset ("GMT+1"), so that gofeed's parse of it, if any, may be off
// by the zone's offset.
func hasZoneGofeedMisreads(s string) bool {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	last := s[strings.LastIndexAny(s, " \t")+1:]
	if _, glued := gluedZone(strings.ToUpper(last)); glued {
		return true // "GMT+1": gofeed may match a layout that drops the offset
	}
	if strings.Contains(last, "/") {
		return true // an IANA zone name ("Etc/GMT+5", "Europe/Paris")
	}
	if _, ok := militaryZone(last); ok && len(s) > 12 {
		return true
	}
	if len(last) < 2 || len(last) > 5 || !isAlpha(last) {
		return false
	}
	_, known := zoneOffsets[strings.ToUpper(last)]
	return known && !gofeedZones[strings.ToUpper(last)]
}

// dateLayouts are tried, in order, on a date string after normalizeDate
// has removed weekdays, commas, ordinals and comments and turned every zone
// into a numeric offset. Layouts without a zone read the time as UTC.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 3:04:05 PM -0700",
	"2 Jan 2006 3:04 PM -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006 15:04 -0700",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 2006 15:04 -0700",
	"Jan 2 2006 3:04:05 PM -0700",
	"Jan 2 2006 3:04 PM -0700",
	"January 2 2006 15:04:05 -0700",
	"January 2 2006 15:04 -0700",
	"January 2 2006 3:04 PM -0700",
	"Jan 2 15:04:05 -0700 2006",
	"Jan 2 15:04:05 2006 -0700",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04-0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04 -0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-1-2 15:04:05 -0700",
	"2006-1-2 15:04 -0700",
	"2006-1-2 15:04:05",
	"2006-1-2 15:04",
	"2006-1-2 3:04:05 PM",
	"2006-1-2 3:04 PM",
	"2006-1-2",
	"2006-01",
	"2006",
	"06-01-02",
	"02.01.2006 15:04:05 -0700",
	"02.01.2006 15:04 -0700",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"02.01.2006",
	"2006/01/02 15:04:05 -0700",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"20060102T150405-0700",
	"20060102",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 January 2006 15:04:05",
	"2 January 2006 15:04",
	"Jan 2 2006 15:04:05",
	"Jan 2 2006 15:04",
	"Jan 2 2006 3:04 PM",
	"January 2 2006 15:04:05",
	"January 2 2006 15:04",
	"January 2 2006 3:04 PM",
	"Jan 2 15:04:05 2006",
	"2 Jan 2006",
	"2 January 2006",
	"Jan 2 2006",
	"January 2 2006",
	"Jan 2006",
	"January 2006",
	"2006 Jan 2 15:04:05 -0700",
	"2006 Jan 2 15:04 -0700",
	"2006 Jan 2 15:04:05",
	"2006 Jan 2 15:04",
	"2006 Jan 2",
}

// parseDate is the second chance for a date string that gofeed could not
// parse. It returns the time in UTC and whether it succeeded.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseEpoch(s); ok {
		return t, true
	}
	if t, ok := parseOrdinal(s); ok {
		return t, true
	}
	n, loc := normalizeDate(s)
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, n, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseOrdinal reads an ISO 8601 ordinal date, "2006-032" or "2006032"
// (the 32nd day of 2006), optionally followed by "T" and a time of day
// read as by parseDate.
func parseOrdinal(s string) (time.Time, bool) {
	date, clock, hasClock := strings.Cut(s, "T")
	date = strings.Replace(date, "-", "", 1)
	if len(date) != 7 || !allDigits(date) {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(date[:4])
	day, _ := strconv.Atoi(date[4:])
	leap := year%4 == 0 && (year%100 != 0 || year%400 == 0)
	days := 365
	if leap {
		days = 366
	}
	if day < 1 || day > days {
		return time.Time{}, false
	}
	t := time.Date(year, 1, day, 0, 0, 0, 0, time.UTC)
	if !hasClock {
		return t, true
	}
	c, ok := parseDate(t.Format("2006-01-02") + "T" + clock)
	return c, ok
}

// parseEpoch reads a bare Unix time in seconds or milliseconds, as some
// generators emit.
func parseEpoch(s string) (time.Time, bool) {
	if len(s) < 9 || len(s) > 13 {
		return time.Time{}, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}, false
	}
	if len(s) == 13 {
		return time.UnixMilli(v).UTC(), true
	}
	return time.Unix(v, 0).UTC(), true
}

// normalizeDate rewrites a date string into the small vocabulary of
// dateLayouts: no weekday (in any language), no commas or parenthesised
// comments, no ordinal suffixes or other words, months as English
// abbreviations (from their localised or misspelt names), Chinese,
// Japanese and Korean dates in ISO order, single spaces, and the zone as
// a numeric -0700 offset. An IANA zone name ("Europe/Paris",
// "Etc/GMT+5") is removed and returned as the location to read the time
// in; otherwise the location is UTC.
func normalizeDate(s string) (string, *time.Location) {
	s = cjkDate(s)
	loc := time.UTC
	// Drop comments such as "(UTC)" or "(Coordinated Universal Time)".
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			s = s[:i]
			break
		}
		s = s[:i] + " " + s[i+j+1:]
	}
	s = strings.NewReplacer(",", " ", "\u00a0", " ").Replace(s)
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "", loc
	}
	if isWeekday(fields[0]) {
		fields = fields[1:]
	}
	for i, f := range fields {
		f = stripOrdinal(f)
		if d := strings.TrimSuffix(f, "."); d != f && d != "" && allDigits(d) {
			f = d // "2." is the German, Hungarian... way of writing 2nd
		}
		word := strings.TrimRight(f, ".")
		switch {
		case strings.Contains(f, "/") && isLetterStart(f):
			if l, ok := namedZone(f); ok {
				loc = l
			}
			f = ""
		case isLetters(word):
			if m, ok := monthName(word); ok {
				f = m
				break
			}
			upper := strings.ToUpper(word)
			_, zone := zoneOffsets[upper]
			if upperOnlyZones[upper] && word != upper {
				zone = false // "at" is a word, "AT" a zone
			}
			_, military := militaryZone(word)
			_, glued := gluedZone(upper)
			if zone || glued || (military && i == len(fields)-1 && i > 0) || upper == "AM" || upper == "PM" {
				f = word
				break
			}
			// A weekday, "at", "de", "um", "Uhr"...: words between the
			// parts of a date.
			f = ""
		}
		fields[i] = f
	}
	// A zone may be split from its offset ("GMT +0100", "UTC -05:00") or
	// glued to it ("GMT+1", "UTC-05:00"), or be a bare abbreviation.
	out := fields[:0]
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if f == "" {
			continue
		}
		upper := strings.ToUpper(f)
		if off, ok := militaryZone(f); ok && i == len(fields)-1 && i > 0 {
			out = append(out, formatOffset(off))
			continue
		}
		if off, ok := zoneOffsets[upper]; ok && (!upperOnlyZones[upper] || f == upper) {
			if (upper == "GMT" || upper == "UTC" || upper == "UT") && i+1 < len(fields) && isOffset(fields[i+1]) {
				continue // the numeric offset that follows says it all
			}
			if i > 0 && isOffset(fields[i-1]) {
				continue // "+0000 GMT": the offset came first
			}
			out = append(out, formatOffset(off))
			continue
		}
		if z, ok := gluedZone(upper); ok {
			out = append(out, z)
			continue
		}
		if isOffset(f) {
			out = append(out, canonicalOffset(f))
			continue
		}
		if strings.Contains(f, "T") && len(f) >= 16 && f[4] == '-' {
			out = append(out, normalizeISO(f))
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " "), loc
}

// normalizeISO turns the zone of an ISO 8601 date-time into -0700 form:
// "Z" and "+01:00" and "+01" all become numeric four-digit offsets, with
// nothing for a zoneless time.
func normalizeISO(f string) string {
	t := strings.Index(f, "T")
	date, clock := f[:t], f[t+1:]
	if strings.HasSuffix(clock, "Z") || strings.HasSuffix(clock, "z") {
		return date + "T" + clock[:len(clock)-1] + "+0000"
	}
	if i := strings.LastIndexAny(clock, "+-"); i > 0 {
		return date + "T" + clock[:i] + canonicalOffset(clock[i:])
	}
	return f
}

// gluedZone reads "GMT+1", "UTC-05:00", "GMT+0530" as a numeric offset.
func gluedZone(upper string) (string, bool) {
	for _, p := range []string{"GMT", "UTC", "UT"} {
		if strings.HasPrefix(upper, p) && len(upper) > len(p) && isOffset(upper[len(p):]) {
			return canonicalOffset(upper[len(p):]), true
		}
	}
	return "", false
}

// isOffset reports whether f is a numeric zone offset: +h, +hh, +hhmm or
// +hh:mm, with either sign.
func isOffset(f string) bool {
	if len(f) < 2 || (f[0] != '+' && f[0] != '-') {
		return false
	}
	digits := 0
	for i := 1; i < len(f); i++ {
		switch {
		case f[i] >= '0' && f[i] <= '9':
			digits++
		case f[i] == ':' && i > 1:
		default:
			return false
		}
	}
	return digits >= 1 && digits <= 4
}

// canonicalOffset turns an offset accepted by isOffset into -0700 form.
func canonicalOffset(f string) string {
	sign := f[:1]
	d := strings.ReplaceAll(f[1:], ":", "")
	switch len(d) {
	case 1:
		d = "0" + d + "00"
	case 2:
		d += "00"
	case 3:
		d = "0" + d
	}
	return sign + d
}

func formatOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	h, m := sec/3600, sec%3600/60
	return sign + strconv.Itoa(h/10) + strconv.Itoa(h%10) + strconv.Itoa(m/10) + strconv.Itoa(m%10)
}

func isWeekday(f string) bool {
	f = strings.ToLower(strings.TrimRight(f, "."))
	if len(f) < 3 {
		return false
	}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		if strings.HasPrefix(d, f) || (len(f) == 4 && strings.HasPrefix(d, f[:3])) {
			return true
		}
	}
	return false
}

// stripOrdinal turns "1st", "22nd", "3rd", "4th" into the bare number.
func stripOrdinal(f string) string {
	if len(f) < 3 || f[0] < '0' || f[0] > '9' {
		return f
	}
	suf := strings.ToLower(f[len(f)-2:])
	switch suf {
	case "st", "nd", "rd", "th":
		num := f[:len(f)-2]
		if _, err := strconv.Atoi(num); err == nil {
			return num
		}
	}
	return f
}

func isAlpha(f string) bool {
	if f == "" {
		return false
	}
	for i := 0; i < len(f); i++ {
		c := f[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
