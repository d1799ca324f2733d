package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
)

// The file is decoded into a generic map rather than straight into structs:
// the library stops at the first value that does not fit a struct field, and
// users are owed every problem at once. The walk below checks each key
// against the schema, so it also finds unknown keys (what md.Undecoded would
// list) in the same pass, with their lines.

// schema lists the keys of each table, in the order the starter documents
// them; it drives unknown-key messages.
var schema = map[string][]string{
	"":          {"database", "schedule", "listen", "log_level", "shutdown_grace", "user", "fetch", "retention", "store", "content", "web", "feed"},
	"fetch":     {"concurrency", "per_host", "allow_private_networks", "timeout", "max_body", "max_items", "max_server_delay"},
	"retention": {"read_after"},
	"store":     {"query_timeout"},
	"content":   {"iframe_hosts"},
	"web":       {"trusted_proxy_header", "trusted_proxies", "session_lifetime"},
	"feed":      {"url", "title", "tags", "schedule", "full_content"},
}

// Upper bounds that catch typos (an extra zero or three) before they become
// a flood of goroutines or connections.
const (
	maxConcurrency = 10000
	maxPerHost     = 1000
	maxItems       = 1_000_000
)

// parse decodes and validates one config file. name is the file as the user
// named it (for messages); abs is its absolute path.
func parse(name, abs string, data []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, Errors{syntaxError(name, data, err)}
	}
	d := &decoder{file: name, lines: scanLines(data), schedules: map[string]normSchedule{}}
	c := Default()
	c.File = abs
	d.root(c, raw, filepath.Dir(abs))
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
		return nil, d.errs
	}
	return c, nil
}

func syntaxError(name string, data []byte, err error) *Error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: name, Msg: "cannot read TOML: " + oneLine(err.Error())}
	}
	line, col := pe.Position.Line, pe.Position.Col
	if line < 1 && pe.Position.Start >= 0 && pe.Position.Start <= len(data) {
		// Some errors come without a line but with a byte offset.
		before := data[:pe.Position.Start]
		line = bytes.Count(before, []byte("\n")) + 1
		col = len(before) - bytes.LastIndexByte(before, '\n')
	}
	msg := "invalid TOML: " + oneLine(pe.Message)
	if col > 0 {
		msg = fmt.Sprintf("invalid TOML at column %d: %s", col, oneLine(pe.Message))
	}
	return &Error{File: name, Line: line, Msg: msg, Context: errorContext(pe)}
}

// oneLine escapes the control characters that the library's messages may
// quote from the input, so that each problem prints on one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s))
}

// errorContext returns the source excerpt of ErrorWithPosition (numbered
// lines and a caret) without its header, which repeats the message. ErrorWithPosition indexes lines by
// Position.Line and panics on some errors that have none (line 0, seen with
// input `000."\`), hence the guard and the recover.
func errorContext(pe toml.ParseError) (ctx string) {
	if pe.Position.Line < 1 {
		return ""
	}
	defer func() {
		if recover() != nil {
			ctx = ""
		}
	}()
	ctx = pe.ErrorWithPosition()
	// The excerpt starts at the first numbered line ("   5 | ...").
	lines := strings.Split(ctx, "\n")
	for i, l := range lines {
		if strings.Contains(l, " | ") {
			return strings.TrimRight(strings.Join(lines[i:], "\n"), "\n ") + "\n"
		}
	}
	return ""
}

type decoder struct {
	file  string
	lines lineIndex
	errs  Errors
	// schedules memoises NormalizeSchedule: a synthetic or generated config
	// may repeat one spec on 100,000 feeds.
	schedules map[string]normSchedule
}

// errorf records a problem with the key at path.
func (d *decoder) errorf(path []string, format string, args ...any) {
	d.errs = append(d.errs, &Error{
		File: d.file,
		Line: d.lines.line(path),
		Key:  displayKey(path),
		Msg:  fmt.Sprintf(format, args...),
	})
}

