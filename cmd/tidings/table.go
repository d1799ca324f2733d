package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
	"golang.org/x/term"
)

// writeTable writes rows as columns two spaces apart, each as wide as its
// widest cell in display width (an East Asian wide character takes two
// columns, a combining mark none), the last column unpadded.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], uniseg.StringWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// outputWidth is the width of the terminal stdout is, in columns, or 0 when
// stdout is not a terminal (no limit). COLUMNS, when set, wins.
func (c *cli) outputWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	if !c.terminal(c.stdout) {
		return 0
	}
	if f, ok := c.stdout.(*os.File); ok {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n >= 20 {
			return n
		}
	}
	return 0
}

// fitLast shortens the last cell of each row so that no row is wider than
// width (0: no limit), keeping at least min columns of it.
func fitLast(rows [][]string, width, min int) {
	if width <= 0 || len(rows) == 0 {
		return
	}
	n := len(rows[0])
	widths := make([]int, n)
	for _, row := range rows {
		for i, cell := range row[:n-1] {
			widths[i] = max(widths[i], uniseg.StringWidth(cell))
		}
	}
	used := 0
	for _, w := range widths[:n-1] {
		used += w + 2
	}
	room := max(width-used, min)
	for _, row := range rows {
		row[n-1] = truncate(row[n-1], room)
	}
}
