package fetch

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// This file is a fast path for sanitizeHTML. Most feed HTML is a handful of
// plain elements (p, a, em, img, ul, li, ...) with absolute http(s) URLs.
// For such input, the content policy's output is known in advance: the
// same elements, only the attributes the policy allows, links given
// rel="nofollow noreferrer noopener" and target="_blank", text re-escaped
// the way x/net/html escapes it, comments dropped. sanitizeFast produces
// exactly those bytes in one pass, without a tokenizer or the policy's
// maps and regular expressions.
//
// It accepts only a strict subset of HTML, and declines (ok false) at the
// first byte outside it: any element or attribute not in fastElems, an
// attribute not known to be dropped, an entity it does not know, a URL that
// is not plainly absolute http(s), markup the tokenizer could read another
// way (unquoted values, "<!" other than a comment, a tag cut off by the end),
// control characters. The caller then runs the policy itself. Declining
// never makes the result less safe, only slower.
//
// The policy is the oracle: FuzzSanitizeFast, TestFastCorpora,
// TestFastTables and TestFastEntities check that whatever the fast path
// accepts comes out byte for byte as the policy path (sanitizePolicy) has
// it. A change to newContentPolicy must keep them passing: adjust
// fastElems, fastGlobalAttrs and fastDroppedAttrs with it.

// attrRule says what the content policy does with one attribute.
type attrRule uint8

const (
	ruleDecline    attrRule = iota // not in the subset: give up
	ruleDrop                       // the policy removes it whatever its value
	ruleURL                        // kept if a plain absolute http(s) URL; declined otherwise
	ruleParagraph                  // kept if it matches bluemonday.Paragraph
	ruleNumOrPct                   // kept if it matches bluemonday.NumberOrPercent
	ruleInteger                    // kept if it matches bluemonday.Integer
	ruleCodeClass                  // kept if it matches ^[\w\- ]{1,100}$
	ruleLoading                    // kept if it matches ^(?i)(lazy|eager)$
	ruleImageAlign                 // kept if it matches bluemonday.ImageAlign
	ruleCellAlign                  // kept if it matches bluemonday.CellAlign
	ruleCellVAlign                 // kept if it matches bluemonday.CellVerticalAlign
	ruleDir                        // kept if it matches bluemonday.Direction
	ruleLang                       // kept if it matches [a-zA-Z]{2,20} (unanchored)
	ruleID                         // kept if it matches [a-zA-Z0-9\:\-_\.]+ (unanchored)
)

// fastElem is an element the fast path passes through.
type fastElem struct {
	attrs map[string]attrRule
	// needsAttrs: the policy drops the element (and its end tag) when
	// none of its attributes survive; the fast path declines then.
	needsAttrs bool
	// link: with an href, the policy adds rel and target.
	link bool
}

// linkAttrs is what the policy appends to a link with an absolute href:
// RequireNoFollowOnLinks, RequireNoReferrerOnLinks, then
// AddTargetBlankToFullyQualifiedLinks, which also adds noopener to rel.
const linkAttrs = ` rel="nofollow noreferrer noopener" target="_blank"`

var (
	cellAttrs = map[string]attrRule{
		"colspan": ruleInteger, "rowspan": ruleInteger,
		"width": ruleNumOrPct, "height": ruleNumOrPct,
		"align": ruleCellAlign, "valign": ruleCellVAlign,
	}
	rowAttrs  = map[string]attrRule{"align": ruleCellAlign, "valign": ruleCellVAlign}
	codeAttrs = map[string]attrRule{"class": ruleCodeClass}
	citeAttrs = map[string]attrRule{"cite": ruleURL}
	noAttrs   = map[string]attrRule{}
)

