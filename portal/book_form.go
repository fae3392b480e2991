package portal

import (
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
)

// bookForm is an organisation book entry as posted: an address or a whole
// domain, checked by the same rules as the CSV import and the API
// (contacts.Check). The access code is never shown back once saved.
type bookForm struct {
	Key, Name, Phone, Code, Hint string
	ClearCode                    bool
}

func readBookForm(c echo.Context) bookForm {
	return bookForm{Key: strings.TrimSpace(c.FormValue("key")), Name: strings.TrimSpace(c.FormValue("name")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Code: c.FormValue("code"), Hint: strings.TrimSpace(c.FormValue("hint")),
		ClearCode: c.FormValue("clear_code") == "1"}
}

// entry is the form as the rules read it; existing is the entry being
// edited, or nil.
func (f bookForm) entry(existing *db.Contact) contacts.Entry {
	return formEntry(f.Key, f.Name, f.Phone, f.Code, f.Hint, f.ClearCode, existing)
}

// formEntry reads what both address-book forms post: every field is
// sent, so an empty one clears it, except the access code, where empty
// keeps the stored code and the "remove" box removes it. The hint as the
// page showed it is no new hint, so an entry with a code can be edited
// without typing the code again; a changed hint needs its code.
func formEntry(key, name, phone, code, hint string, clearCode bool, existing *db.Contact) contacts.Entry {
	e := contacts.Entry{Key: key, FullName: &name, Phone: &phone, Hint: &hint}
	if existing != nil {
		e.Key = existing.Email
		if code == "" && hint == existing.AccessCodeHint {
			e.Hint = nil
		}
	}
	switch {
	case clearCode:
		e.Code = new(string)
	case code != "":
		e.Code = &code
	}
	return e
}

// formInputs names the inputs of the address-book forms that show a
// rule's field (contacts.Field*, or the store's name for it); the key's
// input differs between the two forms.
var formInputs = map[string]string{
	contacts.FieldName: "name", contacts.FieldPhone: "phone", "phone": "phone",
	contacts.FieldCode: "code", contacts.FieldHint: "hint",
}

// formInput is the input of an address-book form that shows field;
// keyInput is the form's input for the address.
func formInput(field, keyInput string) string {
	if in, ok := formInputs[field]; ok {
		return in
	}
	return keyInput
}
