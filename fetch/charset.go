package fetch

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/wlynxg/chardet"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// prologScanLimit bounds how far into a body the XML declaration is looked
// for; a declaration is at the very start or not at all.
const prologScanLimit = 1024

// decodeBody returns body as valid UTF-8, ready for gofeed, and the name of
// the encoding it was read as.
//
// The encoding is chosen in the order the XML and HTTP specs give it: a byte
// order mark, the HTTP Content-Type charset, the XML declaration, then a
// sniff. Bytes that are invalid in the chosen encoding become U+FFFD. The XML
// declaration's encoding attribute is removed from the result when it names
// anything but UTF-8, so that gofeed's XML decoder does not decode again.
// JSON is always read as UTF-8 (RFC 8259), whatever the header says.
//
// body is never modified; the result may share its memory.
func decodeBody(body []byte, contentType string) ([]byte, string) {
	if enc, name, n := fromBOM(body); enc != nil || n > 0 {
		body = body[n:]
		if enc == nil {
			return stripDeclaredEncoding(toValidUTF8(body)), name
		}
		return stripDeclaredEncoding(transform(enc, body)), name
	}

	if looksLikeJSON(body) {
		return toValidUTF8(body), "utf-8"
	}

	declared := prologEncoding(body)
	if label := httpCharset(contentType); label != "" {
		if enc, name := lookupEncoding(label, body); enc != nil || name == "utf-8" {
			// Servers configured with a Latin-1 default charset often
			// serve UTF-8 feeds that say so in their own declaration.
			// When the bytes agree with the declaration and not with the
			// header, the header is the mistake.
			if name == "windows-1252" && isUTF8Label(declared) && hasValidMultibyte(body) {
				enc, name = nil, "utf-8"
			}
			return finish(enc, name, body)
		}
	}

	if enc, name := sniffWideEncoding(body); enc != nil {
		return finish(enc, name, body)
	}

	if declared != "" {
		enc, name := lookupEncoding(declared, body)
		// Declared UTF-8 but sent in a legacy encoding (not one valid
		// multi-byte sequence among the high bytes): detected below.
		misdeclared := name == "utf-8" && !utf8.Valid(body) && (!hasValidMultibyte(body) || detectedLegacy(body))
		if (enc != nil || name == "utf-8") && !misdeclared {
			return finish(enc, name, body)
		}
	}

	// No usable declaration. XML says that means UTF-8, and most such feeds
	// are; but a body with high bytes and not one valid multi-byte sequence
	// is almost certainly in the web's default single-byte encoding.
	if !utf8.Valid(body) {
		if enc, name := detectLegacy(body); enc != nil {
			return finish(enc, name, body)
		}
		if !hasValidMultibyte(body) {
			if enc, name, ok := centralEuropean(body); ok {
				return finish(enc, name, body)
			}
			return finish(charmap.Windows1252, "windows-1252", body)
		}
	}
	return finish(nil, "utf-8", body)
}

// finish decodes body from enc (nil means UTF-8) and removes a stale
// encoding declaration.
func finish(enc encoding.Encoding, name string, body []byte) ([]byte, string) {
	if enc == nil {
		return stripDeclaredEncoding(toValidUTF8(body)), name
	}
	return stripDeclaredEncoding(transform(enc, body)), name
}

// fromBOM recognises a byte order mark. It returns the encoding (nil for
// UTF-8), its name, and the length of the mark; n is 0 when there is none.
func fromBOM(b []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return nil, "utf-8", 3
	// UTF-32 first: its little-endian mark begins with UTF-16's.
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	}
	return nil, "", 0
}

// sniffWideEncoding recognises UTF-16 and UTF-32 without a byte order mark
// by the zero bytes around the leading '<' (XML 1.0, appendix F).
func sniffWideEncoding(b []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0, 0, 0, '<'}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"
	case bytes.HasPrefix(b, []byte{'<', 0, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"
	case bytes.HasPrefix(b, []byte{0, '<', 0}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	case bytes.HasPrefix(b, []byte{'<', 0, '?', 0}), bytes.HasPrefix(b, []byte{'<', 0, 'r', 0}),
		bytes.HasPrefix(b, []byte{'<', 0, 'f', 0}), bytes.HasPrefix(b, []byte{'<', 0, '!', 0}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	}
	return nil, ""
}

// lookupEncoding maps a charset label to an encoding by the WHATWG rules
// (so iso-8859-1 and us-ascii read as windows-1252, a superset). It returns
// a nil encoding with name "utf-8" for UTF-8, and nil, "" for an unknown
// label. A UTF-16 or UTF-32 label is believed only when the bytes look
// like it (zeros around the leading '<'), and the bytes settle the byte
// order: servers that label UTF-8 feeds "utf-16" exist.
func lookupEncoding(label string, body []byte) (encoding.Encoding, string) {
	if isUTF8Label(label) {
		return nil, "utf-8"
	}
	l := strings.ToLower(strings.TrimSpace(label))
	if strings.HasPrefix(l, "utf-16") || strings.HasPrefix(l, "utf16") || strings.HasPrefix(l, "utf-32") ||
		strings.HasPrefix(l, "utf32") || strings.HasPrefix(l, "ucs-") || strings.HasPrefix(l, "iso-10646-ucs") {
		return sniffWideEncoding(body)
	}
	enc, name := charset.Lookup(l)
	if enc == nil {
		return nil, ""
	}
	if name == "utf-8" {
		return nil, "utf-8"
	}
	return enc, name
}

func isUTF8Label(label string) bool {
	l := strings.TrimSpace(label)
	return strings.EqualFold(l, "utf-8") || strings.EqualFold(l, "utf8")
}

// httpCharset returns the charset parameter of an HTTP Content-Type.
func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A malformed header still often carries a usable charset.
		i := strings.Index(strings.ToLower(contentType), "charset=")
		if i < 0 {
			return ""
		}
		v := contentType[i+len("charset="):]
		if j := strings.IndexAny(v, "; \t"); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"'`)
	}
	return params["charset"]
}

