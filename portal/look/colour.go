package look

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MinContrast is WCAG 2.1 AA's ratio for normal text (success criterion
// 1.4.3): the accent is used for links on white and behind white button
// text, and the ratio is the same both ways.
const MinContrast = 4.5

// ParseAccent reads "#rrggbb" or "#rgb" (the # optional, any case) and
// returns it as lower-case "#rrggbb".
func ParseAccent(s string) (string, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return "", false
	}
	if _, err := strconv.ParseUint(s, 16, 32); err != nil {
		return "", false
	}
	return "#" + s, true
}

// ContrastOnWhite is the WCAG contrast ratio of a "#rrggbb" colour
// against white, from 1 (white) to 21 (black).
func ContrastOnWhite(hex string) float64 {
	return (1 + 0.05) / (luminance(hex) + 0.05)
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	channel := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(v>>16&0xff) + 0.7152*channel(v>>8&0xff) + 0.0722*channel(v&0xff)
}

// Ratio writes a contrast ratio the way WCAG does, rounded down so that a
// refused colour never shows as 4.5: "3.9:1".
func Ratio(r float64) string {
	return fmt.Sprintf("%.1f:1", math.Floor(r*10)/10)
}