// displayKey is the dotted key of path without array indexes: "feed.url".
func displayKey(path []string) string {
	var k toml.Key
	for _, p := range path {
		if !isIndexSeg(p) {
			k = append(k, p)
		}
	}
	return k.String()
}

func join(path []string, key string) []string {
	return append(append(make([]string, 0, len(path)+1), path...), key)
}

// typeName names the TOML type of a decoded value, with the value for
// scalars, for "want X, got Y" messages.
func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case time.Time:
		return "datetime"
	case map[string]any:
		return "table"
	case []map[string]any, []any:
		return "array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (d *decoder) unknown(table string, path []string) {
	key := path[len(path)-1]
	msg := "unknown key"
	if s := suggest(table, key); s != "" {
		msg += "; " + s
	} else {
		msg += "; keys here are " + strings.Join(schema[table], ", ")
	}
	d.errorf(path, "%s", msg)
}

// suggest names the key the user probably meant: the same key in another
// table, or a close spelling in this one.
func suggest(table, key string) string {
	if table != "" && slices.Contains(schema[""], key) {
		return fmt.Sprintf("%s belongs at the top of the file, before any [table]", key)
	}
	for _, t := range []string{"fetch", "retention", "content", "web", "feed"} {
		if t != table && slices.Contains(schema[t], key) {
			if t == "feed" {
				return fmt.Sprintf("%s belongs in a [[feed]] block", key)
			}
			return fmt.Sprintf("%s belongs in the [%s] table", key, t)
		}
	}
	best, bestDist := "", 3
	norm := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	for _, k := range schema[table] {
		if dist := editDistance(norm, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s?", best)
	}
	return ""
}

func editDistance(a, b string) int {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (d *decoder) root(c *Config, raw map[string]any, dir string) {
	for _, k := range sortedKeys(raw) {
		v, path := raw[k], []string{k}
		switch k {
		case "database":
			if s, ok := d.str(path, v); ok {
				if db, ok := d.database(path, s, dir); ok {
					c.Database = db
				}
			}
		case "schedule":
			if s, ok := d.schedule(path, v); ok && s != "" {
				c.Schedule = s
			} else if ok {
				d.errorf(path, "empty; %s, or leave the key out for the default %q", scheduleHelp, DefaultSchedule)
			}
		case "listen":
			if s, ok := d.str(path, v); ok {
				if err := checkListen(s); err != nil {
					d.errorf(path, "%q: %v", s, err)
				} else {
					c.Listen = s
				}
			}
		case "log_level":
			if s, ok := d.str(path, v); ok {
				switch l := strings.ToLower(strings.TrimSpace(s)); l {
				case "debug", "info", "warn", "error":
					c.LogLevel = l
				default:
					d.errorf(path, "%q: unknown level; use debug, info, warn or error", s)
				}
			}
		case "shutdown_grace":
			if dur, ok := d.duration(path, v, false); ok {
				c.ShutdownGrace = dur
			}
		case "user":
			if s, ok := d.str(path, v); ok {
				if u := strings.TrimSpace(s); strings.ContainsFunc(u, unicode.IsSpace) {
					d.errorf(path, "%q: want the name of a tidings user, without spaces", s)
				} else {
					c.User = u
				}
			}
		case "fetch":
			if t, ok := d.table(path, v, "[fetch]"); ok {
				d.fetch(&c.Fetch, t, path)
			}
		case "retention":
			if t, ok := d.table(path, v, "[retention]"); ok {
				d.retention(&c.Retention, t, path)
			}
		case "store":
			if t, ok := d.table(path, v, "[store]"); ok {
				d.store(&c.Store, t, path)
			}
		case "content":
			if t, ok := d.table(path, v, "[content]"); ok {
				d.content(&c.Content, t, path)
			}
		case "web":
			if t, ok := d.table(path, v, "[web]"); ok {
				d.web(&c.Web, t, path)
			}
		case "feed":
			c.Feeds = d.feeds(path, v)
		default:
			d.unknown("", path)
		}
	}
}

func (d *decoder) fetch(f *Fetch, t map[string]any, base []string) {
	for _, k := range sortedKeys(t) {
		v, path := t[k], join(base, k)
		switch k {
		case "concurrency":
			if n, ok := d.intIn(path, v, 1, maxConcurrency); ok {
				f.Concurrency = n
			}
		case "per_host":
			if n, ok := d.intIn(path, v, 1, maxPerHost); ok {
				f.PerHost = n
			}
		case "allow_private_networks":
			if b, ok := v.(bool); ok {
				f.AllowPrivateNetworks = b
			} else {
				d.errorf(path, "want true or false, got %s", typeName(v))
			}
		case "timeout":
			if dur, ok := d.duration(path, v, false); ok {
				if dur == 0 {
					d.errorf(path, "must be longer than 0, e.g. \"30s\"")
				} else {
					f.Timeout = dur
				}
			}
		case "max_body":
			if n, ok := d.size(path, v); ok {
				f.MaxBody = n
			}
		case "max_items":
			if n, ok := d.intIn(path, v, 1, maxItems); ok {
				f.MaxItems = n
			}
		case "max_server_delay":
			if dur, ok := d.duration(path, v, false); ok {
				f.MaxServerDelay = dur
			}
		default:
			d.unknown("fetch", path)
		}
	}
}

func (d *decoder) content(c *Content, t map[string]any, base []string) {
	for _, k := range sortedKeys(t) {
		v, path := t[k], join(base, k)
		switch k {
		case "iframe_hosts":
			c.IframeHosts = d.hosts(path, v)
		default:
			d.unknown("content", path)
		}
	}
}

// hosts checks a list of host names (iframe_hosts): never nil, so that
// an empty list in the file means none.
func (d *decoder) hosts(path []string, v any) []string {
	arr, ok := v.([]any)
	if !ok {
		d.errorf(path, "want an array of host names, e.g. [\"youtube.com\", \"videos.example.org\"], got %s", typeName(v))
		return []string{}
	}
	hosts := []string{}
	for i, e := range arr {
		ep := join(path, indexSeg(i))
		s, ok := e.(string)
		s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
		switch {
		case !ok:
			d.errorf(ep, "want a host name in quotes, got %s", typeName(e))
		case !validHostName(s):
			d.errorf(ep, "%q: not a host name; give the host alone, e.g. \"videos.example.org\" for https://videos.example.org/videos/embed/...", s)
		case !slices.Contains(hosts, s):
			hosts = append(hosts, s)
		}
	}
	return hosts
}

// validHostName reports whether s is a DNS name: dot-separated labels of
// 1 to 63 letters, digits and inner hyphens, 253 characters at most.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func (d *decoder) retention(r *Retention, t map[string]any, base []string) {
	for _, k := range sortedKeys(t) {
		v, path := t[k], join(base, k)
		switch k {
		case "read_after":
			if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), "never") {
				r.ReadAfter = 0
			} else if dur, ok := d.duration(path, v, true); ok {
				r.ReadAfter = dur
			}
		default:
			d.unknown("retention", path)
		}
	}
}

