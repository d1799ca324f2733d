package main

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestBatchGC(t *testing.T) {
	t.Run("raised for the batch, then restored", func(t *testing.T) {
		t.Setenv("GOGC", "") // empty is the runtime's default, not a choice
		before := gcPercent()
		restore := batchGC()
		if got := gcPercent(); got != batchGCPercent {
			t.Errorf("during the batch GC percent = %d, want %d", got, batchGCPercent)
		}
		restore()
		if got := gcPercent(); got != before {
			t.Errorf("after the batch GC percent = %d, want %d back", got, before)
		}
	})
	t.Run("GOGC set by the user wins", func(t *testing.T) {
		t.Setenv("GOGC", "50")
		before := gcPercent()
		restore := batchGC()
		if got := gcPercent(); got != before {
			t.Errorf("with GOGC set, GC percent = %d, want it left at %d", got, before)
		}
		restore()
	})
}