// prologEncoding returns the encoding attribute of a leading XML
// declaration, or "" when there is none.
func prologEncoding(b []byte) string {
	start, end, vs, ve := findDeclaredEncoding(b)
	if start < 0 || end < 0 {
		return ""
	}
	return string(b[vs:ve])
}

// findDeclaredEncoding locates the encoding attribute of a leading XML
// declaration: the span [start,end) to cut (with its leading space) and the
// value's span [vs,ve). start is -1 when there is no such attribute.
func findDeclaredEncoding(b []byte) (start, end, vs, ve int) {
	head := b
	if len(head) > prologScanLimit {
		head = head[:prologScanLimit]
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	off := len(head) - len(trimmed)
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return -1, -1, 0, 0
	}
	closeAt := bytes.Index(trimmed, []byte("?>"))
	if closeAt < 0 {
		return -1, -1, 0, 0
	}
	decl := trimmed[:closeAt]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return -1, -1, 0, 0
	}
	// Cut from the whitespace before the attribute.
	s := i
	for s > 0 && isXMLSpace(decl[s-1]) {
		s--
	}
	j := i + len("encoding")
	for j < len(decl) && isXMLSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return -1, -1, 0, 0
	}
	j++
	for j < len(decl) && isXMLSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return -1, -1, 0, 0
	}
	q := decl[j]
	k := bytes.IndexByte(decl[j+1:], q)
	if k < 0 {
		return -1, -1, 0, 0
	}
	return off + s, off + j + 1 + k + 1, off + j + 1, off + j + 1 + k
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// stripDeclaredEncoding removes the XML declaration's encoding attribute
// unless it already says UTF-8. b is valid UTF-8 and is not modified.
func stripDeclaredEncoding(b []byte) []byte {
	start, end, vs, ve := findDeclaredEncoding(b)
	if start < 0 || isUTF8Label(string(b[vs:ve])) {
		return b
	}
	out := make([]byte, 0, len(b)-(end-start))
	out = append(out, b[:start]...)
	return append(out, b[end:]...)
}

// transform decodes b from enc into valid UTF-8.
func transform(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		// The x/text decoders replace bad input rather than fail; a failure
		// here is a truncated multi-byte unit at the end. Decode what can be.
		out, _ = enc.NewDecoder().Bytes(b[:len(b)-len(b)%4])
	}
	return toValidUTF8(out)
}

// toValidUTF8 replaces invalid sequences with U+FFFD, copying only when
// there is something to replace.
func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// hasValidMultibyte reports whether b holds at least one valid multi-byte
// UTF-8 sequence: strong evidence of UTF-8, since single-byte encodings
// rarely form one by accident.
func hasValidMultibyte(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && n > 1 {
			return true
		}
		i += n
	}
	return false
}

// looksLikeJSON reports whether the first non-space byte opens a JSON
// object or array.
func looksLikeJSON(b []byte) bool {
	t := bytes.TrimLeft(firstBytes(b, 64), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

func firstBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// detectLegacy guesses the legacy encoding of b, which declares none and
// is not UTF-8 (see decodeBody), with a statistical detector (a Go port
// of Mozilla's universal charset detector, by way of Python's chardet).
// It returns nil when the detector is unsure or names an encoding
// x/net/html/charset does not know.
func detectLegacy(b []byte) (encoding.Encoding, string) {
	r := chardet.Detect(firstBytes(b, detectLimit))
	if r.Confidence < minDetectConfidence {
		return nil, ""
	}
	for _, label := range []string{r.Encoding, r.Charset} {
		if label == "" || strings.EqualFold(label, "ascii") || strings.HasPrefix(strings.ToLower(label), "utf") {
			continue
		}
		if enc, name := charset.Lookup(label); enc != nil && name != "utf-8" {
			if name == "windows-1252" || name == "windows-1254" {
				if e, n, ok := centralEuropean(b); ok {
					return e, n
				}
			}
			return enc, name
		}
	}
	return nil, ""
}

// detectedLegacy reports whether the detector is sure that b, which is
// not valid UTF-8, is in a legacy encoding: multi-byte encodings (GBK,
// Shift_JIS...) form some valid UTF-8 sequences by chance.
// A single-byte guess is not enough there: UTF-8 with a few broken bytes
// looks like one too.
func detectedLegacy(b []byte) bool {
	switch _, name := detectLegacy(b); name {
	case "big5", "gbk", "gb18030", "euc-jp", "shift_jis", "euc-kr", "iso-2022-jp":
		return true
	}
	return false
}

// detectLimit bounds the bytes the detector reads: its answer settles
// within a few KiB, and it costs time in proportion.
const detectLimit = 64 << 10

// minDetectConfidence is the detector's confidence below which its guess
// is not taken.
const minDetectConfidence = 0.5
