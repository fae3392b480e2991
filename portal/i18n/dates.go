package i18n

import (
	"strconv"
	"time"
)

// calendar is how one language writes a day and a moment. Month names and
// the words around the time are calendar facts (CLDR's "long" date
// formats), not sentences, so they live here beside the zone rather than
// in the catalogues; TestEveryLanguageHasACalendar keeps the two in step.
type calendar struct {
	months   [12]string
	firstDay string // how the first of a month is written ("1er" in French)
	at       string // between the date and the time
}

var calendars = map[string]calendar{
	"nl": {months: [12]string{"januari", "februari", "maart", "april", "mei", "juni",
		"juli", "augustus", "september", "oktober", "november", "december"}, firstDay: "1", at: " om "},
	"fr": {months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"}, firstDay: "1er", at: " à "},
	"en": {months: [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}, firstDay: "1", at: ", "},
}

func calendarOf(lang string) calendar {
	if c, ok := calendars[lang]; ok {
		return c
	}
	return calendars[Default]
}

// Date writes the day of t in the zone people read times in, the way lang
// does: "30 november 2026", "1er décembre 2026", "30 November 2026". An
// unknown language writes Default's way; the zero time is "".
func Date(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return calendarOf(lang).date(Local(t))
}

// DateTime writes the day and the time of t in the zone people read times
// in, the way lang does: "30 november 2026 om 10:46", "30 novembre 2026 à
// 10:46", "30 November 2026, 10:46". An unknown language writes Default's
// way; the zero time is "".
func DateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	c := calendarOf(lang)
	t = Local(t)
	return c.date(t) + c.at + t.Format("15:04")
}

func (c calendar) date(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = c.firstDay
	}
	return day + " " + c.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
