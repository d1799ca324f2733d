package sqlite

import (
	"testing"

	"tidings/store"
	"tidings/store/storetest"
)

func TestIcons(t *testing.T) {
	storetest.RunIcons(t, func(t *testing.T) store.Store { return openTemp(t) })
}
