package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
	for _, cmd := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", cmd.name, cmd.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Every command takes --config PATH (default: $TIDINGS_CONFIG, else
$XDG_CONFIG_HOME/tidings/config.toml; no file there means all defaults).
Flags may come before or after the arguments.

Exit status: 0 success, 1 failure, 2 usage or config error.

Run 'tidings help COMMAND' for a command's flags.
`)
}

// writeCommandHelp writes a command's usage, its description and each of its
// flags.
func writeCommandHelp(w io.Writer, cmd command) {
	var configPath string
	fs := newFlagSet(cmd, &configPath)
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
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
