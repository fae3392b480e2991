package portal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// TestBrowserBookImportReport uploads a CSV file on the admin's import
// page, first as a dry run and then for real, and reads the row-by-row
// report, in English and in Dutch.
func TestBrowserBookImportReport(t *testing.T) {
	ctx := browserContext(t)
	se := newSenderEnv(t)
	admin := se.addUser(t, "beheer@zkh.example", db.RoleAdmin)
	w := &walk{t: t, ctx: ctx, base: se.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	file := filepath.Join(t.TempDir(), "contacts.csv")
	content := "email_address,full_name,phone_number,access_code,access_code_hint\n" +
		"jan@example.com,Jan,+31612345678,,\n" +
		"not-an-address,X,+31612345678,,\n" +
		"eve@example.com,Eve,+31201234567,,\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	w.run("sign-in page", chromedp.Navigate(w.base+"/signin?next=/admin/book/import"))
	w.signIn(admin.Email, "#file")
	w.checkA11y("import")

	w.run("dry run", chromedp.SetUploadFiles(css("#file"), []string{file}), chromedp.Click(css("#dry_run")),
		chromedp.Click(css("#upload")), chromedp.WaitVisible(css("#report")))
	if h := w.text("#report-title"); !strings.Contains(h, "nothing was saved") {
		t.Errorf("dry run heading: %q", h)
	}
	rows := w.text("#report-rows tbody")
	for _, want := range []string{"3", "not-an-address", "This is not a valid email address.", "4", "eve@example.com", "This is not a mobile number."} {
		if !strings.Contains(rows, want) {
			t.Errorf("dry-run report lacks %q in %q", want, rows)
		}
	}
	if strings.Contains(rows, "jan@example.com") {
		t.Errorf("a valid row is in the report: %q", rows)
	}
	w.checkA11y("import report")
	if _, err := se.w.Store.Contact(ctx, db.OrgBook(se.w.Org.ID), "jan@example.com"); err == nil {
		t.Error("the dry run saved an entry")
	}

	w.run("import, in Dutch", chromedp.Navigate(w.base+"/admin/book/import?lang=nl"), chromedp.WaitVisible(css("#file")),
		chromedp.SetUploadFiles(css("#file"), []string{file}), chromedp.Click(css("#upload")), chromedp.WaitVisible(css("#report")))
	if counts := w.text("#report-counts"); !strings.Contains(counts, "Nieuwe adressen: 1") || !strings.Contains(counts, "Niet geïmporteerde regels: 2") {
		t.Errorf("report counts: %q", counts)
	}
	if rows := w.text("#report-rows tbody"); !strings.Contains(rows, "not-an-address") || strings.Contains(rows, "This is not") {
		t.Errorf("Dutch report rows: %q", rows)
	}
	w.checkA11y("import report nl")
	if c, err := se.w.Store.Contact(ctx, db.OrgBook(se.w.Org.ID), "jan@example.com"); err != nil || c.Source != db.SourceImport {
		t.Errorf("imported entry = %+v, %v", c, err)
	}
}
