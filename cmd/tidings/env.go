package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"tidings/config"
	"tidings/fetch"
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
	if err != nil {
		return nil, err
	}
	if err := syncDeclared(ctx, st, cfg, log); err != nil {
		st.Close()
		return nil, err
	}
	return &env{cfg: cfg, store: st, log: log}, nil
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
// blocks, and logs what changed.
func syncDeclared(ctx context.Context, st store.Store, cfg *config.Config, log *slog.Logger) error {
	declared := make([]store.Feed, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		declared = append(declared, store.Feed{
			URL:        f.URL,
			UserTitle:  f.Title,
			Tags:       f.Tags,
			Schedule:   f.Schedule,
			Origin:     store.OriginConfig,
			ConfigFile: cfg.File,
			ConfigLine: f.Line,
		})
	}
	res, err := st.SyncDeclared(ctx, []string{cfg.File}, declared)
	if err != nil {
		return fmt.Errorf("sync the feeds declared in %s: %w", cfg.File, err)
	}
	for _, u := range res.Added {
		log.Info("config feed added", slog.String("feed_url", u))
	}
	for _, u := range res.Removed {
		log.Info("config feed removed", slog.String("feed_url", u))
	}
	for _, u := range res.Conflicts {
		log.Info("subscribed feed now declared in the config", slog.String("feed_url", u))
	}
	return nil
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
	_ fetch.SchedulerStore = store.Store(nil)
	_ fetch.FeedLister     = store.Store(nil)
	_ store.Store          = (*sqlite.DB)(nil)
	_ store.Store          = (*postgres.DB)(nil)
)