func (d *decoder) store(st *Store, t map[string]any, base []string) {
	for _, k := range sortedKeys(t) {
		v, path := t[k], join(base, k)
		switch k {
		case "query_timeout":
			if dur, ok := d.duration(path, v, false); ok {
				if dur == 0 {
					d.errorf(path, "must be longer than 0, e.g. \"5s\"")
				} else {
					st.QueryTimeout = dur
				}
			}
		default:
			d.unknown("store", path)
		}
	}
}

func (d *decoder) feeds(path []string, v any) []Feed {
	var elems []any
	switch v := v.(type) {
	case []map[string]any:
		for _, m := range v {
			elems = append(elems, m)
		}
	case []any:
		elems = v
	default:
		d.errorf(path, "want [[feed]] blocks, each with url = \"https://...\"; got %s", typeName(v))
		return nil
	}
	var feeds []Feed
	seen := map[string]int{} // canonical URL -> line of its first block
	for i, e := range elems {
		ep := join(path, indexSeg(i))
		m, ok := e.(map[string]any)
		if !ok {
			d.errorf(ep, "want a [[feed]] block (a table), got %s", typeName(e))
			continue
		}
		f, ok := d.feed(ep, m)
		if f.URL == "" {
			continue // no URL, or a bad one: already reported
		}
		// Duplicates are looked for among blocks with other problems too,
		// so that fixing those does not reveal a new error.
		canon := f.URL // already in canonical form
		if first, dup := seen[canon]; dup {
			// Quote the URL as written: the canonical form may not be
			// what the user searches the file for.
			written, _ := m["url"].(string)
			d.errorf(join(ep, "url"), "%q is declared twice, at lines %d and %d; remove one of the two [[feed]] blocks",
				strings.TrimSpace(written), first, d.lines.line(join(ep, "url")))
			continue
		}
		seen[canon] = d.lines.line(join(ep, "url"))
		if ok {
			feeds = append(feeds, f)
		}
	}
	return feeds
}

