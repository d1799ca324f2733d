package postgres

import (
	"testing"

	"tidings/store"
	"tidings/store/storetest"
)

// TestStore runs the conformance suite.
func TestStore(t *testing.T) {
	server(t) // skip once, not in every subtest, when there is no server
	storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
}
