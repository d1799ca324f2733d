// Command tidings is a self-hosted feed aggregator: it fetches the RSS, Atom
// and JSON Feed sources you subscribe to and keeps every item for reading
// from the command line.
//
// Run `tidings help` for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	stopProfile := startProfile(os.Stderr)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// Exit statuses of the tidings command.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the command failed
	exitUsage   = 2 // bad command line or bad config file
)

// Main runs tidings with args (without the program name) and returns the
// process exit status: 0 on success, 1 on failure, 2 on a usage or config
// error. It reads the clock with time.Now.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, isTerminal: isTerminal}
	return c.main(ctx, args)
}

// cli is one invocation of tidings: its standard streams, its clock and the
// global flags. Commands receive it and build what they need from it.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// now is the clock; tests fix it so golden output is stable.
	now func() time.Time
	// isTerminal reports whether a stream (stdin or stdout) is a terminal;
	// nil means never. Tests stand in for a terminal with it.
	isTerminal func(v any) bool
	// configPath is --config; empty means TIDINGS_CONFIG or the default file.
	configPath string
	// jsonOut is a command's --json, for code it shares with others.
	jsonOut bool
	// userName is --user; empty means TIDINGS_USER, else the only user.
	userName string
	// command is the name of the command running, set by runCommand.
	command string
}

// runFunc runs a command with the positional arguments left after flag
// parsing.
type runFunc func(ctx context.Context, c *cli, args []string) error

// A command is one subcommand of tidings.
type command struct {
	name    string
	args    string // synopsis of the positional arguments, e.g. "ID..."
	summary string // one line for `tidings help`
	help    string // what `tidings help NAME` says before the flags
	// setup declares the command's flags on fs (--config is already there)
	// and returns the function that runs it.
	setup func(fs *flag.FlagSet) runFunc
}

// commands is the table of subcommands, in the order `tidings help` lists
// them. A new command is one file with its setup function and one line here.
func commands() []command {
	return []command{
		{name: "init", args: "", summary: "write a commented starter config file", help: initHelp, setup: setupInit},
		{name: "add", args: "URL", summary: "subscribe to a feed", help: addHelp, setup: setupAdd},
		{name: "edit", args: "URL", summary: "change a feed's title, tags or schedule", help: editHelp, setup: setupEdit},
		{name: "remove", args: "URL", summary: "unsubscribe from a feed", help: removeHelp, setup: setupRemove},
		{name: "feeds", args: "", summary: "list subscriptions and their state", help: feedsHelp, setup: setupFeeds},
		{name: "import", args: "FILE.opml", summary: "subscribe to every feed of an OPML file", help: importHelp, setup: setupImport},
		{name: "export", args: "", summary: "print the subscriptions as OPML", help: exportHelp, setup: setupExport},
		{name: "fetch", args: "[URL...]", summary: "fetch due feeds (or all, or the ones named) now", help: fetchHelp, setup: setupFetch},
		{name: "items", args: "", summary: "list items, newest first", help: itemsHelp, setup: setupItems},
		{name: "show", args: "ID", summary: "print an item as text and mark it read", help: showHelp, setup: setupShow},
		{name: "read", args: "ID...", summary: "mark items read", help: readHelp, setup: setupRead},
		{name: "unread", args: "ID...", summary: "mark items unread", help: unreadHelp, setup: setupUnread},
		{name: "star", args: "ID...", summary: "star items", help: starHelp, setup: setupStar},
		{name: "unstar", args: "ID...", summary: "unstar items", help: unstarHelp, setup: setupUnstar},
		{name: "search", args: "QUERY", summary: "full-text search over titles and content", help: searchHelp, setup: setupSearch},
		{name: "prune", args: "", summary: "delete old read items per [retention]", help: pruneHelp, setup: setupPrune},
		{name: "check", args: "", summary: "check the database file for damage", help: checkHelp, setup: setupCheck},
		{name: "backup", args: "FILE", summary: "copy the database to FILE while it is in use", help: backupHelp, setup: setupBackup},
		{name: "run", args: "", summary: "run the daemon: fetch feeds on schedule, serve the web page and APIs", help: runHelp, setup: setupRun},
		{name: "serve", args: "", summary: "serve the web page and the APIs without fetching", help: serveHelp, setup: setupServe},
		{name: "user", args: "add|list|passwd|remove [NAME]", summary: "manage the people who use this database", help: userHelp, setup: setupUser},
		{name: "token", args: "add|list|revoke NAME [ID]", summary: "manage a user's app passwords for scripts and apps", help: tokenHelp, setup: setupToken},
		{name: "version", args: "", summary: "print the version of tidings", help: versionHelp, setup: setupVersion},
		{name: "help", args: "[COMMAND]", summary: "explain a command and its flags", help: helpHelp, setup: setupHelp},
	}
}