// feed decodes one [[feed]] block; ok is false when it has a problem.
func (d *decoder) feed(ep []string, m map[string]any) (Feed, bool) {
	f := Feed{Line: d.lines.line(ep)}
	before := len(d.errs)
	for _, k := range sortedKeys(m) {
		v, path := m[k], join(ep, k)
		switch k {
		case "url":
			if s, ok := d.str(path, v); ok {
				if canon, err := CanonicalURL(s); err != nil {
					d.errorf(path, "%q: %v", s, err)
				} else {
					f.URL = canon
				}
			}
		case "title":
			if s, ok := d.str(path, v); ok {
				f.Title = strings.TrimSpace(s)
			}
		case "tags":
			f.Tags = d.tags(path, v)
		case "schedule":
			if s, ok := d.schedule(path, v); ok {
				f.Schedule = s
			}
		case "full_content":
			if b, ok := v.(bool); ok {
				f.FullContent = b
			} else {
				d.errorf(path, "want true or false, got %s", typeName(v))
			}
		default:
			d.unknown("feed", path)
		}
	}
	if _, ok := m["url"]; !ok {
		d.errorf(ep, "a [[feed]] block needs url = \"https://...\"")
	}
	return f, len(d.errs) == before
}

func (d *decoder) tags(path []string, v any) []string {
	arr, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			d.errorf(path, "want an array of tags, e.g. [%q], got %s", s, typeName(v))
		} else {
			d.errorf(path, "want an array of tags, e.g. [\"go\", \"news\"], got %s", typeName(v))
		}
		return nil
	}
	var tags []string
	for i, e := range arr {
		ep := join(path, indexSeg(i))
		s, ok := e.(string)
		// Tags are case-insensitive: stored, matched and shown lowercased.
		s = strings.ToLower(s)
		switch {
		case !ok:
			d.errorf(ep, "want a tag in quotes, got %s", typeName(e))
		case !ValidTag(s):
			d.errorf(ep, "%q: %v", s, errTag)
		case !slices.Contains(tags, s):
			tags = append(tags, s)
		}
	}
	return tags
}

func (d *decoder) str(path []string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		d.errorf(path, "want a string in quotes, got %s", typeName(v))
	}
	return s, ok
}

func (d *decoder) table(path []string, v any, header string) (map[string]any, bool) {
	t, ok := v.(map[string]any)
	if !ok {
		d.errorf(path, "want a table (a %s header followed by its keys), got %s", header, typeName(v))
	}
	return t, ok
}

