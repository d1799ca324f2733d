package main

import (
	"context"

	"tidings/config"
	"tidings/fetch"
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

// The store covers what Run's whole-article step needs; this fails to
// compile the day it does not.
var _ fetch.ArticleStore = store.Store(nil)