// fastElems are the elements of the subset, with the attributes the
// content policy allows on each (besides fastGlobalAttrs) that the fast path
// handles. An allowed attribute missing here is declined, never dropped.
var fastElems = map[string]*fastElem{
	"a":   {attrs: map[string]attrRule{"href": ruleURL}, needsAttrs: true, link: true},
	"img": {attrs: map[string]attrRule{"src": ruleURL, "alt": ruleParagraph, "width": ruleNumOrPct, "height": ruleNumOrPct, "align": ruleImageAlign, "loading": ruleLoading}, needsAttrs: true},

	"blockquote": {attrs: citeAttrs},
	"q":          {attrs: citeAttrs},
	"code":       {attrs: codeAttrs},
	"pre":        {attrs: codeAttrs},
	"table":      {attrs: map[string]attrRule{"width": ruleNumOrPct, "height": ruleNumOrPct, "summary": ruleParagraph}},
	"td":         {attrs: cellAttrs},
	"th":         {attrs: cellAttrs},
	"thead":      {attrs: rowAttrs},
	"tbody":      {attrs: rowAttrs},
	"tfoot":      {attrs: rowAttrs},
	"tr":         {attrs: rowAttrs},

	"p": {attrs: noAttrs}, "br": {attrs: noAttrs}, "hr": {attrs: noAttrs}, "div": {attrs: noAttrs},
	"span": {attrs: noAttrs}, "wbr": {attrs: noAttrs}, "em": {attrs: noAttrs}, "strong": {attrs: noAttrs},
	"b": {attrs: noAttrs}, "i": {attrs: noAttrs}, "u": {attrs: noAttrs}, "s": {attrs: noAttrs},
	"small": {attrs: noAttrs}, "strike": {attrs: noAttrs}, "tt": {attrs: noAttrs}, "sub": {attrs: noAttrs},
	"sup": {attrs: noAttrs}, "cite": {attrs: noAttrs}, "abbr": {attrs: noAttrs}, "acronym": {attrs: noAttrs},
	"dfn": {attrs: noAttrs}, "mark": {attrs: noAttrs}, "samp": {attrs: noAttrs}, "var": {attrs: noAttrs},
	"h1": {attrs: noAttrs}, "h2": {attrs: noAttrs}, "h3": {attrs: noAttrs}, "h4": {attrs: noAttrs},
	"h5": {attrs: noAttrs}, "h6": {attrs: noAttrs}, "ul": {attrs: noAttrs}, "ol": {attrs: noAttrs},
	"li": {attrs: noAttrs}, "dl": {attrs: noAttrs}, "dt": {attrs: noAttrs}, "dd": {attrs: noAttrs},
	"figure": {attrs: noAttrs}, "figcaption": {attrs: noAttrs}, "picture": {attrs: noAttrs},
	"caption": {attrs: noAttrs}, "article": {attrs: noAttrs}, "aside": {attrs: noAttrs},
	"section": {attrs: noAttrs}, "summary": {attrs: noAttrs}, "details": {attrs: noAttrs},
	"hgroup": {attrs: noAttrs}, "del": {attrs: noAttrs}, "ins": {attrs: noAttrs}, "time": {attrs: noAttrs},
	"ruby": {attrs: noAttrs}, "rp": {attrs: noAttrs}, "rt": {attrs: noAttrs},
}

// fastGlobalAttrs are the attributes the policy allows on every element
// (bluemonday's AllowStandardAttributes).
var fastGlobalAttrs = map[string]attrRule{
	"dir": ruleDir, "lang": ruleLang, "id": ruleID, "title": ruleParagraph,
}

// fastDroppedAttrs are attributes the policy allows on none of fastElems
// (class only on code and pre, which say so), so it drops them whatever
// their value. URL attributes (href, src, cite, srcset, poster, longdesc)
// must never be here: sanitizeHTML resolves them before the policy runs.
var fastDroppedAttrs = map[string]bool{
	"class": true, "style": true, "target": true, "rel": true, "border": true,
	"hspace": true, "vspace": true, "decoding": true, "name": true, "role": true,
	"tabindex": true, "itemprop": true, "itemscope": true, "itemtype": true,
	"cellpadding": true, "cellspacing": true, "bgcolor": true, "color": true,
	"face": true, "xmlns": true, "ismap": true, "referrerpolicy": true,
	"fetchpriority": true, "translate": true, "draggable": true, "hidden": true,
}

