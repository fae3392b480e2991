package db_test

import (
	"strings"
	"testing"

	"sluis/db/dbtest"
)

// TestBlobReferencedUsesIndexes: the orphan sweeper's question is asked for
// every old blob, so on SQLite (whose plans follow the indexes, not the
// table's size) it must search the messages table by index, never scan it.
func TestBlobReferencedUsesIndexes(t *testing.T) {
	s := dbtest.SQLite(t, dbtest.Options{})
	rows, err := s.DB().QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM messages WHERE text_blob = ? OR html_blob = ? OR safe_html_blob = ?`,
		"b", "b", "b")
	if err != nil {
		t.Fatal(err)
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
	joined := strings.Join(plan, "; ")
	if strings.Contains(joined, "SCAN messages") || !strings.Contains(joined, "messages_text_blob") ||
		!strings.Contains(joined, "messages_safe_html_blob") {
		t.Errorf("plan of the sweeper's question: %s", joined)
	}
}
