package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"tidings/fetch"
)

const versionHelp = `Prints the version of tidings (the one its User-Agent sends), the source
revision and time it was built from, and the Go version. 'tidings --version'
does the same.`

func setupVersion(_ *flag.FlagSet) runFunc {
	return func(_ context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("version takes no arguments")
		}
		writeVersion(c.stdout)
		return nil
	}
}

// writeVersion prints the version from the build information.
func writeVersion(w io.Writer) {
	fmt.Fprintf(w, "tidings %s\n", fetch.BuildVersion())
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, at, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (with uncommitted changes)"
				}
			}
		}
		if rev != "" {
			fmt.Fprintf(w, "revision %s%s, %s\n", rev, modified, at)
		}
	}
	fmt.Fprintf(w, "built with %s\n", runtime.Version())
}
