package main

import (
	"context"

	"tidings/config"
	"tidings/store"
)

// syncFullContent makes the full_content of the config subscriptions of
// the owned files what their [[feed]] blocks say, after SyncDeclared.
func syncFullContent(ctx context.Context, st store.Store, userID int64, owned []string, feeds []config.Feed) error {
	var urls []string
	for _, f := range feeds {
		if f.FullContent {
			urls = append(urls, f.URL)
		}
	}
	return st.SyncFullContent(ctx, userID, owned, urls)
}
