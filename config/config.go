// Package config loads and validates the tidings configuration file (TOML),
// fills in defaults and applies the environment overrides.
//
// Every problem in a file is reported at once, each with its file, line and
// key (see Errors), so a broken config never starts a half-configured
// program. The package never writes the file; Starter returns the text that
// `tidings init` writes.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Environment variables that Load reads.
const (
	// EnvConfig names the config file when Load is given no path.
	EnvConfig = "TIDINGS_CONFIG"
	// EnvDatabase overrides the database key; a relative path in it is
	// relative to the current directory.
	EnvDatabase = "TIDINGS_DATABASE"
)

// Defaults of the keys that have a fixed default.
const (
	DefaultSchedule       = "@every 30m"
	DefaultListen         = "127.0.0.1:7070"
	DefaultLogLevel       = "info"
	DefaultShutdownGrace  = 30 * time.Second
	DefaultConcurrency    = 32
	DefaultPerHost        = 2
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBody        = 16 << 20
	DefaultMaxItems       = 5000
	DefaultMaxServerDelay = 4 * time.Hour
	DefaultReadAfter      = 90 * 24 * time.Hour
	DefaultQueryTimeout   = 5 * time.Second
)

// Config is a loaded, validated configuration. Every field holds a usable
// value: the file's, or the default.
type Config struct {
	// File is the absolute path of the file loaded; "" when none existed
	// and everything is a default.
	File string
	// Database is an absolute SQLite file path, or a postgres:// or
	// postgresql:// URL exactly as given.
	Database string
	// Schedule is the default schedule of feeds without their own, in the
	// form NormalizeSchedule gives.
	Schedule string
	// Listen is the host:port of the web server of `tidings run`.
	Listen string
	// LogLevel is "debug", "info", "warn" or "error".
	LogLevel string
	// User is the tidings user whose subscriptions the [[feed]] blocks
	// are; "" means the only user.
	User string
	// ShutdownGrace is how long `tidings run` lets in-flight fetches finish
	// after SIGINT/SIGTERM.
	ShutdownGrace time.Duration
	Fetch         Fetch
	Retention     Retention
	Store         Store
	Content       Content
	Web           Web
	// Feeds are the [[feed]] blocks, in file order, with distinct URLs.
	Feeds []Feed
}

// Fetch is the [fetch] table: how feeds are downloaded.
type Fetch struct {
	// Concurrency bounds the fetches in flight at once (>= 1).
	Concurrency int
	// PerHost bounds the fetches in flight to one host (>= 1).
	PerHost int
	// AllowPrivateNetworks lets feeds on loopback, private and link-local
	// addresses be fetched.
	AllowPrivateNetworks bool
	// Timeout bounds one fetch, from connecting to the end of the body (> 0).
	Timeout time.Duration
	// MaxBody caps the size of a response body in bytes, after
	// decompression (> 0).
	MaxBody int64
	// MaxItems caps the items kept from one fetch: the newest (>= 1).
	MaxItems int
	// MaxServerDelay caps how long Cache-Control, Expires, ttl and
	// sy:updatePeriod may delay a feed's next fetch (>= 0).
	MaxServerDelay time.Duration
}

// Retention is the [retention] table: what housekeeping deletes.
type Retention struct {
	// ReadAfter is the age after which read, unstarred items are deleted;
	// 0 disables pruning.
	ReadAfter time.Duration
}

// Store is the [store] table: limits of the database's work for users.
type Store struct {
	// QueryTimeout bounds every listing, count and search (> 0).
	QueryTimeout time.Duration
}

// DefaultIframeHosts is the default of content.iframe_hosts; the same as
// fetch.DefaultIframeHosts (a test in fetch checks it).
var DefaultIframeHosts = []string{"youtube.com", "youtube-nocookie.com", "vimeo.com", "dailymotion.com"}

// Content is the [content] table: what item HTML may keep.
type Content struct {
	// IframeHosts are the video hosts whose players items may embed
	// (a host allows its subdomains), lowercased, without repeats; never
	// nil. An empty list allows none.
	IframeHosts []string
}

// Feed is one [[feed]] block.
type Feed struct {
	// URL is an absolute http or https URL in the form CanonicalURL gives.
	URL string
	// Title overrides the feed's own title when not empty.
	Title string
	// Tags are valid tags (ValidTag), lowercased, without duplicates; nil
	// when none.
	Tags []string
	// Schedule is the feed's own schedule in the form NormalizeSchedule
	// gives; "" means Config.Schedule.
	Schedule string
	// FullContent asks for the whole article of each new item, fetched
	// from its web page (full_content = true).
	FullContent bool
	// Line is the line of the feed's [[feed]] header in Config.File.
	Line int
}

