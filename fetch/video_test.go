package fetch_test

import (
	"slices"
	"testing"

	"tidings/config"
	"tidings/fetch"
)

// TestDefaultIframeHostsMatchConfig: the starter file and the fetcher
// agree on the default video hosts.
func TestDefaultIframeHostsMatchConfig(t *testing.T) {
	if !slices.Equal(config.DefaultIframeHosts, fetch.DefaultIframeHosts) {
		t.Errorf("config.DefaultIframeHosts %q != fetch.DefaultIframeHosts %q", config.DefaultIframeHosts, fetch.DefaultIframeHosts)
	}
}
