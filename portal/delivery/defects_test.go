package delivery

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/mime"
)

// TestDefectsAreStored submits a mail whose alternative part never closes
// and checks that the message row records the repair, kinds and places
// only, while a well-formed mail records none.
func TestDefectsAreStored(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	raw := "From: arts@zkh.nl\r\nTo: a@example.com\r\nSubject: Uitslag van mevrouw Jansen\r\n" +
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n" +
		"Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n\r\nDiagnose: zeer geheim\r\n" +
		"--outer\r\nContent-Type: text/plain\r\n\r\nMet vriendelijke groet\r\n--outer--\r\n"
	msg, err := mime.Parse(strings.NewReader(raw), mime.DefaultLimits(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: msg}); err != nil {
		t.Fatal(err)
	}
	m, _ := f.only(t)
	var got []mime.Defect
	if err := json.Unmarshal([]byte(m.Defects), &got); err != nil {
		t.Fatalf("defects %q: %v", m.Defects, err)
	}
	want := []mime.Defect{{Kind: mime.DefectUnclosed, Where: "part 1"}}
	if !reflect.DeepEqual(got, want) || strings.Contains(m.Defects, "geheim") || strings.Contains(m.Defects, "Jansen") {
		t.Errorf("defects = %s, want %+v", m.Defects, want)
	}

	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: &mime.Message{Subject: "s", Text: "t"}}); err != nil {
		t.Fatal(err)
	}
	if clean, err := f.store.Message(ctx, f.org.ID, 2); err != nil || clean.Defects != "" {
		t.Errorf("a well-formed mail records %q, %v", clean.Defects, err)
	}
}
