package fetch

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zone names in dates, whatever the machine has installed
	"unicode"
)

// monthNames maps month names and abbreviations as feeds write them in
// other languages (lower case, without a trailing dot) to the English
// abbreviation time.Parse reads. English names and their misspellings are
// matched by their first three letters instead (see monthName).
var monthNames = func() map[string]string {
	en := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	byLang := [][12]string{
		// German
		{"januar jän jänner", "februar feber", "märz mär maerz", "april", "mai", "juni", "juli", "august", "september", "oktober okt", "november", "dezember dez"},
		// French
		{"janvier janv", "février févr fevrier fevr fév", "mars", "avril avr", "mai", "juin", "juillet juil", "août aout aoû", "septembre sept", "octobre", "novembre", "décembre déc decembre"},
		// Spanish
		{"enero ene", "febrero", "marzo", "abril abr", "mayo", "junio", "julio", "agosto ago", "septiembre setiembre sept set", "octubre", "noviembre", "diciembre dic"},
		// Italian
		{"gennaio gen", "febbraio", "marzo", "aprile", "maggio mag", "giugno giu", "luglio lug", "agosto", "settembre set", "ottobre ott", "novembre", "dicembre dic"},
		// Dutch
		{"januari", "februari", "maart mrt", "april", "mei", "juni", "juli", "augustus", "september", "oktober okt", "november", "december"},
		// Portuguese
		{"janeiro", "fevereiro fev", "março marco", "abril", "maio", "junho", "julho", "agosto", "setembro set", "outubro out", "novembro", "dezembro dez"},
		// Hungarian
		{"január", "február febr", "március márc", "április ápr", "május máj", "június jún", "július júl", "augusztus", "szeptember szept", "október", "november", "december"},
		// Russian: nominative, genitive (as dates write it) and abbreviations
		{"январь января янв", "февраль февраля фев февр", "март марта мар", "апрель апреля апр", "май мая", "июнь июня июн",
			"июль июля июл", "август августа авг", "сентябрь сентября сен сент", "октябрь октября окт", "ноябрь ноября ноя нояб", "декабрь декабря дек"},
		// Greek: nominative, genitive and abbreviations, with and without accents
		{"ιανουάριος ιανουαρίου ιαν", "φεβρουάριος φεβρουαρίου φεβ", "μάρτιος μαρτίου μαρ", "απρίλιος απριλίου απρ",
			"μάιος μαΐου μαΐ μάι μαι μαϊ", "ιούνιος ιουνίου ιουν ιούν", "ιούλιος ιουλίου ιουλ ιούλ", "αύγουστος αυγούστου αυγ",
			"σεπτέμβριος σεπτεμβρίου σεπ", "οκτώβριος οκτωβρίου οκτ", "νοέμβριος νοεμβρίου νοε", "δεκέμβριος δεκεμβρίου δεκ"},
	}
	m := map[string]string{}
	for _, lang := range byLang {
		for i, names := range lang {
			for _, n := range strings.Fields(names) {
				m[n] = en[i]
			}
		}
	}
	return m
}()

// englishMonths are the English month names, in order.
var englishMonths = []string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december"}

// monthName reads word as a month: a localised name from monthNames, or
// an English name: the full name, an abbreviation of at least three
// letters ("Sept"), or a misspelling one edit away (two for names of seven
// letters or more: "Febuary", "Feburary").
func monthName(word string) (string, bool) {
	w := strings.ToLower(word)
	if m, ok := monthNames[w]; ok {
		return m, true
	}
	if len(w) < 3 || len(w) > 12 || !isAlpha(w) {
		return "", false
	}
	for _, name := range englishMonths {
		short := strings.ToUpper(name[:1]) + name[1:3]
		if strings.HasPrefix(name, w) {
			return short, true
		}
		allowed := 1
		if len(w) >= 7 {
			allowed = 2
		}
		if w[:2] == name[:2] && editDistance(w, name) <= allowed {
			return short, true
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance of two short ASCII words, an
// adjacent transposition counting as one edit.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// cjkDate rewrites the Chinese, Japanese and Korean way of writing dates
// ("2024年3月10日 09:00", "2024년 3월 10일 오후 3:04") into ISO order with
// an AM/PM marker, which dateLayouts read.
func cjkDate(s string) string {
	if !strings.ContainsAny(s, "年월月년日일時시分분秒초午前後上下오전후") {
		return s
	}
	r := strings.NewReplacer(
		"年", "-", "년", "-", "月", "-", "월", "-", "日", " ", "일", " ",
		"時", ":", "시", ":", "分", ":", "분", ":", "秒", " ", "초", " ",
		"午前", " AM ", "上午", " AM ", "오전", " AM ", "午後", " PM ", "下午", " PM ", "오후", " PM ",
	)
	s = r.Replace(s)
	// "2024- 3- 10": the spaces between the parts go.
	s = strings.ReplaceAll(strings.ReplaceAll(s, "- ", "-"), ": ", ":")
	s = strings.TrimRight(strings.TrimSpace(s), ":-")
	// The marker before the time ("PM 3:04"), as the languages write it,
	// goes after it for the layouts.
	for _, m := range []string{"AM", "PM"} {
		if i := strings.Index(s, " "+m+" "); i >= 0 {
			rest := strings.TrimSpace(s[i+4:])
			clock, after, _ := strings.Cut(rest, " ")
			s = strings.TrimSpace(s[:i] + " " + clock + " " + m + " " + after)
		}
	}
	return s
}

// namedZone reads an IANA zone name. Etc/GMT+5 is five hours behind UTC
// (POSIX signs), as the zone database has it.
func namedZone(name string) (*time.Location, bool) {
	if rest, ok := strings.CutPrefix(name, "Etc/GMT"); ok && rest != "" {
		if h, err := strconv.Atoi(rest); err == nil && h >= -14 && h <= 12 {
			return time.FixedZone(name, -h*3600), true
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// isLetters reports whether w is one or more letters (any script).
func isLetters(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func isLetterStart(w string) bool {
	for _, r := range w {
		return unicode.IsLetter(r)
	}
	return false
}

// minItemDate is the earliest date tidings believes: an item dated
// before 2 January 1970 carries a zero Unix time or a broken generator's
// default, not its publication date.
var minItemDate = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)

// maxItemYear is the latest year a date may have: beyond it, the year is
// a typo, and time arithmetic on it overflows.
const maxItemYear = 9999
