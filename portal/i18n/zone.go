package i18n

import "time"

// amsterdam is where Sluis's people live (the Netherlands, Belgium and
// France share its offset); times on pages and in mail are shown in it.
// The binary embeds the zone database, so the lookup cannot fail there.
var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// Local is t in the zone people read times in.
func Local(t time.Time) time.Time { return t.In(amsterdam) }

// Zone is the zone people read and type times in.
func Zone() *time.Location { return amsterdam }
