package look

import "testing"

// TestContrast uses WCAG's own anchors: black on white is 21:1, white 1:1,
// and #767676 is the lightest grey that passes 4.5:1.
func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		in, hex, ratio string
		pass           bool
	}{
		{"#000000", "#000000", "21.0:1", true},
		{"#fff", "#ffffff", "1.0:1", false},
		{"767676", "#767676", "4.5:1", true},
		{"#777777", "#777777", "4.4:1", false},
		{"#0B5CAD", "#0b5cad", "6.6:1", true},
		{"#ffcc00", "#ffcc00", "1.5:1", false},
	} {
		hex, ok := ParseAccent(tc.in)
		if !ok || hex != tc.hex {
			t.Errorf("ParseAccent(%q) = %q, %v", tc.in, hex, ok)
			continue
		}
		r := ContrastOnWhite(hex)
		if Ratio(r) != tc.ratio || (r >= MinContrast) != tc.pass {
			t.Errorf("%s: %s (%f), want %s pass=%v", hex, Ratio(r), r, tc.ratio, tc.pass)
		}
	}
	for _, bad := range []string{"", "#12345", "#gggggg", "red", "#1234567", "rgb(0,0,0)"} {
		if hex, ok := ParseAccent(bad); ok {
			t.Errorf("ParseAccent(%q) = %q, want refused", bad, hex)
		}
	}
}

// TestCheckRefusesWithTheReason: a pale accent is refused with its ratio,
// a bad file with its kind; every refused field is reported at once.
func TestCheckRefusesWithTheReason(t *testing.T) {
	_, errs := Check(Change{Accent: "#ffcc00", Logo: []byte("GIF89a..."), DisplayName: string(make([]rune, 81))})
	got := map[string]*Error{}
	for _, e := range errs {
		got[e.Field] = e
	}
	if e := got["accent"]; e == nil || e.Key != "accent_contrast" || e.Data["Ratio"] != "1.5:1" {
		t.Errorf("accent: %+v", e)
	}
	if e := got["logo"]; e == nil || e.Key != "logo_kind" {
		t.Errorf("logo: %+v", e)
	}
	if e := got["display_name"]; e == nil || e.Key != "name_too_long" {
		t.Errorf("display_name: %+v", e)
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxLogoBytes)...)
	if _, errs := Check(Change{Logo: big}); len(errs) != 1 || errs[0].Key != "logo_too_large" {
		t.Errorf("a logo over 200 KB: %+v", errs)
	}
	c, errs := Check(Change{Accent: " #0B5CAD ", DisplayName: "  Ziekenhuis\n Oost ", SupportLine: "Vragen? Bel 020 123 45 67"})
	if len(errs) != 0 || c.Accent != "#0b5cad" || c.DisplayName != "Ziekenhuis Oost" || c.SetLogo {
		t.Errorf("a good change: %+v %+v", c, errs)
	}
}