// attrRuleFor returns the rule for attribute key on element e.
func attrRuleFor(e *fastElem, key string) attrRule {
	if r, ok := e.attrs[key]; ok {
		return r
	}
	if r, ok := fastGlobalAttrs[key]; ok {
		return r
	}
	if fastDroppedAttrs[key] || strings.HasPrefix(key, "data-") || strings.HasPrefix(key, "aria-") {
		return ruleDrop
	}
	return ruleDecline
}

// fastTables is fastElems and the attribute rules flattened for lookup:
// element and attribute names hashed into fastNames, and the rule for
// each (element, attribute) pair precomputed with attrRuleFor.
var fastTables = func() (t struct {
	elems, attrs fastNames
	elemList     []*fastElem
	rules        [][]attrRule // by element, then attribute index
}) {
	var attrNames []string
	addAttr := func(name string) {
		if _, ok := t.attrs.get(name); !ok {
			t.attrs.add(name, uint8(len(attrNames)))
			attrNames = append(attrNames, name)
		}
	}
	for _, e := range fastElems {
		for name := range e.attrs {
			addAttr(name)
		}
	}
	for name := range fastGlobalAttrs {
		addAttr(name)
	}
	for name := range fastDroppedAttrs {
		addAttr(name)
	}
	for name, e := range fastElems {
		t.elems.add(name, uint8(len(t.elemList)))
		t.elemList = append(t.elemList, e)
		rules := make([]attrRule, len(attrNames))
		for i, a := range attrNames {
			rules[i] = attrRuleFor(e, a)
		}
		t.rules = append(t.rules, rules)
	}
	return t
}()

// lookupElem returns the element named name (lower case) and its index,
// or nil.
func lookupElem(name string) (*fastElem, int) {
	i, ok := fastTables.elems.get(name)
	if !ok {
		return nil, 0
	}
	return fastTables.elemList[i], int(i)
}

// lookupAttr is attrRuleFor for the element of index elem, by table.
func lookupAttr(elem int, key string) attrRule {
	if i, ok := fastTables.attrs.get(key); ok {
		return fastTables.rules[elem][i]
	}
	if strings.HasPrefix(key, "data-") || strings.HasPrefix(key, "aria-") {
		return ruleDrop
	}
	return ruleDecline
}

// fastNames is an open-addressing hash table of up to 128 short ASCII
// names. A lookup costs a few instructions where a map's costs hashing
// the whole string; there are a dozen per item.
type fastNames struct {
	keys [256]string
	vals [256]uint8
}

func fastNameHash(s string) uint8 {
	return uint8(len(s)*37 + int(s[0])*11 + int(s[len(s)-1]))
}

func (t *fastNames) add(name string, v uint8) {
	h := fastNameHash(name)
	for t.keys[h] != "" {
		h++
	}
	t.keys[h], t.vals[h] = name, v
}

func (t *fastNames) get(name string) (uint8, bool) {
	if name == "" {
		return 0, false
	}
	for h := fastNameHash(name); ; h++ {
		switch t.keys[h] {
		case name:
			return t.vals[h], true
		case "":
			return 0, false
		}
	}
}

// textClass sorts the bytes of text outside tags.
var textClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = tcDecline
	}
	t['\t'], t['\n'] = tcPlain, tcPlain
	t['\''], t['"'], t['>'] = tcEscape, tcEscape, tcEscape
	t['\r'] = tcCR
	t[0x7f] = tcDecline
	t[0xC2] = tcC2
	t['&'] = tcAmp
	t['<'] = tcLT
	return t
}()

const (
	tcPlain   = iota // copied as is
	tcEscape         // ' " > : escaped
	tcAmp            // & : an entity or a literal ampersand
	tcLT             // < : markup or a literal
	tcCR             // \r : text has \r\n and \r turned into \n
	tcC2             // 0xC2: the lead byte of U+0080-U+00BF, C1 controls among them
	tcDecline        // other control characters, NUL, \f, DEL: in doubt
)

var fastBufs = sync.Pool{New: func() any { return new([]byte) }}

