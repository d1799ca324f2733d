package sqlite

import (
	"strings"
	"testing"

	"tidings/store"
)

// TestQueryPlansUseIndexes checks that the statements run per claim, per
// scheduler tick and per saved fetch search an index instead of scanning a
// table (or walk an index in order): they must stay fast with 100,000 feeds and millions of items.
func TestQueryPlansUseIndexes(t *testing.T) {
	db := openTemp(t)
	tests := []struct {
		name  string
		query string
		args  []any
		want  string // an index the plan must use
	}{
		{"claim due", claimSQL(claimDue), []any{nil, 1, 2, 10, 0}, "feeds_due"},
		{"claim all", claimSQL(claimAll), []any{nil, 1, 2, 10, 0}, "feeds_due"},
		{"claim user", claimSQL(claimUser), []any{nil, 1, 2, 10, 1}, "sqlite_autoindex_subscriptions_1"},
		{"claim urls", claimSQL(claimURLs), []any{`["https://x.test/"]`, 1, 2, 10, 0}, "INDEX"},
		{"next due", "SELECT min(next_due) FROM feeds WHERE gone = 0", nil, "feeds_due"},
		{"next due new", "SELECT min(created_at) FROM feeds WHERE gone = 0 AND next_due = 0", nil, "feeds_due"},
		{"find by guid", findItemsSQL(keyColumn(store.IdentityGUID)), []any{1, `["a"]`}, "items_feed_guid"},
		{"find by link", findItemsSQL(keyColumn(store.IdentityLink)), []any{1, `["a"]`}, "items_feed_url"},
		{"find by hash", findItemsSQL(keyColumn(store.IdentityHash)), []any{1, `["a"]`}, "items_feed_hash"},
		{"tombstones", tombstonedSQL(keyColumn(store.IdentityGUID)), []any{1, `["a"]`}, "tombstones_guid"},
		{"claim ids", claimSQL(claimIDs), []any{`[1]`, 1, 2, 10, 0}, "INDEX"},
	}
	// The user's item queries, as Items builds them.
	for _, q := range []struct {
		name  string
		query store.Query
		want  string
	}{
		{"newest items", store.Query{Limit: 50}, "items_published"},
		{"newest unread items", store.Query{Unread: true, Limit: 50}, "items_published"},
		{"feed items", store.Query{FeedID: 1, Limit: 50}, "items_feed_published"},
		{"feed unread items", store.Query{FeedID: 1, Unread: true, Limit: 50}, "items_feed_published"},
		{"items by id", store.Query{ByID: true, Oldest: true, AfterID: 10, Limit: 50}, "INTEGER PRIMARY KEY"},
	} {
		query, args, err := db.itemQuery(t.Context(), 1, q.query, itemColumns, q.query.Limit)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name  string
			query string
			args  []any
			want  string
		}{q.name, query, args, q.want})
	}
	tests = append(tests, []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"unread counts", unreadCountsSQL, []any{1}, "subscriptions"},
		{"schedules", loadSchedulesSQL, []any{"[1, 2]"}, "subscriptions_feed"},
	}...)
	// The unread IDs by ID are a merge of the items and the read states,
	// both walked in order (the items' table in rowid order, on purpose).
	for _, q := range []store.Query{{Unread: true, ByID: true, Limit: 10000}, {Unread: true, ByID: true, Oldest: true, AfterID: 5}} {
		query, args, err := unreadIDsQuery(1, q)
		if err != nil || query == "" {
			t.Fatalf("unreadIDsQuery(%+v) = %q, %v", q, query, err)
		}
		if text := planOf(t, db, query, args); !strings.Contains(text, "MERGE (EXCEPT)") ||
			strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("unread IDs %+v: plan is no merge of two ordered walks: %s", q, text)
		}
	}
	for _, tt := range tests {
		rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		for _, step := range plan {
			// "SCAN t USING INDEX" walks an index in order (with a LIMIT);
			// a bare "SCAN t" reads the whole table. A page (the unread
			// listings' ids, limited) and a limited subquery are not
			// tables.
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING ") && !strings.Contains(step, "json_each") &&
				step != "SCAN page" && !strings.HasPrefix(step, "SCAN (subquery-") {
				t.Errorf("%s: plan scans a table: %s", tt.name, text)
			}
		}
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s: plan does not use %s: %s", tt.name, tt.want, text)
		}
	}
}

// planOf is the query plan of query, its steps joined by "; ".
func planOf(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
