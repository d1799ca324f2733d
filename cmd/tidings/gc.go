package main

import (
	"os"
	"runtime/debug"
)

// batchGCPercent is the garbage collector's target for a fetch run: the
// heap may grow to three times what is live before a collection, against
// twice by default. A fetch run's live heap is small (tens of MB) and
// almost everything it allocates is gofeed's short-lived parse garbage, so
// collecting half as often cuts the run's CPU by about a quarter for
// about 10 MB more peak RSS (README, Performance).
const batchGCPercent = 200

// fetchMemoryLimit is the collector's soft memory limit while fetching
// (`tidings fetch` and `tidings run`): far above what normal feeds take
// (a cold fetch of 1,000 feeds peaks under 100 MB), so that it costs them
// nothing, and what keeps hostile ones bounded. One 100,000-item feed
// keeps some 120 MB live while it is parsed; with GOGC at 200 the heap
// grew to three times that before a collection. Measured with 32 hostile
// feeds at once (README, Performance): 495 MB peak RSS without the limit,
// 224 MB with it.
const fetchMemoryLimit = 180 << 20

// batchGC sets the collector's target for a batch of fetches and returns
// the function that puts it back. A GOGC the user set wins; an empty
// one means the default, as it does for the runtime. The memory limit is
// set as by fetchGC.
func batchGC() (restore func()) {
	limit := fetchGC()
	if os.Getenv("GOGC") != "" {
		return limit
	}
	old := debug.SetGCPercent(batchGCPercent)
	return func() {
		debug.SetGCPercent(old)
		limit()
	}
}

// fetchGC sets the soft memory limit of a process that fetches to
// fetchMemoryLimit, unless the user set GOMEMLIMIT, and returns the
// function that puts it back.
func fetchGC() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetMemoryLimit(fetchMemoryLimit)
	return func() { debug.SetMemoryLimit(old) }
}