// FeedSchedule returns the schedule f runs on: its own, or the default.
func (c *Config) FeedSchedule(f Feed) string {
	if f.Schedule != "" {
		return f.Schedule
	}
	return c.Schedule
}

// Default returns a configuration of defaults only, with Database set to
// DefaultDatabasePath(). It reads no file and no environment variable other
// than those that DefaultDatabasePath reads.
func Default() *Config {
	return &Config{
		Database:      DefaultDatabasePath(),
		Schedule:      DefaultSchedule,
		Listen:        DefaultListen,
		LogLevel:      DefaultLogLevel,
		ShutdownGrace: DefaultShutdownGrace,
		Fetch: Fetch{
			Concurrency:    DefaultConcurrency,
			PerHost:        DefaultPerHost,
			Timeout:        DefaultTimeout,
			MaxBody:        DefaultMaxBody,
			MaxItems:       DefaultMaxItems,
			MaxServerDelay: DefaultMaxServerDelay,
		},
		Retention: Retention{ReadAfter: DefaultReadAfter},
		Store:     Store{QueryTimeout: DefaultQueryTimeout},
		Content:   Content{IframeHosts: slices.Clone(DefaultIframeHosts)},
		Web:       defaultWeb(),
	}
}

// DefaultPath returns where the config file is looked for when none is named:
// $XDG_CONFIG_HOME/tidings/config.toml, else ~/.config/tidings/config.toml.
// A relative XDG_CONFIG_HOME is ignored, as the XDG spec asks. Without a home
// directory, the path is relative to the current directory.
func DefaultPath() string {
	return filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "tidings", "config.toml")
}

// DefaultDatabasePath returns the default SQLite database:
// $XDG_DATA_HOME/tidings/tidings.db, else ~/.local/share/tidings/tidings.db.
// A relative XDG_DATA_HOME is ignored, as the XDG spec asks.
func DefaultDatabasePath() string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share")), "tidings", "tidings.db")
}

func xdgDir(env, underHome string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		if wd, werr := os.Getwd(); werr == nil {
			return filepath.Join(wd, underHome)
		}
		return underHome
	}
	return filepath.Join(home, underHome)
}

// Load reads, validates and completes the config file at path.
//
// An empty path means $TIDINGS_CONFIG when set, else DefaultPath(); when that
// default file does not exist, Load returns Default() and no error (File is
// then ""). A named file (argument or TIDINGS_CONFIG) that does not exist is
// an error matching fs.ErrNotExist that suggests `tidings init --config PATH`.
//
// A relative database path in the file is relative to the file's directory;
// "~/" is the home directory. TIDINGS_DATABASE, when set, replaces the
// database (a relative path there is relative to the current directory).
//
// When the file has problems, the error is an Errors listing all of them, in
// line order, each with file, line and key; no Config is returned then.
func Load(path string) (*Config, error) {
	path, named := resolvePath(path)
	abs, err := filepath.Abs(expandHome(path))
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !named {
				c := Default()
				return c, applyEnv(c)
			}
			return nil, &missingError{msg: fmt.Sprintf("config file %s does not exist; create one with `tidings init --config %s`, or leave out --config and %s to use the defaults",
				path, path, EnvConfig)}
		}
		return nil, fmt.Errorf("read config file: %w", err)
	}
	c, err := parse(path, abs, data)
	if err != nil {
		return nil, err
	}
	if err := applyEnv(c); err != nil {
		return nil, err
	}
	return c, nil
}

// ResolvePath returns the config file that Load(path) reads: path itself
// when not empty, else $TIDINGS_CONFIG when set, else DefaultPath(). It is
// where `tidings init` writes the starter file.
func ResolvePath(path string) string {
	p, _ := resolvePath(path)
	return p
}

// resolvePath also reports whether the file was named by the user (argument
// or environment), in which case its absence is an error.
func resolvePath(path string) (string, bool) {
	if path != "" {
		return path, true
	}
	if env := os.Getenv(EnvConfig); env != "" {
		return env, true
	}
	return DefaultPath(), false
}

// SlogLevel returns LogLevel as a slog.Level (info for an unknown value,
// which Load never returns).
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// applyEnv applies TIDINGS_DATABASE.
func applyEnv(c *Config) error {
	db := os.Getenv(EnvDatabase)
	if db == "" {
		return nil
	}
	if isPostgresURL(db) {
		c.Database = db
		return nil
	}
	abs, err := filepath.Abs(expandHome(db))
	if err != nil {
		return fmt.Errorf("%s=%s: %w", EnvDatabase, db, err)
	}
	c.Database = abs
	return nil
}

func isPostgresURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// expandHome replaces a leading "~/" (or a lone "~") with the home directory;
// it leaves p alone when there is no home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, p[1:])
}
