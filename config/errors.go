package config

import (
	"io/fs"
	"strconv"
	"strings"
)

// Error is one problem found in a config file.
//
// Its message reads "FILE:LINE: KEY: MSG"; the parts that are not known
// (File or Line zero, Key empty) are left out.
type Error struct {
	// File is the config file as the user named it.
	File string
	// Line is the 1-based line of the problem; 0 when unknown.
	Line int
	// Key is the dotted key the problem is about ("fetch.timeout",
	// "feed.url"), without array indexes; empty for syntax errors.
	Key string
	// Msg says what is wrong and what is accepted instead.
	Msg string
	// Context is, for syntax errors, the offending lines of the file with a
	// caret under the error, for a terminal; empty otherwise. Error() leaves
	// it out so that every Error stays on one line.
	Context string
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	loc := e.File
	if e.Line > 0 {
		if loc != "" {
			loc += ":" + strconv.Itoa(e.Line)
		} else {
			loc = "line " + strconv.Itoa(e.Line)
		}
	}
	for _, part := range []string{loc, e.Key, e.Msg} {
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(part)
	}
	return b.String()
}

// Errors is every problem found in one config file, in the order of their
// lines. Load returns it (as its error) whenever the file has problems.
type Errors []*Error

// Error implements error: one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.As finds an *Error in Errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// missingError is a named config file that does not exist. It matches
// fs.ErrNotExist without repeating that error's text after its own, which
// already says so and what to do.
type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }
func (e *missingError) Unwrap() error { return fs.ErrNotExist }