// schedule checks a schedule value; "" is returned as is (ok), for the
// caller to decide what empty means.
func (d *decoder) schedule(path []string, v any) (string, bool) {
	s, ok := d.str(path, v)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	ns, seen := d.schedules[s]
	if !seen {
		ns.norm, ns.err = NormalizeSchedule(s)
		d.schedules[s] = ns
	}
	if ns.err != nil {
		d.errorf(path, "%v", ns.err)
		return "", false
	}
	return ns.norm, true
}

// normSchedule is a memoised NormalizeSchedule result.
type normSchedule struct {
	norm string
	err  error
}

func (d *decoder) intIn(path []string, v any, lo, hi int) (int, bool) {
	n, ok := v.(int64)
	if !ok {
		d.errorf(path, "want a whole number from %d to %d, got %s", lo, hi, typeName(v))
		return 0, false
	}
	if n < int64(lo) || n > int64(hi) {
		d.errorf(path, "%d: must be from %d to %d", n, lo, hi)
		return 0, false
	}
	return int(n), true
}

// duration decodes a duration string; zeroInt accepts a bare integer 0.
func (d *decoder) duration(path []string, v any, zeroInt bool) (time.Duration, bool) {
	if n, ok := v.(int64); ok && n == 0 && zeroInt {
		return 0, true
	}
	s, ok := v.(string)
	if !ok {
		d.errorf(path, "want a duration in quotes, e.g. \"30s\", \"1h30m\" or \"90d\", got %s", typeName(v))
		return 0, false
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.errorf(path, "%v", err)
		return 0, false
	}
	if dur < 0 {
		d.errorf(path, "%q: must not be negative; use e.g. \"30s\" or \"0\"", s)
		return 0, false
	}
	return dur, true
}

func (d *decoder) size(path []string, v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case string:
		var err error
		if n, err = ParseSize(v); err != nil {
			d.errorf(path, "%v", err)
			return 0, false
		}
	default:
		d.errorf(path, "want a size such as \"16MiB\" or a number of bytes, got %s", typeName(v))
		return 0, false
	}
	if n <= 0 {
		d.errorf(path, "must be more than 0 bytes, e.g. \"16MiB\"")
		return 0, false
	}
	return n, true
}

// database resolves a database value against the config file's directory.
func (d *decoder) database(path []string, s, dir string) (string, bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		d.errorf(path, "empty; use a file path such as \"tidings.db\" or a postgres:// URL, or leave the key out for the default")
		return "", false
	case isPostgresURL(s):
		if _, err := url.Parse(s); err != nil {
			d.errorf(path, "not a valid PostgreSQL URL (%v); use postgres://user:password@host:5432/dbname", errors.Unwrap(err))
			return "", false
		}
		return s, true
	case strings.Contains(s, "://"):
		d.errorf(path, "%q: unsupported URL; use a file path for SQLite or a postgres:// URL", s)
		return "", false
	}
	p := expandHome(s)
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p), true
}

func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New(`want host:port, e.g. "127.0.0.1:7070", ":7070" or "[::1]:7070"`)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q is not a host name or address", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return nil
}

func checkFeedURL(s string) error {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL (%v); want an absolute http:// or https:// URL", errors.Unwrap(err))
	}
	if sc := strings.ToLower(u.Scheme); sc != "http" && sc != "https" {
		return errors.New("want an absolute http:// or https:// URL")
	}
	if u.Hostname() == "" {
		return errors.New("no host; want an absolute http:// or https:// URL such as https://example.org/feed.xml")
	}
	return nil
}

// CanonicalURL checks that s is an absolute http or https URL and returns
// the one form under which tidings stores and looks up feed URLs: spaces
// around it trimmed, scheme and host lowercased, and a default port (80 for
// http, 443 for https) dropped. The path, query and fragment are kept as
// they are, an empty path too: "HTTP://Example.org:80" becomes
// "http://example.org". The error says what is wrong, without quoting s.
func CanonicalURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkFeedURL(s); err != nil {
		return "", err
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("not a URL (%v); want an absolute http:// or https:// URL", errors.Unwrap(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
	}
	return u.String(), nil
}
