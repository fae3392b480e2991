package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/phone"
)

// contactRow is one entry of the personal address book, masked for show.
type contactRow struct {
	ID                       int64
	Email, Name, Phone, Hint string
	HasCode                  bool
}

func newContactRow(c db.Contact) contactRow {
	r := contactRow{ID: c.ID, Email: c.Email, Name: c.FullName, Hint: c.AccessCodeHint, HasCode: c.AccessCodeHash != ""}
	if c.Phone != "" {
		r.Phone = phone.Mask(c.Phone)
	}
	return r
}

// contactsView is the personal address book.
type contactsView struct {
	baseView
	Search   string
	Contacts []contactRow
	Notice   string
}

// listContacts shows the personal address book, filtered by ?q=.
func (s *Server) listContacts(c echo.Context) error {
	u := currentUser(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	list, err := s.store.Contacts(c.Request().Context(), db.PersonalBook(u.OrgID, u.ID), db.ContactQuery{Search: q, Limit: 200})
	if err != nil {
		return err
	}
	v := contactsView{baseView: s.base(c, "contacts.title"), Search: q, Notice: noticeText(s, c)}
	for _, ct := range list {
		v.Contacts = append(v.Contacts, newContactRow(ct))
	}
	return c.Render(http.StatusOK, "sender_contacts", v)
}

// contactForm is the posted entry; the access code is never shown back
// once saved, only kept on a rejected form.
type contactForm struct {
	Email, Name, Phone, Code, Hint string
	ClearCode                      bool
}

func readContactForm(c echo.Context) contactForm {
	return contactForm{Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Code: c.FormValue("code"), Hint: strings.TrimSpace(c.FormValue("hint")),
		ClearCode: c.FormValue("clear_code") == "1"}
}

// entry is the form as the address-book rules read it; existing is the
// entry being edited, or nil.
func (f contactForm) entry(existing *db.Contact) contacts.Entry {
	return formEntry(f.Email, f.Name, f.Phone, f.Code, f.Hint, f.ClearCode, existing)
}

// contactView is the form for a new or existing entry, with its history.
type contactView struct {
	baseView
	ID      int64
	Form    contactForm
	HasCode bool
	History []db.HistoryRow
	Error   *fieldError
}

// showNewContact shows an empty entry form.
func (s *Server) showNewContact(c echo.Context) error {
	return c.Render(http.StatusOK, "sender_contact", contactView{baseView: s.base(c, "contacts.new")})
}

// loadContact loads an entry of the user's own book by :id (404 otherwise).
func (s *Server) loadContact(c echo.Context) (db.Contact, error) {
	u := currentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return db.Contact{}, echo.NewHTTPError(http.StatusNotFound)
	}
	ct, err := s.store.ContactByID(c.Request().Context(), db.PersonalBook(u.OrgID, u.ID), id)
	if errors.Is(err, db.ErrNotFound) {
		return db.Contact{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return ct, err
}

// showContact shows an entry's form and its history.
func (s *Server) showContact(c echo.Context) error {
	ct, err := s.loadContact(c)
	if err != nil {
		return err
	}
	v, err := s.contactPage(c, ct, contactForm{Email: ct.Email, Name: ct.FullName, Hint: ct.AccessCodeHint})
	if err != nil {
		return err
	}
	if ct.Phone != "" {
		v.Form.Phone = ct.Phone
	}
	return c.Render(http.StatusOK, "sender_contact", v)
}

func (s *Server) contactPage(c echo.Context, ct db.Contact, f contactForm) (contactView, error) {
	hist, err := s.store.ContactHistory(c.Request().Context(), ct.OrgID, ct.ID)
	return contactView{baseView: s.base(c, "contacts.edit"), ID: ct.ID, Form: f, HasCode: ct.AccessCodeHash != "", History: hist}, err
}

// createContact adds an entry to the personal book.
func (s *Server) createContact(c echo.Context) error {
	return s.saveContact(c, nil)
}

// updateContact changes an entry of the personal book.
func (s *Server) updateContact(c echo.Context) error {
	ct, err := s.loadContact(c)
	if err != nil {
		return err
	}
	return s.saveContact(c, &ct)
}

// saveContact checks the form by the address-book rules and writes the
// entry (with history), or re-renders it with the error beside its field.
func (s *Server) saveContact(c echo.Context, existing *db.Contact) error {
	ctx, u := c.Request().Context(), currentUser(c)
	org, err := s.store.Org(ctx, u.OrgID)
	if err != nil {
		return err
	}
	form := readContactForm(c)
	err = s.putContact(ctx, *u, form.entry(existing), org.Country)
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		return s.renderContactError(c, form, existing, fe)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts?done=contact_saved")
}

// putContact writes a checked entry to u's personal book; a refusal is a
// *contacts.FieldError.
func (s *Server) putContact(ctx context.Context, u db.User, e contacts.Entry, region string) error {
	book := db.PersonalBook(u.OrgID, u.ID)
	ck, err := contacts.Prepare(ctx, s.store, book, e, region)
	if err != nil {
		return err
	}
	_, _, err = s.store.PutContact(ctx, book, ck.Input, db.Change{Source: db.SourceManual, Actor: "user:" + strconv.FormatInt(u.ID, 10)})
	return storeRefusal(err)
}

// renderContactError shows the form again as typed with the error beside
// its field.
func (s *Server) renderContactError(c echo.Context, form contactForm, existing *db.Contact, fe *contacts.FieldError) error {
	v := contactView{baseView: s.base(c, "contacts.new"), Form: form}
	if existing != nil {
		var err error
		if v, err = s.contactPage(c, *existing, form); err != nil {
			return err
		}
	}
	v.Error = &fieldError{Field: formInput(fe.Field, "email"), Text: s.t(c, "reason."+fe.Reason)}
	return c.Render(http.StatusUnprocessableEntity, "sender_contact", v)
}

// deleteContact removes an entry of the personal book; its history stays.
func (s *Server) deleteContact(c echo.Context) error {
	ct, err := s.loadContact(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	err = s.store.DeleteContact(c.Request().Context(), db.PersonalBook(u.OrgID, u.ID), ct.ID,
		db.Change{Source: db.SourceManual, Actor: "user:" + strconv.FormatInt(u.ID, 10)})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts?done=contact_deleted")
}
