package i18n

import (
	"testing"
	"time"
)

func TestDateTime(t *testing.T) {
	// 09:46 UTC is 10:46 in Amsterdam in winter; 23:30 UTC on 31 July is
	// already 1 August there (summer time, two hours ahead).
	winter := time.Date(2026, 11, 30, 9, 46, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 31, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		lang     string
		at       time.Time
		dateTime string
		date     string
	}{
		{"nl", winter, "30 november 2026 om 10:46", "30 november 2026"},
		{"fr", winter, "30 novembre 2026 à 10:46", "30 novembre 2026"},
		{"en", winter, "30 November 2026, 10:46", "30 November 2026"},
		{"nl", summer, "1 augustus 2026 om 01:30", "1 augustus 2026"},
		{"fr", summer, "1er août 2026 à 01:30", "1er août 2026"},
		{"en", summer, "1 August 2026, 01:30", "1 August 2026"},
		{"de", winter, "30 November 2026, 10:46", "30 November 2026"},
		{"nl", time.Time{}, "", ""},
	}
	for _, tt := range tests {
		if got := DateTime(tt.lang, tt.at); got != tt.dateTime {
			t.Errorf("DateTime(%q, %v) = %q, want %q", tt.lang, tt.at, got, tt.dateTime)
		}
		if got := Date(tt.lang, tt.at); got != tt.date {
			t.Errorf("Date(%q, %v) = %q, want %q", tt.lang, tt.at, got, tt.date)
		}
	}
}

func TestDateTimeIgnoresTheCallersZone(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 46, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	if got, want := DateTime("en", at.In(tokyo)), DateTime("en", at); got != want {
		t.Errorf("DateTime in Tokyo = %q, want %q", got, want)
	}
}

func TestEveryLanguageHasACalendar(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range b.Languages() {
		c, ok := calendars[lang]
		if !ok {
			t.Errorf("%s has no calendar", lang)
			continue
		}
		for i, m := range c.months {
			if m == "" {
				t.Errorf("%s: month %d has no name", lang, i+1)
			}
		}
		if c.firstDay == "" || c.at == "" {
			t.Errorf("%s: calendar is incomplete", lang)
		}
	}
	if len(calendars) != len(b.Languages()) {
		t.Errorf("%d calendars for %d languages", len(calendars), len(b.Languages()))
	}
}
