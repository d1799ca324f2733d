package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/store"
)

// declaredTitle is the title a [[feed]] block gives: config code may put it
// in UserTitle or in the feed's Title; either way it is stored as the
// user's title.
func declaredTitle(s store.Subscription) string {
	if s.UserTitle != "" {
		return text(s.UserTitle)
	}
	return text(s.Title)
}

// SyncDeclared makes the user's config subscriptions of the files in owned
// equal declared, in one transaction: adds missing ones, updates title,
// tags, schedule, file and line of changed ones, ends config
// subscriptions no longer declared whose ConfigFile is in owned (as
// Unsubscribe does), and takes over user subscriptions with a declared URL
// (listed in Conflicts), remembering the user's title, schedule and tags.
// A taken-over subscription no longer declared is given back to the user
// as it was (listed in Released). A URL declared twice counts once. Syncs
// for one user, from several processes, run one after the other.
func (db *DB) SyncDeclared(ctx context.Context, userID int64, owned []string, decl []store.Subscription) (store.SyncResult, error) {
	for _, d := range decl {
		if err := checkURL(d.URL); err != nil {
			return store.SyncResult{}, fmt.Errorf("sync declared feeds: %w", err)
		}
	}
	var res store.SyncResult
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = store.SyncResult{}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '/' || $2::bigint))",
			lockSync, userID); err != nil {
			return err
		}
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		existing, err := querySubs(ctx, tx, "SELECT "+subColumns+subFrom+" WHERE s.user_id = $1 ORDER BY s.id FOR UPDATE OF s", userID)
		if err != nil {
			return err
		}
		byURL := make(map[string]*sub, len(existing))
		for i := range existing {
			byURL[existing[i].URL] = &existing[i]
		}
		for i := range existing {
			if f := existing[i].FetchURL; f != "" && byURL[f] == nil {
				byURL[f] = &existing[i]
			}
		}
		now := time.Now()
		wanted := make(map[int64]bool, len(decl))
		seen := make(map[string]bool, len(decl))
		for _, d := range decl {
			d.URL = text(d.URL)
			if seen[d.URL] {
				continue
			}
			seen[d.URL] = true
			title, sched, file, tags := declaredTitle(d), text(d.Schedule), text(d.ConfigFile), cleanTags(d.Tags)
			cur, ok := byURL[d.URL]
			if !ok {
				s := store.Subscription{Feed: d.Feed, UserTitle: title, Tags: tags, Schedule: sched,
					Origin: store.OriginConfig, ConfigFile: file, ConfigLine: d.ConfigLine}
				id, added, err := subscribe(ctx, tx, userID, s, now)
				if err != nil {
					return fmt.Errorf("subscribe to %s: %w", d.URL, err)
				}
				if added {
					res.Added = append(res.Added, d.URL)
				}
				wanted[id] = true
				continue
			}
			wanted[cur.id] = true
			if cur.Origin == store.OriginConfig && cur.UserTitle == title && cur.Schedule == sched &&
				cur.ConfigFile == file && cur.ConfigLine == d.ConfigLine && store.SameTags(cur.Tags, tags) {
				continue
			}
			if cur.Origin != store.OriginConfig {
				// Keep what the user had, to give it back when the
				// block goes.
				if _, err := tx.Exec(ctx, `UPDATE subscriptions SET prior_user = true, prior_title = title,
					prior_schedule = schedule, prior_tags = $2 WHERE id = $1`, cur.id, cur.Tags); err != nil {
					return fmt.Errorf("take over %s: %w", d.URL, err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE subscriptions SET origin = 'config', title = $2, schedule = $3,
				config_file = $4, config_line = $5 WHERE id = $1`, cur.id, title, sched, file, d.ConfigLine); err != nil {
				return fmt.Errorf("update %s: %w", d.URL, err)
			}
			if !store.SameTags(cur.Tags, tags) {
				if err := setTags(ctx, tx, userID, cur.id, tags); err != nil {
					return fmt.Errorf("update %s: %w", d.URL, err)
				}
			}
			if cur.Origin != store.OriginConfig {
				res.Conflicts = append(res.Conflicts, d.URL)
			} else {
				res.Updated = append(res.Updated, d.URL)
			}
		}
		mine := make(map[string]bool, len(owned))
		for _, file := range owned {
			mine[text(file)] = true
		}
		for _, s := range existing {
			// A subscription declared by a file this sync does not speak
			// for stays: another config file may still declare it.
			if s.Origin != store.OriginConfig || wanted[s.id] || !mine[s.ConfigFile] {
				continue
			}
			if s.priorUser {
				// A taken-over user subscription goes back to the user,
				// items and all, with the user's own title, schedule
				// and tags.
				if _, err := tx.Exec(ctx, `UPDATE subscriptions SET origin = 'user', title = prior_title,
					schedule = prior_schedule, config_file = '', config_line = 0,
					prior_user = false, prior_title = '', prior_schedule = '', prior_tags = '{}'
					WHERE id = $1`, s.id); err != nil {
					return fmt.Errorf("give back %s: %w", s.URL, err)
				}
				if err := setTags(ctx, tx, userID, s.id, s.priorTags); err != nil {
					return fmt.Errorf("give back %s: %w", s.URL, err)
				}
				res.Released = append(res.Released, s.URL)
				continue
			}
			if err := unsubscribe(ctx, tx, s); err != nil {
				return fmt.Errorf("unsubscribe from %s: %w", s.URL, err)
			}
			res.Removed = append(res.Removed, s.URL)
			if res.RemovedItems == nil {
				res.RemovedItems = make(map[string]int)
			}
			res.RemovedItems[s.URL] = s.Items
		}
		return nil
	})
	if err != nil {
		return store.SyncResult{}, fmt.Errorf("sync declared feeds: %w", err)
	}
	return res, nil
}