// findCommand returns the command called name.
func findCommand(name string) (command, bool) {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd, true
		}
	}
	return command{}, false
}

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// configError is a config file that cannot be loaded or is invalid; it exits
// with status 2.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func (c *cli) main(ctx context.Context, args []string) int {
	global := flag.NewFlagSet("tidings", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.Usage = func() {}
	global.StringVar(&c.configPath, "config", "", "")
	global.StringVar(&c.userName, "user", "", "")
	showVersion := global.Bool("version", false, "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeOverview(c.stdout)
			return exitOK
		}
		fmt.Fprintf(c.stderr, "tidings: %v\nRun 'tidings help' for usage.\n", err)
		return exitUsage
	}
	args = global.Args()
	if *showVersion {
		writeVersion(c.stdout)
		return exitOK
	}
	if len(args) == 0 {
		writeOverview(c.stderr)
		return exitUsage
	}
	cmd, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(c.stderr, "tidings: unknown command %q\nRun 'tidings help' for the list of commands.\n", args[0])
		return exitUsage
	}
	return c.runCommand(ctx, cmd, args[1:])
}

// runCommand parses the command's flags (anywhere on the line), runs it and
// turns its error into a message and an exit status.
func (c *cli) runCommand(ctx context.Context, cmd command, args []string) int {
	c.command = cmd.name
	fs := newFlagSet(cmd, &c.configPath, &c.userName)
	run := cmd.setup(fs)
	if err := fs.Parse(reorderArgs(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeCommandHelp(c.stdout, cmd)
			return exitOK
		}
		fmt.Fprintf(c.stderr, "tidings %s: %v\nRun 'tidings help %s' for usage.\n", cmd.name, err, cmd.name)
		return exitUsage
	}
	err := run(ctx, c, fs.Args())
	if err == nil {
		return exitOK
	}
	var uerr *usageError
	var cerr *configError
	switch {
	case errors.As(err, &uerr):
		fmt.Fprintf(c.stderr, "tidings %s: %v\nRun 'tidings help %s' for usage.\n", cmd.name, err, cmd.name)
		return exitUsage
	case errors.As(err, &cerr):
		writeConfigError(c.stderr, cerr.err)
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "tidings %s: %v\n", cmd.name, err)
	return exitFailure
}

// newFlagSet returns the flag set of cmd with --config declared, writing
// nothing itself: runCommand reports errors and help.
func newFlagSet(cmd command, configPath, userName *string) *flag.FlagSet {
	fs := flag.NewFlagSet("tidings "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usage := "read the config file at `PATH` (default: $TIDINGS_CONFIG, else $XDG_CONFIG_HOME/tidings/config.toml)"
	if cmd.name == "init" {
		usage = "where to write the config file (`PATH`; default: $TIDINGS_CONFIG, else $XDG_CONFIG_HOME/tidings/config.toml)"
	}
	fs.StringVar(configPath, "config", *configPath, usage)
	fs.StringVar(userName, "user", *userName, "act for the user `NAME` (default: $TIDINGS_USER, else the only user)")
	return fs
}

// reorderArgs moves the flags of args in front of the positional arguments,
// so that `tidings add URL --tag go` works like `tidings add --tag go URL`.
// A "--" ends the flags; everything after it is positional.
func reorderArgs(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			// Left for Parse to report as unknown.
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(append(flags, "--"), positional...)
}

// stringsFlag is a flag that may be repeated: --tag a --tag b.
type stringsFlag []string

func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// optionalString is a string flag that remembers whether it was given, so
// that `--title ""` can be told from no --title.
type optionalString struct {
	value string
	set   bool
}

func (o *optionalString) String() string { return o.value }

func (o *optionalString) Set(v string) error {
	o.value, o.set = v, true
	return nil
}

// limitFlag is --limit: it remembers whether it was given, because the
// default differs for people (50) and for --json (everything).
type limitFlag struct {
	n   int
	set bool
}

func (l *limitFlag) String() string { return fmt.Sprint(l.n) }

func (l *limitFlag) Set(v string) error {
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n < 0 || fmt.Sprint(n) != strings.TrimSpace(v) {
		return fmt.Errorf("want a number of items, 0 or more")
	}
	l.n, l.set = n, true
	return nil
}

// effective returns the limit to use: the given one, else everything for
// JSON and defaultHuman for people.
func (l *limitFlag) effective(jsonOut bool, defaultHuman int) int {
	switch {
	case l.set:
		return l.n
	case jsonOut:
		return 0
	}
	return defaultHuman
}
