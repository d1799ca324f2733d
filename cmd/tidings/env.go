package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tidings/config"
	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
	"tidings/store/postgres"
	"tidings/store/sqlite"
)

// env is what most commands work with: the loaded config, the open store
// with the config's [[feed]] blocks synced into it, and the logger.
type env struct {
	cfg   *config.Config
	store store.Store
	log   *slog.Logger
	// rd runs the use cases; userName is --user or TIDINGS_USER.
	rd       *reader.Reader
	userName string
	// readOnly is set when the database was opened read-only.
	readOnly bool
}

// actingUser returns the user the command acts for (reader.ActingUser).
// Several users and none named is a usage error: exit 2.
func (e *env) actingUser(ctx context.Context) (store.User, error) {
	u, err := e.rd.ActingUser(ctx, e.userName)
	var choose *reader.ChooseUserError
	if errors.As(err, &choose) {
		return u, usagef("%d users share this database (%s): say which one acts with --user NAME or TIDINGS_USER",
			len(choose.Names), strings.Join(choose.Names, ", "))
	}
	return u, err
}

// userFlag is the user named by --user, else by TIDINGS_USER.
func (c *cli) userFlag() string {
	if c.userName != "" {
		return c.userName
	}
	return os.Getenv("TIDINGS_USER")
}

// Close closes the store.
func (e *env) Close() error { return e.store.Close() }

// loadConfig loads the config named by --config (or TIDINGS_CONFIG, or the
// default file). Its errors are configErrors: exit status 2.
func (c *cli) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(c.configPath)
	if err != nil {
		return nil, &configError{err: err}
	}
	return cfg, nil
}

// open loads the config, opens the store and syncs the config's declared
// feeds into it. The caller closes the env.
func (c *cli) open(ctx context.Context) (*env, error) {
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	log := newLogger(c.stderr, cfg.LogLevel)
	st, err := openStore(ctx, cfg.Database)
	readOnly := false
	if errors.Is(err, sqlite.ErrReadOnly) && readsOnly(c.command) {
		// A file this process may only read: the reading commands work.
		st, err = openReadOnlyStore(ctx, cfg.Database, err, c.stderr)
		readOnly = true
	}
	if err != nil {
		return nil, err
	}
	// Only the daemon reports every change it syncs; for the other
	// commands that would be noise before their own output, except a
	// removal, which takes items with it.
	sync := syncDeclared
	if c.command != "run" {
		sync = func(ctx context.Context, st store.Store, cfg *config.Config, log *slog.Logger) error {
			return syncConfigFeeds(ctx, st, cfg, log, slog.LevelDebug, c.stderr)
		}
	}
	e := &env{cfg: cfg, store: st, log: log, userName: c.userFlag(), readOnly: readOnly}
	e.rd = reader.New(reader.Options{
		Store:           st,
		Fetcher:         newFetcher(cfg, log, c.now, nil),
		DefaultSchedule: cfg.Schedule,
		Now:             c.now,
		Logger:          log,
		SessionLifetime: cfg.Web.SessionLifetime,
	})
	if c.command != "user" && c.command != "token" && !readOnly {
		if err := sync(ctx, st, cfg, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	return e, nil
}

// newLogger returns a text logger on w at level ("debug", "info", "warn",
// "error"; anything else means info).
func newLogger(w io.Writer, level string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// openStore opens the backend that database names: a PostgreSQL URL
// (postgres:// or postgresql://) or a SQLite file path (its directory is
// created if missing).
func openStore(ctx context.Context, database string) (store.Store, error) {
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		db, err := postgres.Open(ctx, database)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL: %w", err)
		}
		return db, nil
	}
	if dir := filepath.Dir(database); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create the database directory: %w", err)
		}
	}
	db, err := sqlite.Open(ctx, database)
	if err != nil {
		// The store's errors start with the file's path already.
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// syncDeclared makes the store's config feeds equal the config's [[feed]]
// blocks, as `tidings run` does at start and on SIGHUP: every change is
// logged at info. See syncConfigFeeds.
func syncDeclared(ctx context.Context, st store.Store, cfg *config.Config, log *slog.Logger) error {
	return syncConfigFeeds(ctx, st, cfg, log, slog.LevelInfo, nil)
}

// syncConfigFeeds makes the store's config feeds equal the config's [[feed]]
// blocks, without ever removing feeds by accident:
//
//   - with no config file (cfg.File == ""), nothing is synced at all;
//   - the feeds of cfg.File, and those of config files that no longer exist
//     (deleted or renamed), are added, updated or removed;
//   - the feeds of another config file that still exists are left alone,
//     with one warning naming that file.
//
// Additions and updates are logged at level. Removals are said on removed
// when it is not nil, else logged at info; either way with the number of
// items that went (starred ones stay).
func syncConfigFeeds(ctx context.Context, st store.Store, cfg *config.Config, log *slog.Logger, level slog.Level, removed io.Writer) error {
	if cfg.File == "" {
		// Without a file there is nothing to compare with: an empty list
		// would remove every feed some config file declared.
		log.Debug("no config file: declared feeds left as they are")
		return nil
	}
	user, ok, err := configUser(ctx, st, cfg)
	if err != nil || !ok {
		return err
	}
	// The files, not the feeds: listing every feed with its counts at
	// every command would cost a pass over all items.
	files, err := st.ConfigFiles(ctx, user.ID)
	if err != nil {
		return fmt.Errorf("sync the feeds declared in %s: %w", cfg.File, err)
	}
	owned := []string{cfg.File}
	others := map[string]int{} // another existing config file -> its feeds
	for _, file := range slices.Sorted(maps.Keys(files)) {
		if file == cfg.File {
			continue
		}
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			owned = append(owned, file)
			continue
		}
		// Existing, or not known to be gone (unreadable): keep its feeds.
		others[file] = files[file]
	}
	for _, file := range slices.Sorted(maps.Keys(others)) {
		log.Warn("feeds declared by another config file left alone; load that file to change them, or delete it to remove them",
			slog.String("config", file), slog.Int("feeds", others[file]))
	}
	declared := make([]store.Subscription, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		declared = append(declared, store.Subscription{
			Feed:       store.Feed{URL: f.URL},
			UserTitle:  f.Title,
			Tags:       f.Tags,
			Schedule:   f.Schedule,
			Origin:     store.OriginConfig,
			ConfigFile: cfg.File,
			ConfigLine: f.Line,
		})
	}
	res, err := st.SyncDeclared(ctx, user.ID, owned, declared)
	if err != nil {
		return fmt.Errorf("sync the feeds declared in %s: %w", cfg.File, err)
	}
	if err := syncFullContent(ctx, st, user.ID, owned, cfg.Feeds); err != nil {
		return fmt.Errorf("sync the feeds declared in %s: %w", cfg.File, err)
	}
	logAll := func(msg string, urls []string) {
		for _, u := range urls {
			log.Log(ctx, level, msg, slog.String("feed_url", u))
		}
	}
	logAll("config feed added", res.Added)
	logAll("config feed updated", res.Updated)
	logAll("subscribed feed now declared in the config", res.Conflicts)
	logAll("config feed no longer declared: a user feed again", res.Released)
	for _, u := range res.Removed {
		if removed != nil {
			fmt.Fprintf(removed, "tidings: removed %s and its %s (starred ones kept): no longer declared in %s\n",
				u, plural(res.RemovedItems[u], "item"), cfg.File)
			continue
		}
		log.Info("config feed removed: no longer declared", slog.String("feed_url", u), slog.Int("items", res.RemovedItems[u]))
	}
	return nil
}

