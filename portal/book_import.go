package portal

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/secret"
)

// bookImportRoute takes a CSV file of up to maxBookImport bytes
// (bodyLimits).
const (
	bookImportRoute = "/admin/book/import"
	maxBookImport   = 20 << 20
)

// importRow is one rejected row of the report.
type importRow struct {
	Line          int
	Email, Reason string
}

// importView is the import page, with the report of the last upload.
type importView struct {
	baseView
	Columns   string
	Done      bool
	DryRun    bool
	Report    contacts.Report
	Rows      []importRow
	FileError string
}

// showBookImport shows the upload form.
func (s *Server) showBookImport(c echo.Context) error {
	return c.Render(http.StatusOK, "book_import", importView{baseView: s.base(c, "book.import_title"),
		Columns: strings.Join(contacts.Columns, ",")})
}

// importBook applies an uploaded CSV file (or only checks it, with
// dry_run) with the command's rules and its audit event in one
// transaction, and shows the row-by-row report.
func (s *Server) importBook(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	v := importView{baseView: s.base(c, "book.import_title"), Columns: strings.Join(contacts.Columns, ","),
		DryRun: c.FormValue("dry_run") == "1"}
	fh, err := c.FormFile("file")
	if err != nil {
		v.FileError = s.t(c, "book.import_no_file")
		return c.Render(http.StatusUnprocessableEntity, "book_import", v)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("opening the upload: %w", err)
	}
	defer f.Close()
	org, err := s.store.Org(ctx, u.OrgID)
	if err != nil {
		return err
	}
	im := &contacts.Importer{Store: s.store, Hash: secret.Hash, Verify: secret.Verify}
	ev := s.auditEvent(c, "book.import", "book")
	rep, err := im.Import(ctx, orgBookOf(c), f, contacts.Options{Region: org.Country, DryRun: v.DryRun,
		Change: adminChange(u, db.SourceImport), Audit: &ev})
	var fe *contacts.FileError
	if errors.As(err, &fe) {
		v.FileError = s.t(c, "reason."+fe.Reason)
		if fe.Line > 0 {
			v.FileError = s.i18n.T(s.lang(c), "book.import_line", map[string]any{"Line": fe.Line}) + " " + v.FileError
		}
		return c.Render(http.StatusUnprocessableEntity, "book_import", v)
	}
	if err != nil {
		return err
	}
	v.Done, v.Report = true, rep
	for _, r := range rep.Invalid {
		v.Rows = append(v.Rows, importRow{Line: r.Line, Email: r.Email, Reason: s.t(c, "reason."+r.Reason)})
	}
	return c.Render(http.StatusOK, "book_import", v)
}

// exportColumns are the export's columns: the import's, without the
// access code, which is never exported (only its hash is stored anyway).
var exportColumns = []string{"email_address", "full_name", "phone_number", "access_code_hint"}

// exportBook streams the organisation's book as CSV, in pages of 1,000.
func (s *Server) exportBook(c echo.Context) error {
	ctx, book := c.Request().Context(), orgBookOf(c)
	if err := s.store.AppendAudit(ctx, s.auditEvent(c, "book.export", "book")); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="address-book.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := w.Write(exportColumns); err != nil {
		return err
	}
	after := ""
	for {
		list, err := s.store.ContactsAfter(ctx, book, after, 1000)
		if err != nil {
			return err // the header is sent: handleError only logs it
		}
		for _, ct := range list {
			rec := []string{csvCell(ct.Email), csvCell(ct.FullName), ct.Phone, csvCell(ct.AccessCodeHint)}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if len(list) < 1000 {
			return nil
		}
		after = list[len(list)-1].Email
	}
}

// csvCell defuses a cell that a spreadsheet would run as a formula (OWASP
// "CSV injection"): one that starts with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe. Phone numbers are validated E.164
// (a plus and digits only) and are written as they are.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
