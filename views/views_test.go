package views

import (
	"bytes"
	"html/template"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// model carries the union of the fields the pages read, so one value can
// drive every page.
type model struct {
	Lang, Title, Nonce, CSRF, Path string
	Dev                            bool
	Languages                      []struct {
		Code, Name string
		Current    bool
	}
	Flash *struct{ Kind, Text string }
	// page fields
	Email, Detail, RequestID, ID, Raw string
	Configured                        bool
	User                              any // the signed-in user, nil here
	Look                              any // the organisation's look, nil here
	Next                              string
	Passkeys                          bool
	Items                             []struct {
		ID, From, To, Subject string
		Time                  time.Time
	}
}

func (model) T(key string, _ ...any) string { return "[" + key + "]" }

func (model) DateTime(t time.Time) string { return "[" + t.Format(time.RFC3339) + "]" }

func (model) Under(string) bool { return false }

func (model) RecipientPage() bool { return false }

func parse(t *testing.T) *Pages {
	t.Helper()
	p, err := Parse(template.FuncMap{"asset": func(name string) string { return "/assets/h/" + name }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEveryPageRenders(t *testing.T) {
	p := parse(t)
	want := []string{"about", "accessibility", "account", "account_recovery", "account_totp", "admin_audit", "admin_audit_event", "admin_channel", "admin_look", "admin_policy", "admin_recipients", "admin_units", "admin_users",
		"book_api_keys", "book_entry", "book_flags", "book_import", "book_list", "channel_code", "channel_sent", "channel_start", "channel_write", "error", "inbox", "inbox_message", "outbox", "outbox_message",
		"recipient_closed", "recipient_gone", "recipient_message", "recipient_print", "recipient_reply", "recipient_verify",
		"sender_contact", "sender_contacts", "sender_draft", "sender_message", "sender_messages", "sender_number", "sender_proof", "sender_reply", "sender_revoke_confirm",
		"signin", "signin_code"}
	if got := p.Names(); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	m := model{Lang: "nl", Title: "T", Nonce: "n0nce", Dev: true, Configured: true, Raw: "<b>&</b>"}
	m.Flash = &struct{ Kind, Text string }{"error", "oops"}
	m.Items = append(m.Items, struct {
		ID, From, To, Subject string
		Time                  time.Time
	}{ID: "x1", Subject: "<s>"})
	for _, name := range p.Names() {
		if strings.HasPrefix(name, "recipient_") || strings.HasPrefix(name, "sender_") || strings.HasPrefix(name, "account") ||
			strings.HasPrefix(name, "admin_") || strings.HasPrefix(name, "book_") || strings.HasPrefix(name, "channel_") || strings.HasPrefix(name, "inbox") ||
			name == "signin_code" || name == "accessibility" || name == "outbox_message" {
			continue // rendered with their own view models by portal's recipient, sender and channel tests
		}
		var buf bytes.Buffer
		if err := p.Execute(&buf, name, m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := buf.String()
		for _, s := range []string{`<html lang="nl">`, `nonce="n0nce"`, `href="#main"`, `role="alert"`, "[layout.skip]"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: output lacks %q", name, s)
			}
		}
		if strings.Contains(out, "<b>&</b>") || strings.Contains(out, "<s>") {
			t.Errorf("%s: data was not escaped", name)
		}
	}
	if err := p.Execute(&bytes.Buffer{}, "nope", m); err == nil {
		t.Error("an unknown page rendered")
	}
}

// TestNoInlineScriptOrStyle keeps the templates within the CSP: scripts
// only from files and with the nonce, no style elements or attributes, no
// event-handler attributes.
func TestNoInlineScriptOrStyle(t *testing.T) {
	bad := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)\sstyle\s*=`),
		regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
		regexp.MustCompile(`(?i)javascript:`),
	}
	script := regexp.MustCompile(`(?i)<script[^>]*>`)
	err := fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(Files(), path)
		if err != nil {
			return err
		}
		for _, re := range bad {
			if re.Match(src) {
				t.Errorf("%s matches %s", path, re)
			}
		}
		for _, tag := range script.FindAll(src, -1) {
			if !bytes.Contains(tag, []byte(" src=")) || !bytes.Contains(tag, []byte(`nonce="{{.Nonce}}"`)) {
				t.Errorf("%s: %s is inline or lacks the nonce", path, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
