package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

const helpHelp = `Without a command, lists every command. With one, explains it and each of
its flags. ` + "`tidings COMMAND -h`" + ` does the same.`

func setupHelp(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		switch len(args) {
		case 0:
			writeOverview(c.stdout)
			return nil
		case 1:
			cmd, ok := findCommand(args[0])
			if !ok {
				return usagef("unknown command %q", args[0])
			}
			writeCommandHelp(c.stdout, cmd)
			return nil
		}
		return usagef("help takes at most one command")
	}
}

// writeOverview writes the list of commands, the global flags and the exit
// statuses.
func writeOverview(w io.Writer) {
	fmt.Fprint(w, `tidings keeps the feeds you subscribe to and every item they publish.

Usage: tidings [--config PATH] COMMAND [ARGUMENTS] [FLAGS]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, cmd := range helpOrder(commands()) {
		fmt.Fprintf(tw, "  %s\t%s\n", cmd.name, cmd.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Every command takes --config PATH (default: $TIDINGS_CONFIG, else
$XDG_CONFIG_HOME/tidings/config.toml; no file there means all defaults).
Those that act for a user take --user NAME (default: $TIDINGS_USER, else
the only user): add, edit, remove, feeds, import, export, fetch, items,
show, read, unread, star, unstar, search and token.
Flags may come before or after the arguments.

Exit status: 0 success, 1 failure, 2 usage or config error.

Run 'tidings help COMMAND' for a command's flags.
`)
}

// writeCommandHelp writes a command's usage, its description and each of its
// flags.
func writeCommandHelp(w io.Writer, cmd command) {
	var configPath, userName string
	fs := newFlagSet(cmd, &configPath, &userName)
	cmd.setup(fs)
	synopsis := "tidings " + cmd.name
	if cmd.args != "" {
		synopsis += " " + cmd.args
	}
	fmt.Fprintf(w, "Usage: %s [FLAGS]\n\n%s.\n", synopsis, capitalize(cmd.summary))
	if cmd.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "user" && !actsForUser(cmd.name) {
			// Every command parses it; only these use it.
			return
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n%s", line, wrapText(usage, "      ", helpWidth))
	})
}

// helpOrder returns cmds in the order DESIGN.md lists the commands (init,
// add, remove, feeds, import, export, fetch, run, items, show, read,
// unread, star, search, prune, user, token, version), each command it does
// not list right after its nearest kin: edit after add, unstar after star,
// check and backup after prune, help last.
func helpOrder(cmds []command) []command {
	order := []string{"init", "add", "edit", "remove", "feeds", "import", "export", "fetch", "run",
		"items", "show", "read", "unread", "star", "unstar", "search", "prune", "check", "backup",
		"user", "token", "version", "help"}
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order) // a new command not placed yet: at the end
	}
	out := slices.Clone(cmds)
	slices.SortStableFunc(out, func(a, b command) int { return rank(a.name) - rank(b.name) })
	return out
}

// actsForUser reports whether the command called name acts for a user
// (--user, $TIDINGS_USER, else the only user): those that read or change
// one user's subscriptions, items or tokens.
func actsForUser(name string) bool {
	switch name {
	case "add", "edit", "remove", "feeds", "import", "export", "fetch",
		"items", "show", "read", "unread", "star", "unstar", "search", "token":
		return true
	}
	return false
}

// helpWidth is the width help text is wrapped to: a default terminal's.
const helpWidth = 80

// wrapText breaks s into lines of at most width characters (a longer word
// stays whole on its own line), each starting with indent and ending with a
// newline.
func wrapText(s, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(s) {
		if line != indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