// configUser returns the user whose subscriptions the config's [[feed]]
// blocks are: its user key, else the only user (made now in a fresh
// database, as on any first use). ok is false when there is nothing to
// sync: no user key, several users, and no [[feed]] block.
func configUser(ctx context.Context, st store.Store, cfg *config.Config) (store.User, bool, error) {
	rd := reader.New(reader.Options{Store: st})
	u, err := rd.ActingUser(ctx, cfg.User)
	var choose *reader.ChooseUserError
	switch {
	case errors.As(err, &choose) && len(cfg.Feeds) == 0:
		return u, false, nil
	case errors.As(err, &choose):
		return u, false, &configError{err: fmt.Errorf("%s: the [[feed]] blocks belong to one user, and %d users share the database (%s): set user = \"NAME\" at the top of the file",
			cfg.File, len(choose.Names), strings.Join(choose.Names, ", "))}
	case errors.Is(err, store.ErrNotFound):
		return u, false, &configError{err: fmt.Errorf("%s: user = %q: no such user; add them with 'tidings user add %s'", cfg.File, cfg.User, cfg.User)}
	case err != nil:
		return u, false, fmt.Errorf("sync the feeds declared in %s: %w", cfg.File, err)
	}
	return u, true, nil
}

// writeConfigError prints a config error, one problem per line.
func writeConfigError(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintf(w, "tidings: %v\n", e)
			if e.Context != "" {
				fmt.Fprintln(w, strings.TrimRight(e.Context, "\n"))
			}
		}
		return
	}
	fmt.Fprintf(w, "tidings: %v\n", err)
}

// The one big store.Store covers the small interfaces its consumers declare;
// these lines fail to compile the day it does not.
var (
	_ fetch.Saver          = store.Store(nil)
	_ fetch.BatchSaver     = store.Store(nil)
	_ fetch.SchedulerStore = store.Store(nil)
	_ fetch.FeedLister     = store.Store(nil)
	_ store.Store          = (*sqlite.DB)(nil)
	_ store.Store          = (*postgres.DB)(nil)
)