// sanitizeFast returns what sanitizeHTML's policy path would return for s
// (valid UTF-8), with ok true, when s is within the subset described at the
// top of this file; otherwise ok is false and the caller must sanitise s
// the slow way.
func sanitizeFast(s string) (string, bool) {
	buf := fastBufs.Get().(*[]byte)
	out := (*buf)[:0]
	if cap(out) < len(s)+len(s)/4 {
		out = make([]byte, 0, len(s)+len(s)/4+64)
	}
	// The output is passed along and returned rather than kept in a
	// struct: a slice stored through a pointer costs a write barrier.
	out, ok := fastRun(out, s)
	var res string
	if ok {
		res = string(bytes.TrimSpace(out))
	}
	if cap(out) <= 1<<20 {
		*buf = out[:0]
		fastBufs.Put(buf)
	}
	return res, ok
}

// fastRun appends the sanitised form of s to out, and reports false at the
// first byte outside the subset.
func fastRun(out []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); {
		switch textClass[s[i]] {
		case tcPlain:
			j := i + 1
			// Eight bytes a step while all are plain (tcPlain is 0):
			// most of an item is text.
			for t := s[j:]; len(t) >= 8; t = t[8:] {
				if textClass[t[0]]|textClass[t[1]]|textClass[t[2]]|textClass[t[3]]|
					textClass[t[4]]|textClass[t[5]]|textClass[t[6]]|textClass[t[7]] != tcPlain {
					break
				}
				j += 8
			}
			for j < len(s) && textClass[s[j]] == tcPlain {
				j++
			}
			out = append(out, s[i:j]...)
			i = j
		case tcEscape:
			out = appendEscapedByte(out, s[i])
			i++
		case tcC2:
			// U+0080-U+009F are C1 controls, which the policy path
			// drops; the rest (no-break space, ©, «...) is text.
			if i+1 < len(s) && s[i+1] <= 0x9f {
				return out, false
			}
			out = append(out, s[i])
			i++
		case tcCR:
			// x/net/html's convertNewlines.
			out = append(out, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case tcAmp:
			var n int
			var ok bool
			if out, n, ok = fastTextEntity(out, s[i:]); !ok {
				return out, false
			}
			i += n
		case tcLT:
			var n int
			var ok bool
			if out, n, ok = fastMarkup(out, s[i:]); !ok {
				return out, false
			}
			i += n
		default:
			return out, false
		}
	}
	return out, true
}

// fastTextEntity handles the '&' at s[0] in text: it appends its output to
// out and returns how many bytes of s it consumed.
func fastTextEntity(out []byte, s string) ([]byte, int, bool) {
	if len(s) == 1 || !isEntityStart(s[1]) {
		// A lone ampersand stays one (x/net/html unescapeEntity).
		out = append(out, "&amp;"...)
		return out, 1, true
	}
	r, n, ok := decodeEntity(s)
	if !ok {
		return out, 0, false
	}
	out = appendEscapedRune(out, r)
	return out, n, true
}

func isEntityStart(c byte) bool { return c == '#' || isASCIIAlnum(c) }

func isASCIIAlnum(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9'
}

