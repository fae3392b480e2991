package portal

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/phone"
)

const bookPageSize = 50

// bookRow is one entry of the organisation's book, masked for show.
type bookRow struct {
	ID                           int64
	Key, Kind, Name, Phone, Hint string
	HasCode, Flagged             bool
	Source                       string
}

// bookView is the organisation's address book, one page of it.
type bookView struct {
	baseView
	Search      string
	Entries     []bookRow
	Total       int
	Page, Pages int
	PrevURL     string
	NextURL     string
	Notice      string
	OpenFlags   int
}

// listBook shows a page of the organisation's book, filtered by ?q=.
func (s *Server) listBook(c echo.Context) error {
	ctx, book := c.Request().Context(), orgBookOf(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	pageNo, _ := strconv.Atoi(c.QueryParam("page"))
	pageNo = max(pageNo, 1)
	total, err := s.store.CountContacts(ctx, book, q)
	if err != nil {
		return err
	}
	list, err := s.store.Contacts(ctx, book, db.ContactQuery{Search: q, Limit: bookPageSize, Offset: (pageNo - 1) * bookPageSize})
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(list))
	for _, ct := range list {
		keys = append(keys, ct.Email)
	}
	flags, err := s.store.OpenFlagsFor(ctx, book.OrgID, keys)
	if err != nil {
		return err
	}
	open, err := s.store.Flags(ctx, book.OrgID, false)
	if err != nil {
		return err
	}
	v := bookView{baseView: s.base(c, "book.title"), Search: q, Total: total, Page: pageNo,
		Pages: max(1, (total+bookPageSize-1)/bookPageSize), Notice: s.bookNotice(c), OpenFlags: len(open)}
	for _, ct := range list {
		r := bookRow{ID: ct.ID, Key: ct.Email, Kind: ct.Kind, Name: ct.FullName, Hint: ct.AccessCodeHint,
			HasCode: ct.AccessCodeHash != "", Flagged: len(flags[ct.Email]) > 0, Source: ct.Source}
		if ct.Phone != "" {
			r.Phone = phone.Mask(ct.Phone)
		}
		v.Entries = append(v.Entries, r)
	}
	link := func(p int) string { return "/admin/book?q=" + url.QueryEscape(q) + "&page=" + strconv.Itoa(p) }
	if pageNo > 1 {
		v.PrevURL = link(pageNo - 1)
	}
	if pageNo < v.Pages {
		v.NextURL = link(pageNo + 1)
	}
	return c.Render(http.StatusOK, "book_list", v)
}

// bookEntryView is the form for a new or existing entry, with its
// history and its open flags.
type bookEntryView struct {
	baseView
	ID      int64
	Kind    string
	Form    bookForm
	HasCode bool
	History []db.HistoryRow
	Flags   []string // translated: which field, which sources
	Notice  string
	Error   *fieldError
}

// showNewBookEntry shows an empty entry form.
func (s *Server) showNewBookEntry(c echo.Context) error {
	return c.Render(http.StatusOK, "book_entry", bookEntryView{baseView: s.base(c, "book.new")})
}

// loadBookEntry loads an entry of the admin's organisation's book by :id.
func (s *Server) loadBookEntry(c echo.Context) (db.Contact, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return db.Contact{}, echo.NewHTTPError(http.StatusNotFound)
	}
	ct, err := s.store.ContactByID(c.Request().Context(), orgBookOf(c), id)
	if errors.Is(err, db.ErrNotFound) {
		return db.Contact{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return ct, err
}

// showBookEntry shows an entry's form, its flags and its history.
func (s *Server) showBookEntry(c echo.Context) error {
	ct, err := s.loadBookEntry(c)
	if err != nil {
		return err
	}
	v, err := s.bookEntryPage(c, ct, bookForm{Key: ct.Email, Name: ct.FullName, Phone: ct.Phone, Hint: ct.AccessCodeHint})
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "book_entry", v)
}

