package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"tidings/config"
)

const initHelp = `Writes a commented starter config file to --config PATH, else to
$TIDINGS_CONFIG, else to the default place
($XDG_CONFIG_HOME/tidings/config.toml), creating its directory. An existing
file is never overwritten.`

func setupInit(_ *flag.FlagSet) runFunc {
	return runInit
}

func runInit(ctx context.Context, c *cli, args []string) error {
	if len(args) > 0 {
		return usagef("init takes no arguments; use --config PATH to choose where to write")
	}
	path := c.configPath
	if path == "" {
		path = os.Getenv("TIDINGS_CONFIG")
	}
	if path == "" {
		path = config.DefaultPath()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create the config directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; edit it, or choose another place with --config PATH", path)
	}
	if err != nil {
		return fmt.Errorf("write the config file: %w", err)
	}
	if _, err := f.WriteString(config.Starter()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write the config file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write the config file %s: %w", path, err)
	}
	fmt.Fprintf(c.stdout, "Wrote %s.\n", path)
	if c.configPath != "" && c.configPath != os.Getenv("TIDINGS_CONFIG") && path != config.DefaultPath() {
		fmt.Fprintf(c.stdout, "It is not in the default place: pass --config %s to every command, or set TIDINGS_CONFIG.\n", path)
	}
	fmt.Fprint(c.stdout, `Next:
  edit it to choose the database, the default schedule and [[feed]] blocks;
  tidings add URL      subscribes to a feed (tidings import FILE.opml to many);
  tidings fetch        fetches what is due now;
  tidings run          keeps every feed fresh on its schedule;
  tidings items        lists what arrived.
`)
	return nil
}
