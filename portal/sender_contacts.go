package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/phone"
	"sluis/portal/secret"
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

// input validates the form into the store's input; the error names the
// field and a reason key.
func (f contactForm) input(region string, existing *db.Contact) (db.ContactInput, *contacts.FieldError) {
	in := db.ContactInput{Email: f.Email, FullName: &f.Name}
	if existing != nil {
		in.Email = existing.Email
	} else if kind, key, err := contacts.CheckKey(f.Email); err != nil || kind != db.KindAddress {
		return in, &contacts.FieldError{Field: "email", Reason: "bad_address"}
	} else {
		in.Email = key
	}
	if len(f.Name) > 200 {
		return in, &contacts.FieldError{Field: "name", Reason: "too_long"}
	}
	e164 := ""
	if f.Phone != "" {
		var err error
		if e164, err = contacts.CheckPhone(f.Phone, region); err != nil {
			return in, &contacts.FieldError{Field: "phone", Reason: reasonOf(err)}
		}
	}
	in.Phone = &e164
	if f.Code != "" {
		if err := contacts.CheckAccessCode(f.Code, f.Hint); err != nil {
			return in, &contacts.FieldError{Field: "code", Reason: reasonOf(err)}
		}
	}
	in.AccessCodeHint = &f.Hint
	if f.ClearCode {
		empty := ""
		in.AccessCodeHash, in.AccessCodeHint = &empty, &empty
	}
	return in, nil
}

func reasonOf(err error) string {
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return "bad_phone"
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

// saveContact validates the form and writes the entry (with history), or
// re-renders it with the error beside its field.
func (s *Server) saveContact(c echo.Context, existing *db.Contact) error {
	ctx, u := c.Request().Context(), currentUser(c)
	org, err := s.store.Org(ctx, u.OrgID)
	if err != nil {
		return err
	}
	form := readContactForm(c)
	in, fe := form.input(org.Country, existing)
	if fe == nil && form.Code != "" {
		hash, err := secret.Hash(form.Code)
		if err != nil {
			return err
		}
		in.AccessCodeHash = &hash
	}
	if fe == nil {
		_, _, err = s.store.PutContact(ctx, db.PersonalBook(u.OrgID, u.ID), in, db.Change{Source: db.SourceManual, Actor: "user:" + strconv.FormatInt(u.ID, 10)})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/contacts?done=contact_saved")
		}
		var inv *db.InvalidError
		if !errors.As(err, &inv) {
			return err
		}
		fe = &contacts.FieldError{Field: inv.Field, Reason: inv.Reason}
	}
	v := contactView{baseView: s.base(c, "contacts.new"), Form: form, Error: &fieldError{Field: fe.Field, Text: s.t(c, "reason."+fe.Reason)}}
	if existing != nil {
		if v, err = s.contactPage(c, *existing, form); err != nil {
			return err
		}
		v.Error = &fieldError{Field: fe.Field, Text: s.t(c, "reason."+fe.Reason)}
	}
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