// decodeEntity decodes the character reference at s[0] ("&...;") when it
// is one the fast path knows to decode exactly as x/net/html does: a named
// entity from fastEntities or a numeric one, terminated by ';', for a
// character that is not remapped or replaced. It returns the character
// and the reference's length.
func decodeEntity(s string) (rune, int, bool) {
	if len(s) < 3 {
		return 0, 0, false
	}
	if s[1] == '#' {
		i, base := 2, rune(10)
		if s[i] == 'x' || s[i] == 'X' {
			i, base = 3, 16
		}
		start := i
		var x rune
		for i < len(s) && i-start < 8 {
			d := hexDigit(s[i])
			if d < 0 || d >= base {
				break
			}
			x = x*base + d
			i++
		}
		if i == start || i >= len(s) || s[i] != ';' {
			return 0, 0, false
		}
		// NUL, Windows-1252 remapping, surrogates and out-of-range values
		// are all rewritten by the tokenizer: leave them to it. Eight hex
		// digits can overflow x, which then is negative.
		if x <= 0 || (0x80 <= x && x <= 0x9F) || (0xD800 <= x && x <= 0xDFFF) || x > unicode.MaxRune {
			return 0, 0, false
		}
		if (x < 0x20 && x != '\t' && x != '\n' && x != '\r') || x == 0x7f {
			// A control character: the policy path drops it (\r it
			// escapes, as the fast path does).
			return 0, 0, false
		}
		return x, i + 1, true
	}
	i := 1
	for i < len(s) && i < 33 && isASCIIAlnum(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != ';' {
		// Without ';' the tokenizer may match a prefix ("&copy2024").
		return 0, 0, false
	}
	r, ok := fastEntities()[s[1:i]]
	if !ok {
		return 0, 0, false
	}
	return r, i + 1, true
}

// isLegacyEntityPrefix reports whether ref ("&name", no ';') would decode
// in text, where x/net/html also accepts a legacy name ("&copy", "&amp")
// or a prefix of the name that is one ("&copyx"). In an attribute value
// it decodes only when the whole name is one, so false here means the
// tokenizer leaves ref as it is.
func isLegacyEntityPrefix(ref string) bool {
	if len(ref) > 1 && len(ref) <= 1+longestLegacyEntity {
		return html.UnescapeString(ref) != ref
	}
	// Longer names: only a prefix could match, and attributes do not
	// match prefixes.
	return false
}

// longestLegacyEntity is the longest entity name x/net/html accepts
// without ';' (its longestEntityWithoutSemicolon).
const longestLegacyEntity = 6

func hexDigit(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

// fastEntityNames are the named character references the fast path
// decodes: the HTML 4 set. Their values come from x/net/html itself.
const fastEntityNames = `quot amp lt gt apos nbsp iexcl cent pound curren yen brvbar sect uml copy ordf
laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12
frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute
Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN
szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml
eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml OElig
oelig Scaron scaron Yuml circ tilde ensp emsp thinsp zwnj zwj lrm rlm ndash mdash lsquo rsquo sbquo ldquo
rdquo bdquo dagger Dagger permil lsaquo rsaquo euro fnof Alpha Beta Gamma Delta Epsilon Zeta Eta Theta
Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho Sigma Tau Upsilon Phi Chi Psi Omega alpha beta gamma delta
epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi
omega thetasym upsih piv bull hellip prime Prime oline frasl weierp image real trade alefsym larr uarr
rarr darr harr crarr lArr uArr rArr dArr hArr forall part exist empty nabla isin notin ni prod sum minus
lowast radic prop infin ang and or cap cup int there4 sim cong asymp ne equiv le ge sub sup nsub sube supe
oplus otimes perp sdot lceil rceil lfloor rfloor lang rang loz spades clubs hearts diams`

// fastEntities maps each of fastEntityNames to the one character
// x/net/html decodes "&name;" to.
var fastEntities = sync.OnceValue(func() map[string]rune {
	m := map[string]rune{}
	for _, name := range strings.Fields(fastEntityNames) {
		v := html.UnescapeString("&" + name + ";")
		r, size := utf8.DecodeRuneInString(v)
		if size != len(v) || r == utf8.RuneError {
			continue // unknown to x/net/html, or more than one character
		}
		m[name] = r
	}
	return m
})

// fastMarkup handles the '<' at s[0] (a tag, a comment or a literal '<'):
// it appends its output to out and returns how many bytes of s it
// consumed.
func fastMarkup(out []byte, s string) ([]byte, int, bool) {
	if len(s) == 1 {
		// A '<' at the end is text too.
		out = append(out, "&lt;"...)
		return out, 1, true
	}
	switch c := s[1]; {
	case isASCIILetter(c):
		return fastStartTag(out, s)
	case c == '/':
		return fastEndTag(out, s)
	case c == '!':
		n, ok := skipComment(s)
		return out, n, ok
	case c == '?':
		return out, 0, false
	}
	// Not a tag: a literal '<' (x/net/html Tokenizer.Next).
	out = append(out, "&lt;"...)
	return out, 1, true
}

// tagName reads the tag name starting at s[i] (a letter) and returns it
// lower-cased and the index after it. Names of the subset are letters and
// digits only.
func tagName(s string, i int) (string, int) { return lowerName(s, i, false) }

// fastStartTag handles the start tag at s[0]: the element if fastElems has
// it, its attributes as the policy filters them, in their order, then rel
// and target on a link.
func fastStartTag(out []byte, s string) ([]byte, int, bool) {
	name, i := tagName(s, 1)
	e, ei := lookupElem(name)
	if e == nil || i >= len(s) || !(isTagSpace(s[i]) || s[i] == '/' || s[i] == '>') {
		return out, 0, false
	}
	out = append(out, '<')
	out = append(out, name...)
	// The tokenizer keeps the first of repeated attributes; the fast
	// path declines them, and tags with more than len(seen).
	var seen [12]string
	nseen := 0
	kept, hasHref := 0, false
	for {
		spaced := i < len(s) && isTagSpace(s[i])
		for i < len(s) && isTagSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return out, 0, false
		}
		switch c := s[i]; {
		case c == '>' || c == '/':
			end := ">"
			if c == '/' {
				if i+1 >= len(s) || s[i+1] != '>' {
					return out, 0, false
				}
				end = "/>"
			}
			if e.needsAttrs && kept == 0 {
				// The policy drops the tag and, for a start tag, the
				// next matching end tag.
				return out, 0, false
			}
			if e.link && hasHref {
				out = append(out, linkAttrs...)
			}
			out = append(out, end...)
			return out, i + len(end), true
		case !spaced || !isASCIILetter(c):
			return out, 0, false
		}
		key, j := attrName(s, i)
		if j >= len(s) {
			return out, 0, false
		}
		if nseen == len(seen) {
			return out, 0, false
		}
		for _, k := range seen[:nseen] {
			if k == key {
				return out, 0, false
			}
		}
		seen[nseen] = key
		nseen++
		var raw string
		switch s[j] {
		case '=':
			j++
			if j >= len(s) || (s[j] != '"' && s[j] != '\'') {
				return out, 0, false
			}
			end := strings.IndexByte(s[j+1:], s[j])
			if end < 0 {
				return out, 0, false
			}
			raw = s[j+1 : j+1+end]
			j += end + 2
			if j >= len(s) || !(isTagSpace(s[j]) || s[j] == '/' || s[j] == '>') {
				return out, 0, false
			}
		case ' ', '\t', '\n':
			// A valueless attribute, unless "name = value".
			k := j
			for k < len(s) && isTagSpace(s[k]) {
				k++
			}
			if k >= len(s) || s[k] == '=' {
				return out, 0, false
			}
		case '/', '>':
		default:
			return out, 0, false
		}
		i = j
		rule := lookupAttr(ei, key)
		switch rule {
		case ruleDecline:
			return out, 0, false
		case ruleDrop:
			continue
		}
		val, ok := attrValue(raw)
		if !ok {
			return out, 0, false
		}
		keep, ok := checkAttr(rule, val)
		if !ok {
			return out, 0, false
		}
		if !keep {
			continue
		}
		kept++
		if key == "href" {
			hasHref = true
		}
		out = append(out, ' ')
		out = append(out, key...)
		out = append(out, '=', '"')
		out = appendEscaped(out, val)
		out = append(out, '"')
	}
}

// attrName reads an attribute name starting at s[i] (a letter): letters,
// digits and '-', lower-cased.
func attrName(s string, i int) (string, int) { return lowerName(s, i, true) }

// lowerName reads the letters and digits (and '-' with dash) from s[i] on
// and returns them lower-cased, and the index after them.
func lowerName(s string, i int, dash bool) (string, int) {
	j, upper := i, false
	for j < len(s) && (isASCIIAlnum(s[j]) || dash && s[j] == '-') {
		if 'A' <= s[j] && s[j] <= 'Z' {
			upper = true
		}
		j++
	}
	name := s[i:j]
	if upper {
		name = strings.ToLower(name)
	}
	return name, j
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// attrValue decodes the character references in a quoted attribute value,
// as x/net/html does for attributes.
func attrValue(raw string) (string, bool) {
	amp := strings.IndexByte(raw, '&')
	if controlIndex(raw) >= 0 {
		// The policy path drops control characters.
		return "", false
	}
	if amp < 0 {
		return raw, true
	}
	b := make([]byte, amp, len(raw)+8)
	copy(b, raw[:amp])
	for i := amp; i < len(raw); {
		c := raw[i]
		if c < 0x20 && c != '\t' && c != '\n' {
			return "", false
		}
		if c != '&' {
			b = append(b, c)
			i++
			continue
		}
		rest := raw[i:]
		if len(rest) == 1 || !isEntityStart(rest[1]) {
			b = append(b, '&')
			i++
			continue
		}
		if r, n, ok := decodeEntity(rest); ok {
			b = utf8.AppendRune(b, r)
			i += n
			continue
		}
		if rest[1] == '#' {
			return "", false
		}
		// A name without ';' is left alone before '=' ("?a=1&b=2"), and
		// when it is no legacy entity name ("&copy" is one); the rest is
		// in doubt.
		k := 1
		for k < len(rest) && isASCIIAlnum(rest[k]) {
			k++
		}
		if k < len(rest) && rest[k] == ';' {
			return "", false // a name fastEntities does not know
		}
		if (k < len(rest) && rest[k] == '=') || !isLegacyEntityPrefix(rest[:k]) {
			b = append(b, rest[:k]...)
			i += k
			continue
		}
		return "", false
	}
	return string(b), true
}

// checkAttr applies rule to an attribute's decoded value: keep says whether
// the policy keeps it; ok false means the fast path cannot tell.
func checkAttr(rule attrRule, v string) (keep, ok bool) {
	switch rule {
	case ruleURL:
		return true, plainHTTPURL(v)
	case ruleParagraph:
		return isParagraph(v), true
	case ruleNumOrPct:
		n := len(v)
		if n > 0 && v[n-1] == '%' {
			n--
		}
		return n > 0 && allDigits(v[:n]), true
	case ruleInteger:
		return len(v) > 0 && allDigits(v), true
	case ruleCodeClass:
		if len(v) == 0 || len(v) > 100 {
			return false, true
		}
		for k := 0; k < len(v); k++ {
			c := v[k]
			if !isASCIIAlnum(c) && c != '_' && c != '-' && c != ' ' {
				return false, true
			}
		}
		return true, true
	case ruleLoading:
		return oneOfFold(v, "lazy", "eager")
	case ruleImageAlign:
		return oneOfFold(v, "left", "right", "top", "texttop", "middle", "absmiddle", "baseline", "bottom", "absbottom")
	case ruleCellAlign:
		return oneOfFold(v, "center", "justify", "left", "right", "char")
	case ruleCellVAlign:
		return oneOfFold(v, "baseline", "bottom", "middle", "top")
	case ruleDir:
		return oneOfFold(v, "rtl", "ltr")
	case ruleLang:
		run := 0
		for k := 0; k < len(v); k++ {
			if isASCIILetter(v[k]) {
				if run++; run >= 2 {
					return true, true
				}
			} else {
				run = 0
			}
		}
		return false, true
	case ruleID:
		for k := 0; k < len(v); k++ {
			c := v[k]
			if isASCIIAlnum(c) || c == ':' || c == '-' || c == '_' || c == '.' {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// oneOfFold is a case-insensitive ^(a|b|...)$ match. Outside ASCII, Go's
// (?i) folds more than ASCII case (ſ matches s), so it declines there.
func oneOfFold(v string, words ...string) (keep, ok bool) {
	for k := 0; k < len(v); k++ {
		if v[k] >= utf8.RuneSelf {
			return false, false
		}
	}
	for _, w := range words {
		if strings.EqualFold(v, w) {
			return true, true
		}
	}
	return false, true
}

func allDigits(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return true
}

// isParagraph is bluemonday.Paragraph,
// ^[\p{L}\p{N}\s\-_',\[\]!\./\\\(\)]*$, without the regexp engine.
func isParagraph(v string) bool {
	for _, r := range v {
		if r < utf8.RuneSelf {
			if !paragraphASCII[r] {
				return false
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

var paragraphASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		b := byte(c)
		t[c] = isASCIIAlnum(b) || strings.IndexByte("\t\n\f\r -_',[]!./\\()", b) >= 0
	}
	return t
}()

// plainHTTPURL reports whether v is an absolute http(s) URL that both
// url.Parse-then-String (bluemonday's validURL) and lazyBase.resolve leave
// exactly as it is: lower-case scheme, a host of letters, digits, dots and
// hyphens with an optional numeric port, then path, query and fragment of
// characters that need no escaping, percent-escapes well formed.
func plainHTTPURL(v string) bool {
	var i int
	switch {
	case strings.HasPrefix(v, "https://"):
		i = len("https://")
	case strings.HasPrefix(v, "http://"):
		i = len("http://")
	default:
		return false
	}
	h := i
	for i < len(v) && (isASCIIAlnum(v[i]) || v[i] == '.' || v[i] == '-') {
		i++
	}
	if i == h {
		return false
	}
	if i < len(v) && v[i] == ':' {
		i++
		p := i
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		if i == p || i-p > 5 {
			return false
		}
	}
	if i == len(v) {
		return true
	}
	if v[i] != '/' && v[i] != '?' && v[i] != '#' {
		return false
	}
	inFragment := false
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case urlChar[c]:
		case c == '?':
		case c == '#':
			if inFragment || i == len(v)-1 {
				// A second '#' is escaped; an empty fragment is dropped.
				return false
			}
			inFragment = true
		case c == '%':
			if i+2 >= len(v) || hexDigit(v[i+1]) < 0 || hexDigit(v[i+2]) < 0 {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

// urlChar marks the bytes a path, query or fragment keeps unescaped:
// RFC 3986 unreserved and sub-delims, ':', '@' and '/'.
var urlChar = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = b < utf8.RuneSelf && (isASCIIAlnum(b) || strings.IndexByte("-._~!$&'()*+,;=:@/", b) >= 0)
	}
	return t
}()

// skipComment skips the comment at s[0] ("<!--"), which the policy drops,
// ending it where x/net/html's readComment does. Other "<!" markup
// (doctype, CDATA, bogus comments) is declined.
func skipComment(s string) (int, bool) {
	if !strings.HasPrefix(s, "<!--") {
		return 0, false
	}
	dashes, beginning := 0, true
	for i := 4; i < len(s); i++ {
		switch s[i] {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i + 1, true
			}
		case '!':
			if dashes >= 2 {
				i++
				if i >= len(s) {
					return 0, false
				}
				if s[i] == '>' {
					return i + 1, true
				}
				if s[i] == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return 0, false // unterminated: left to the tokenizer
}

// fastEndTag handles the end tag at s[0] ("</name>", spaces allowed before
// the '>'): the policy writes it back as it is for every element of
// fastElems, since the fast path never lets it drop a start tag.
func fastEndTag(out []byte, s string) ([]byte, int, bool) {
	if len(s) < 3 || !isASCIILetter(s[2]) {
		return out, 0, false
	}
	name, i := tagName(s, 2)
	if e, _ := lookupElem(name); e == nil {
		return out, 0, false
	}
	for i < len(s) && isTagSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '>' {
		return out, 0, false
	}
	out = append(out, '<', '/')
	out = append(out, name...)
	out = append(out, '>')
	return out, i + 1, true
}

// appendEscaped appends s escaped as x/net/html's escape does.
func appendEscaped(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if escapedByte[s[i]] {
			dst = append(dst, s[last:i]...)
			dst = appendEscapedByte(dst, s[i])
			last = i + 1
		}
	}
	return append(dst, s[last:]...)
}

// escapedByte marks the bytes x/net/html escapes: & ' < > " and \r.
var escapedByte = [256]bool{'&': true, '\'': true, '<': true, '>': true, '"': true, '\r': true}

func appendEscapedByte(dst []byte, c byte) []byte {
	switch c {
	case '&':
		return append(dst, "&amp;"...)
	case '\'':
		return append(dst, "&#39;"...)
	case '<':
		return append(dst, "&lt;"...)
	case '>':
		return append(dst, "&gt;"...)
	case '"':
		return append(dst, "&#34;"...)
	case '\r':
		return append(dst, "&#13;"...)
	}
	return append(dst, c)
}

func appendEscapedRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return appendEscapedByte(dst, byte(r))
	}
	return utf8.AppendRune(dst, r)
}
