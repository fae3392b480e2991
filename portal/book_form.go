package portal

import (
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
)

// bookForm is an organisation book entry as posted: an address or a whole
// domain, with the same rules as the CSV import and the API. The access
// code is never shown back once saved, only kept on a rejected form.
type bookForm struct {
	Key, Name, Phone, Code, Hint string
	ClearCode                    bool
}

func readBookForm(c echo.Context) bookForm {
	return bookForm{Key: strings.TrimSpace(c.FormValue("key")), Name: strings.TrimSpace(c.FormValue("name")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Code: c.FormValue("code"), Hint: strings.TrimSpace(c.FormValue("hint")),
		ClearCode: c.FormValue("clear_code") == "1"}
}

// input validates the form into the store's input (the access code still
// in plain text, returned apart); the error names the form field and a
// reason key. existing is the entry being edited, or nil.
func (f bookForm) input(region string, existing *db.Contact) (db.ContactInput, string, *contacts.FieldError) {
	in := db.ContactInput{FullName: &f.Name}
	kind := ""
	if existing != nil {
		in.Email, kind = existing.Email, existing.Kind
	} else {
		var err error
		if kind, in.Email, err = contacts.CheckKey(f.Key); err != nil {
			return in, "", &contacts.FieldError{Field: "key", Reason: "bad_address"}
		}
	}
	if len(f.Name) > 200 {
		return in, "", &contacts.FieldError{Field: "name", Reason: "too_long"}
	}
	e164 := ""
	if f.Phone != "" {
		if kind == db.KindDomain {
			return in, "", &contacts.FieldError{Field: "phone", Reason: "phone_on_domain"}
		}
		var err error
		if e164, err = contacts.CheckPhone(f.Phone, region); err != nil {
			return in, "", &contacts.FieldError{Field: "phone", Reason: reasonOf(err)}
		}
	}
	in.Phone = &e164
	switch {
	case f.ClearCode:
		empty := ""
		in.AccessCodeHash, in.AccessCodeHint = &empty, &empty
		return in, "", nil
	case f.Code != "":
		if err := contacts.CheckAccessCode(f.Code, f.Hint); err != nil {
			return in, "", &contacts.FieldError{Field: "code", Reason: reasonOf(err)}
		}
	case f.Hint != "" && (existing == nil || existing.AccessCodeHash == ""):
		return in, "", &contacts.FieldError{Field: "hint", Reason: "hint_without_code"}
	}
	in.AccessCodeHint = &f.Hint
	return in, f.Code, nil
}
