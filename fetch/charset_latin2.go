package fetch

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// The detector (a port of Mozilla's universal detector by way of Python's
// chardet) has no model of Polish, Czech, Slovak, Slovenian or Croatian
// in ISO-8859-2: it takes them for ISO-8859-1 or ISO-8859-9. The two
// encodings read the letters shared with Western European languages
// alike; they part at 0xA1-0xBF, which ISO-8859-2 (and windows-1250)
// fill with letters (ą ł ś š ž ź ż...) and windows-1252 with symbols (± ³
// ¶ ¹ ¾ ¼ ¿...). A symbol seldom stands inside a word; a letter does.
// centralEuropean counts those bytes that stand inside words. Hungarian
// needs another test (hungarian): its ő and ű are at 0xF5 and 0xFB, where
// windows-1252 has the letters õ and û. Not told apart: Czech or Slovak
// in windows-1250, whose š, ž and ť are at 0x80-0x9F, as windows-1252's
// š and ž are.

// latin2Letter marks the bytes of 0xA1-0xBF that are letters in
// ISO-8859-2 and symbols in windows-1252 (not µ, a letter in both);
// inWordOnly marks those of them whose windows-1252 symbol touches words
// in Western text (¡ « » ¿ ª º © ®: "¿Qué", "Windows®"), which count only
// between two letters.
var latin2Letter, inWordOnly [256]bool

func init() {
	for _, c := range []byte{0xA1, 0xA3, 0xA5, 0xA6, 0xA9, 0xAA, 0xAB, 0xAC, 0xAE, 0xAF,
		0xB1, 0xB3, 0xB6, 0xB9, 0xBA, 0xBB, 0xBC, 0xBE, 0xBF} {
		latin2Letter[c] = true
	}
	for _, c := range []byte{0xA1, 0xA9, 0xAA, 0xAB, 0xAE, 0xBA, 0xBB, 0xBF} {
		inWordOnly[c] = true
	}
}

// letterish reports whether c is a letter in both encodings, or one of
// the letters above: ASCII letters and 0xC0-0xFF but × and ÷.
func letterish(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0xC0 && c != 0xD7 && c != 0xF7 || latin2Letter[c]
}

// centralEuropean reports whether b, text in a single-byte Latin
// encoding, reads as ISO-8859-2 (or windows-1250, which also has letters
// at 0x80-0x9F) rather than windows-1252: of the bytes of 0xA1-0xBF, one
// at least stands between two letters, three at least touch a letter,
// and those outnumber the ones that touch none.
func centralEuropean(b []byte) (encoding.Encoding, string, bool) {
	b = firstBytes(b, detectLimit)
	between, touching, other, c1 := 0, 0, 0, false
	for i, c := range b {
		if c >= 0x80 && c <= 0x9F {
			c1 = true
			continue
		}
		if c < 0xA1 || c > 0xBF {
			continue
		}
		if !latin2Letter[c] {
			other++
			continue
		}
		before := i > 0 && letterish(b[i-1])
		after := i+1 < len(b) && letterish(b[i+1])
		switch {
		case before && after:
			between++
		case (before || after) && !inWordOnly[c]:
			touching++
		case before || after:
			// ¿Qué, «Très: either reading fits.
		default:
			other++
		}
	}
	if between < 1 || between+touching < 3 || between+touching <= other {
		if hungarian(b) {
			return charmap.ISO8859_2, "iso-8859-2", true
		}
		return nil, "", false
	}
	if c1 {
		return charmap.Windows1250, "windows-1250", true
	}
	return charmap.ISO8859_2, "iso-8859-2", true
}

// hungarian reports whether b, text in a single-byte Latin encoding, is
// Hungarian in ISO-8859-2 (or windows-1250, the same for Hungarian):
// ő and ű (0xF5 and 0xFB, õ and û in windows-1252) inside words, three
// times at least, none of the letters that Hungarian lacks and the
// languages with õ or û use (Portuguese ã ç and "õe", Estonian ä, French
// à è ê ç), and the digraphs of Hungarian spelling (gy, sz, cs, zs).
func hungarian(b []byte) bool {
	hu, western, digraphs := 0, 0, 0
	for i, c := range b {
		switch c {
		case 0xF5, 0xFB, 0xD5, 0xDB:
			if i+1 < len(b) && b[i+1]|0x20 == 'e' && c == 0xF5 {
				western++ // Portuguese "ões"
				continue
			}
			if i > 0 && letterish(b[i-1]) || i+1 < len(b) && letterish(b[i+1]) {
				hu++
			}
		case 0xE0, 0xE3, 0xE4, 0xE7, 0xE8, 0xEA, 0xC0, 0xC3, 0xC4, 0xC7, 0xC8, 0xCA:
			western++
		case 'y', 'z', 's', 'Y', 'Z', 'S':
			if i > 0 && isDigraph(b[i-1]|0x20, c|0x20) {
				digraphs++
			}
		}
	}
	return hu >= 3 && western == 0 && digraphs >= 2
}

// isDigraph reports whether the lower-case letters p and c are gy, sz, cs
// or zs.
func isDigraph(p, c byte) bool {
	return p == 'g' && c == 'y' || p == 's' && c == 'z' || (p == 'c' || p == 'z') && c == 's'
}
