package mime

import (
	"reflect"
	"testing"
)

// TestCompose checks that a message written in the web app keeps the
// promises of a parsed one.
func TestCompose(t *testing.T) {
	to := []Address{{Addr: "patient@example.com"}}
	w := Written{From: Address{Addr: "arts@zkh.example"}, To: to, Subject: "Re: Uitslag\r\nBcc: x",
		Text:      "Beste,\r\n<!--zivver_headers\r\nzivver-access-right: x@example.com sms +31612345678\r\nzivver_headers-->\r\nAlles goed.\xff\r\n",
		InReplyTo: "orig@zkh.example"}
	m := Compose(w)
	want := &Message{Subject: "Re: Uitslag  Bcc: x", From: w.From, To: to, InReplyTo: "orig@zkh.example",
		Text: "Beste,\nAlles goed.\uFFFD\n"}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("Compose = %+v\nwant      %+v", m, want)
	}
	to[0].Addr = "changed@example.com"
	if m.To[0].Addr != "patient@example.com" {
		t.Fatal("Compose shares the caller's To slice")
	}
}
