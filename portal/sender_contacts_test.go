package portal

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"sluis/db"
	"sluis/portal/delivery"
)

var contactLink = regexp.MustCompile(`href="/contacts/(\d+)"`)

// bookEntry reads the id of the first entry the address book page links to.
func bookEntry(t *testing.T, p page) string {
	t.Helper()
	m := contactLink.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the address book links to no entry:\n%s", mainOf(p.body))
	}
	return m[1]
}

func (se *senderEnv) personal(t *testing.T) []db.Contact {
	t.Helper()
	list, err := se.w.Store.Contacts(context.Background(), db.PersonalBook(se.w.Org.ID, se.w.Sender.ID), db.ContactQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestPersonalAddressBook(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	mustContain(t, "empty book", b.get("/contacts"), http.StatusOK, "No entries.")
	b.get("/contacts/new")

	rejected := []struct {
		name, field, text string
		form              url.Values
	}{
		{"landline", "phone", "This is not a mobile number",
			url.Values{"email": {"jan@example.com"}, "name": {"Jan Jansen"}, "phone": {"020 123 4567"}}},
		{"bad address", "email", "not a valid email address", url.Values{"email": {"jan@"}, "name": {"Jan Jansen"}}},
		{"short access code", "code", "", url.Values{"email": {"jan@example.com"}, "name": {"Jan Jansen"}, "code": {"kort"}}},
	}
	for _, r := range rejected {
		p := b.post("/contacts", r.form)
		mustContain(t, r.name, p, http.StatusUnprocessableEntity, `id="`+r.field+`-error"`, r.text,
			`value="`+r.form.Get("email")+`"`, `value="Jan Jansen"`)
		if ph := r.form.Get("phone"); ph != "" {
			mustContain(t, r.name, p, http.StatusUnprocessableEntity, `value="`+ph+`"`)
		}
		if n := len(se.personal(t)); n != 0 {
			t.Fatalf("%s: a rejected form stored %d entries", r.name, n)
		}
	}

	p := b.post("/contacts", url.Values{"email": {"jan@example.com"}, "name": {"Jan Jansen"}, "phone": {"06 1234 5678"}})
	if p.status != http.StatusSeeOther || p.location != "/contacts?done=contact_saved" {
		t.Fatalf("add: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	b.post("/contacts", url.Values{"email": {"piet@voorbeeld.example"}, "code": {"Tulp-4471-x"}, "hint": {"de bloem"}})
	list := b.get("/contacts?done=contact_saved")
	mustContain(t, "list", list, http.StatusOK, "The entry was saved", "jan@example.com", "Jan Jansen", "piet@voorbeeld.example", "Access code")
	mustLack(t, "list", list, "&#43;31612345678") // numbers are masked in the list

	search := b.get("/contacts?q=jans")
	mustContain(t, "search by name", search, http.StatusOK, "jan@example.com")
	mustLack(t, "search by name", search, "piet@voorbeeld.example")
	mustContain(t, "search by address", b.get("/contacts?q=VOORBEELD"), http.StatusOK, "piet@voorbeeld.example")
	mustContain(t, "search without hits", b.get("/contacts?q=zzz"), http.StatusOK, "No entries.")

	id := bookEntry(t, search)
	mustContain(t, "entry", b.get("/contacts/"+id), http.StatusOK, `value="&#43;31612345678"`, `value="Jan Jansen"`, "readonly")
	p = b.post("/contacts/"+id, url.Values{"name": {"J. Jansen"}, "phone": {"+32 2 123 45 67"}, "email": {"someone@else.example"}})
	mustContain(t, "foreign landline", p, http.StatusUnprocessableEntity, `id="phone-error"`, `value="J. Jansen"`)
	p = b.post("/contacts/"+id, url.Values{"name": {"J. Jansen"}, "phone": {"0031 6 8765 4321"}, "email": {"someone@else.example"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.status, mainOf(p.body))
	}
	entry := b.get("/contacts/" + id)
	mustContain(t, "history", entry, http.StatusOK, `value="&#43;31687654321"`, `value="jan@example.com"`, "History", "phone", "full_name", "manual")
	mustLack(t, "history", entry, "someone@else.example")

	if p := b.post("/contacts/"+id+"/delete", nil); p.status != http.StatusSeeOther || p.location != "/contacts?done=contact_deleted" {
		t.Fatalf("remove: %d to %q", p.status, p.location)
	}
	mustContain(t, "after removing", b.get("/contacts?done=contact_deleted"), http.StatusOK, "The entry was removed")
	mustLack(t, "after removing", b.get("/contacts"), "jan@example.com")
	if p := b.get("/contacts/" + id); p.status != http.StatusNotFound {
		t.Errorf("a removed entry: %d", p.status)
	}
}

func TestAddressBookIsPersonal(t *testing.T) {
	se := newSenderEnv(t)
	owner := se.browser(t)
	owner.signIn("arts@zkh.example", senderPassword, "/messages")
	owner.get("/contacts/new")
	owner.post("/contacts", url.Values{"email": {"jan@example.com"}, "phone": {"0612345678"}})
	id := bookEntry(t, owner.get("/contacts"))

	se.addUser(t, "andere@zkh.example", db.RoleAdmin)
	other := se.browser(t)
	other.signIn("andere@zkh.example", senderPassword, "/messages")
	mustLack(t, "another's book", other.get("/contacts"), "jan@example.com")
	for _, p := range []page{other.get("/contacts/" + id), other.post("/contacts/"+id, url.Values{"phone": {"0687654321"}}),
		other.post("/contacts/"+id+"/delete", nil)} {
		if p.status != http.StatusNotFound {
			t.Errorf("another user's entry: %d", p.status)
		}
	}
	if list := se.personal(t); len(list) != 1 || list[0].Phone != "+31612345678" {
		t.Errorf("the owner's book changed: %+v", list)
	}

	// The personal book is what a message to that address uses.
	_, rs := se.report(t, "jan@example.com")
	if rs[0].DataSource != delivery.FromPersonal || rs[0].Phone != "+31612345678" {
		t.Errorf("the recipient resolved to %s %q", rs[0].DataSource, rs[0].Phone)
	}
}
