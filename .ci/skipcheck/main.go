// Command skipcheck reads `go test -json` on stdin, passes the tests'
// output through to stdout, and fails when a test was skipped (other than
// the helper processes, which skip by design in the parent run) or when
// go test failed. CI runs the suite through it, so that a test that did
// not run is noticed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	// skipOut holds each test's output, to tell a helper process's skip
	// from a real one by its message.
	out := make(map[string]*strings.Builder)
	var skipped []string
	failed := false
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON: a build error, say; show it.
			fmt.Println(sc.Text())
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			fmt.Print(e.Output)
			if e.Test != "" {
				if out[key] == nil {
					out[key] = &strings.Builder{}
				}
				out[key].WriteString(e.Output)
			}
		case "skip":
			if e.Test == "" {
				// A package without tests.
				continue
			}
			msg := ""
			if b := out[key]; b != nil {
				msg = b.String()
			}
			if !strings.Contains(msg, "helper process") {
				skipped = append(skipped, key+": "+strings.TrimSpace(lastLine(msg)))
			}
		case "fail":
			failed = true
		}
		if e.Action == "pass" || e.Action == "fail" || e.Action == "skip" {
			delete(out, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "skipcheck:", err)
		os.Exit(1)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(os.Stderr, "%d tests skipped under CI=true; every test must run in CI:\n", len(skipped))
		for _, s := range skipped {
			fmt.Fprintln(os.Stderr, "  "+s)
		}
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
