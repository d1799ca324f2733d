package postgres

import (
	"testing"

	"tidings/store"
	"tidings/store/storetest"
)

func TestApps(t *testing.T) {
	storetest.RunApps(t, func(t *testing.T) store.Store { return openEmpty(t) })
}
