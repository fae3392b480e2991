package i18n

import (
	"regexp"
	"testing"
)

// shortcut matches the ways a sentence dodges its plural: "ontvanger(s)",
// "destinataire(s)", "apparaat/apparaten".
var shortcut = regexp.MustCompile(`\p{L}\((s|en|e|es)\)|apparaat/apparaten`)

// TestNoPluralShortcuts reads every form of every message: a count is
// said with CLDR plural forms, never with "(s)".
func TestNoPluralShortcuts(t *testing.T) {
	for _, lang := range []string{"nl", "fr", "en"} {
		for id, m := range catalogue(t, lang) {
			for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				if shortcut.MatchString(form) {
					t.Errorf("%s %s: %q dodges its plural", lang, id, form)
				}
			}
		}
	}
}

// TestPluralForms checks that one and many read differently in each
// language, French counting 0 and 1 as singular as CLDR says.
func TestPluralForms(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, key string
		n         int
		want      string
	}{
		{"nl", "draft.intro", 1, "bij 1 ontvanger ontbreekt"},
		{"nl", "draft.intro", 3, "bij 3 ontvangers ontbreekt"},
		{"fr", "draft.intro", 1, "pour 1 destinataire."},
		{"fr", "draft.intro", 2, "pour 2 destinataires."},
		{"en", "draft.intro", 1, "1 recipient lacks"},
		{"en", "draft.intro", 2, "2 recipients lack"},
		{"nl", "account.sessions", 1, "op 1 apparaat of browser."},
		{"nl", "account.sessions", 2, "op 2 apparaten of browsers."},
		{"fr", "account.sessions", 0, "sur 0 appareil ou navigateur."},
		{"fr", "account.sessions", 4, "sur 4 appareils ou navigateurs."},
		{"en", "account.sessions", 1, "on 1 device or browser."},
		{"en", "account.sessions", 5, "on 5 devices or browsers."},
	} {
		got := b.T(tc.lang, tc.key, map[string]any{"Count": tc.n})
		if !regexp.MustCompile(regexp.QuoteMeta(tc.want)).MatchString(got) {
			t.Errorf("%s %s %d = %q, want it to contain %q", tc.lang, tc.key, tc.n, got, tc.want)
		}
	}
}
