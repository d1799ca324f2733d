package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
)

const scheduleHelp = "use 5 cron fields, a descriptor like @hourly, or @every 30m (or 90d)"

// ValidateSchedule reports whether spec is a schedule that tidings can run,
// as NormalizeSchedule decides. The error quotes spec and says what is
// accepted.
func ValidateSchedule(spec string) error {
	_, err := NormalizeSchedule(spec)
	return err
}

// NormalizeSchedule checks spec and returns the form to store and to hand
// to github.com/robfig/cron/v3's standard parser. Accepted are what that
// parser reads (5 fields, the descriptors @yearly, @monthly, @weekly, @daily,
// @hourly, and @every DURATION), optionally after a CRON_TZ=Zone or TZ=Zone
// prefix. The @every duration is read by ParseDuration, so it may use days
// and weeks ("@every 90d"); such a duration is rewritten in the Go form cron
// reads ("@every 2160h0m0s"), and every other spec is returned unchanged. On
// top of the parser, "@every" must be at least 1s, and a spec that never
// fires within the next 5 years ("0 0 30 2 *") is an error. Specs that panic
// the parser are errors too. The error quotes spec and says what is
// accepted.
func NormalizeSchedule(spec string) (norm string, err error) {
	fail := func(msg string) error {
		return fmt.Errorf("%q: %s; %s", spec, msg, scheduleHelp)
	}
	if strings.TrimSpace(spec) == "" {
		return "", fail("empty schedule")
	}
	prefix, body := "", spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// The parser slices up to the first space and panics without one.
		i := strings.IndexByte(spec, ' ')
		if i < 0 {
			return "", fail("a time zone prefix needs a schedule after it, e.g. CRON_TZ=Europe/Paris 0 7 * * *")
		}
		prefix, body = spec[:i+1], strings.TrimSpace(spec[i:])
	}
	norm = spec
	if d, ok := strings.CutPrefix(body, "@every "); ok {
		every, perr := ParseDuration(d)
		if perr != nil {
			return "", fail("@every takes a duration such as 10s, 30m, 1h30m or 90d")
		}
		if every < time.Second {
			return "", fail("@every must be at least 1s")
		}
		// cron reads only Go durations, which have no days or weeks; a
		// duration it can read already is left as the user wrote it.
		if _, gerr := time.ParseDuration(strings.TrimSpace(d)); gerr != nil {
			norm = prefix + "@every " + every.String()
		}
	}
	defer func() {
		if r := recover(); r != nil {
			norm, err = "", fail(fmt.Sprintf("the cron parser cannot read it (%v)", r))
		}
	}()
	sched, perr := cron.ParseStandard(norm)
	if perr != nil {
		return "", fail(cronMessage(perr, spec))
	}
	if msg := stepOutOfRange(body); msg != "" {
		return "", fail(msg)
	}
	if sched.Next(time.Now()).IsZero() {
		return "", fail("never fires (no matching date in the next 5 years)")
	}
	return norm, nil
}

// cronFields are the five fields of a cron spec, with the largest value
// each takes.
var cronFields = [5]struct {
	name string
	max  int
}{{"minute", 59}, {"hour", 23}, {"day of month", 31}, {"month", 12}, {"day of week", 6}}

// stepOutOfRange returns why a step of a five-field spec (the N of "*/N")
// is out of its field's range, or "" if none is. cron takes "*/61" in the
// minute field and fires hourly, while it refuses "61": a step is held to
// the range of the field's values, as a value is.
func stepOutOfRange(body string) string {
	fields := strings.Fields(body)
	if len(fields) != len(cronFields) {
		return ""
	}
	for i, f := range fields {
		for part := range strings.SplitSeq(f, ",") {
			_, step, ok := strings.Cut(part, "/")
			if !ok {
				continue
			}
			var n int
			if _, err := fmt.Sscanf(step, "%d", &n); err != nil {
				continue
			}
			if n > cronFields[i].max {
				return fmt.Sprintf("step %d of the %s field is above its maximum (%d)", n, cronFields[i].name, cronFields[i].max)
			}
		}
	}
	return ""
}

// cronMessage shortens the parser's error: it ends most messages with the
// part of the spec it rejected, which our message already quotes whole.
func cronMessage(err error, spec string) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		tail := msg[i+2:]
		if strings.HasPrefix(tail, "[") || (tail != "" && strings.Contains(spec, tail)) {
			msg = msg[:i]
		}
	}
	if num, ok := strings.CutPrefix(msg, "failed to parse int from "); ok {
		if j := strings.Index(num, ": "); j >= 0 {
			num = num[:j]
		}
		msg = fmt.Sprintf("%q is not a number or a month or weekday name", num)
	}
	return msg
}

// ValidTag reports whether t is a simple word usable as a tag: 1 to 64
// characters, each a letter, a digit, '-', '_', '.' or '/', so no spaces.
func ValidTag(t string) bool {
	if t == "" || !utf8.ValidString(t) || utf8.RuneCountInString(t) > 64 {
		return false
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_./", r) {
			return false
		}
	}
	return true
}

// errTag is the message for a tag that ValidTag refuses.
var errTag = errors.New("not a simple word; a tag is 1 to 64 letters, digits, '-', '_', '.' or '/', with no spaces")
