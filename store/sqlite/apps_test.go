package sqlite

import (
	"testing"

	"tidings/store"
	"tidings/store/storetest"
)

func TestApps(t *testing.T) {
	storetest.RunApps(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestAppsFewRecent runs the suite with NewestStored's walk of the newest
// items cut to one, so that most feeds' newest item is found by their
// index instead.
func TestAppsFewRecent(t *testing.T) {
	defer func(n int) { recentItems = n }(recentItems)
	recentItems = 1
	storetest.RunApps(t, func(t *testing.T) store.Store { return openTemp(t) })
}
