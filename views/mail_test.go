package views

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestMailsRender(t *testing.T) {
	m, err := ParseMails()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Kinds(), []string{"channel", "held", "notify", "sender"}; !slices.Equal(got, want) {
		t.Fatalf("kinds %v, want %v", got, want)
	}
	tr := func(key string) string { return "[" + key + "]" }
	data := map[string]any{
		"Lang": "fr", "URL": "https://sluis.example/m/abc?x=1&y=2", "Verify": "reply",
		"Recipients": []map[string]string{{"Address": "<ann@example.com>", "Reason": "r"}},
		"Lines":      []map[string]any{{"Line": 2, "Text": "<b>bad</b>", "Reason": "r"}},
	}
	for _, kind := range m.Kinds() {
		text, html, err := m.Render(kind, tr, data)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, s := range []string{text, html} {
			if !strings.Contains(s, "[mail.footer]") {
				t.Errorf("%s: no translated footer in %q", kind, s)
			}
		}
		if !strings.Contains(html, `<html lang="fr">`) {
			t.Errorf("%s: HTML lacks the language", kind)
		}
		if strings.Contains(html, "<b>bad</b>") || strings.Contains(html, "<ann@") {
			t.Errorf("%s: HTML body did not escape the data", kind)
		}
	}
	text, _, err := m.Render("held", tr, data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "<b>bad</b>") || !strings.Contains(text, "https://sluis.example/m/abc?x=1&y=2") {
		t.Errorf("the text body must carry data as written:\n%s", text)
	}
	if _, _, err := m.Render("nope", tr, data); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// TestMailsRenderAtOnce renders from many goroutines, each with its own
// translator: every mail is in its own caller's language, never another's.
func TestMailsRenderAtOnce(t *testing.T) {
	m, err := ParseMails()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			lang := strconv.Itoa(i)
			tr := func(key string) string { return "[" + lang + ":" + key + "]" }
			for range 50 {
				text, html, err := m.Render("notify", tr, map[string]any{"Lang": lang, "URL": "https://sluis.example/m/" + lang})
				if err != nil {
					t.Error(err)
					return
				}
				for _, s := range []string{text, html} {
					if !strings.Contains(s, "["+lang+":mail.footer]") || strings.Count(s, "[") != strings.Count(s, "["+lang+":") {
						t.Errorf("mail for %s carries another caller's words:\n%s", lang, s)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkMailsRender is one notification's two bodies.
func BenchmarkMailsRender(b *testing.B) {
	m, err := ParseMails()
	if err != nil {
		b.Fatal(err)
	}
	tr := func(key string) string { return key }
	data := map[string]any{"Lang": "nl", "URL": "https://sluis.example/m/abc"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.Render("notify", tr, data); err != nil {
			b.Fatal(err)
		}
	}
}