func (s *Server) bookEntryPage(c echo.Context, ct db.Contact, f bookForm) (bookEntryView, error) {
	ctx := c.Request().Context()
	hist, err := s.store.ContactHistory(ctx, ct.OrgID, ct.ID)
	if err != nil {
		return bookEntryView{}, err
	}
	flags, err := s.store.ContactFlags(ctx, ct.OrgID, ct.ID)
	if err != nil {
		return bookEntryView{}, err
	}
	v := bookEntryView{baseView: s.base(c, "book.edit"), ID: ct.ID, Kind: ct.Kind, Form: f, HasCode: ct.AccessCodeHash != "",
		History: hist, Notice: s.bookNotice(c)}
	for _, fl := range flags {
		v.Flags = append(v.Flags, s.i18n.T(s.lang(c), "book.entry_flagged", map[string]any{
			"Field": s.t(c, "book.field_"+fl.Field), "Sources": s.sourceNames(c, fl.Sources)}))
	}
	return v, nil
}

// createBookEntry adds an entry to the organisation's book.
func (s *Server) createBookEntry(c echo.Context) error { return s.saveBookEntry(c, nil) }

// updateBookEntry changes an entry of the organisation's book.
func (s *Server) updateBookEntry(c echo.Context) error {
	ct, err := s.loadBookEntry(c)
	if err != nil {
		return err
	}
	return s.saveBookEntry(c, &ct)
}

// saveBookEntry checks the form by the address-book rules and writes the
// entry, its history and the audit event in one transaction, or
// re-renders the form with the error beside its field.
func (s *Server) saveBookEntry(c echo.Context, existing *db.Contact) error {
	ctx, u := c.Request().Context(), currentUser(c)
	org, err := s.store.Org(ctx, u.OrgID)
	if err != nil {
		return err
	}
	form := readBookForm(c)
	saved, err := s.putBookEntry(c, form.entry(existing), org.Country)
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		return s.renderBookEntryError(c, form, existing, fe)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/book/"+strconv.FormatInt(saved.ID, 10)+"?done=saved")
}

// putBookEntry writes a checked entry with its audit event (none when
// nothing changed); a refusal is a *contacts.FieldError.
func (s *Server) putBookEntry(c echo.Context, e contacts.Entry, region string) (db.Contact, error) {
	ctx, u, book := c.Request().Context(), currentUser(c), orgBookOf(c)
	ck, err := contacts.Prepare(ctx, s.store, book, e, region)
	if err != nil {
		return db.Contact{}, err
	}
	var saved db.Contact
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		var out db.Outcome
		var err error
		if saved, out, err = tx.PutContact(ctx, book, ck.Input, adminChange(u, db.SourceManual)); err != nil || out == db.Unchanged {
			return err
		}
		ev := s.auditEvent(c, "book.entry."+map[db.Outcome]string{db.Created: "create", db.Updated: "update"}[out], "contact:"+saved.Email)
		return tx.AppendAudit(ctx, ev)
	})
	return saved, storeRefusal(err)
}

// storeRefusal turns the store's refusal of an entry into the rules'
// error, so a form shows it beside its field like any other.
func storeRefusal(err error) error {
	var inv *db.InvalidError
	if errors.As(err, &inv) {
		return &contacts.FieldError{Field: inv.Field, Reason: inv.Reason}
	}
	return err
}

// renderBookEntryError shows the form again as typed (but for the access
// code) with the error beside its field.
func (s *Server) renderBookEntryError(c echo.Context, form bookForm, existing *db.Contact, fe *contacts.FieldError) error {
	form.Code = ""
	v := bookEntryView{baseView: s.base(c, "book.new"), Form: form}
	if existing != nil {
		var err error
		if v, err = s.bookEntryPage(c, *existing, form); err != nil {
			return err
		}
	}
	v.Error = &fieldError{Field: formInput(fe.Field, "key"), Text: s.t(c, "reason."+fe.Reason)}
	return c.Render(http.StatusUnprocessableEntity, "book_entry", v)
}

// deleteBookEntry removes an entry; its history stays.
func (s *Server) deleteBookEntry(c echo.Context) error {
	ct, err := s.loadBookEntry(c)
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteContact(ctx, orgBookOf(c), ct, adminChange(u, db.SourceManual)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditEvent(c, "book.entry.delete", "contact:"+ct.Email))
	})
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/book?done=deleted")
}
