package look

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"unicode/utf8"

	"sluis/db"
)

// Limits of what an admin may send.
const (
	MaxLogoBytes   = 200 << 10 // a logo, PNG or SVG
	MaxLogoPixels  = 4096      // width and height of a PNG
	MaxNameRunes   = 80
	MaxSupportRune = 200
)

// Logo kinds, as served.
const (
	PNG = "image/png"
	SVG = "image/svg+xml"
)

// Error is a refused field: Key names the message in the catalogues (look.
// error.<Key>), Data fills it (the contrast ratio).
type Error struct {
	Field, Key string
	Data       map[string]any
}

func (e *Error) Error() string { return "look: " + e.Field + ": " + e.Key }

// Change is what the look page sends. Logo is nil when no file was chosen
// (the logo stays), RemoveLogo drops it.
type Change struct {
	DisplayName, SupportLine, Accent string
	Logo                             []byte
	RemoveLogo                       bool
}

// Check validates a change and returns what the store is to save: the
// accent normalized, an SVG rebuilt from the allowlist. Every refused
// field is returned, in page order.
func Check(in Change) (db.LookChange, []*Error) {
	out := db.LookChange{DisplayName: oneLine(in.DisplayName), SupportLine: oneLine(in.SupportLine)}
	var errs []*Error
	if utf8.RuneCountInString(out.DisplayName) > MaxNameRunes {
		errs = append(errs, &Error{Field: "display_name", Key: "name_too_long", Data: map[string]any{"Max": MaxNameRunes}})
	}
	if utf8.RuneCountInString(out.SupportLine) > MaxSupportRune {
		errs = append(errs, &Error{Field: "support_line", Key: "support_too_long", Data: map[string]any{"Max": MaxSupportRune}})
	}
	if e := checkAccent(in.Accent, &out); e != nil {
		errs = append(errs, e)
	}
	switch {
	case in.RemoveLogo:
		out.SetLogo = true
	case in.Logo != nil:
		if e := checkLogo(in.Logo, &out); e != nil {
			errs = append(errs, e)
		}
	}
	return out, errs
}

func checkAccent(s string, out *db.LookChange) *Error {
	if strings.TrimSpace(s) == "" {
		return nil // the portal's own colour
	}
	hex, ok := ParseAccent(s)
	if !ok {
		return &Error{Field: "accent", Key: "accent_format"}
	}
	if r := ContrastOnWhite(hex); r < MinContrast {
		return &Error{Field: "accent", Key: "accent_contrast", Data: map[string]any{"Ratio": Ratio(r), "Min": "4.5:1"}}
	}
	out.Accent = hex
	return nil
}

// checkLogo accepts a PNG that decodes as one, or an SVG it rebuilds.
func checkLogo(b []byte, out *db.LookChange) *Error {
	switch {
	case len(b) == 0:
		return &Error{Field: "logo", Key: "logo_empty"}
	case len(b) > MaxLogoBytes:
		return &Error{Field: "logo", Key: "logo_too_large", Data: map[string]any{"Max": MaxLogoBytes >> 10}}
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width > MaxLogoPixels || cfg.Height > MaxLogoPixels || cfg.Width == 0 || cfg.Height == 0 {
			return &Error{Field: "logo", Key: "logo_bad_png"}
		}
		out.SetLogo, out.LogoType, out.Logo = true, PNG, b
		return nil
	}
	clean, err := SanitizeSVG(b)
	if err != nil {
		return &Error{Field: "logo", Key: "logo_kind"}
	}
	out.SetLogo, out.LogoType, out.Logo = true, SVG, clean
	return nil
}

// oneLine trims a text and folds its white space: names and lines are
// shown on one line, in pages and in mail headers alike.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
}

// Save checks a change and saves it with its audit event in one
// transaction. The refused fields come back as []*Error in an
// *Refused; nothing is saved then.
func Save(ctx context.Context, store *db.Store, orgID int64, actor db.AuditEvent, in Change) error {
	change, errs := Check(in)
	if len(errs) > 0 {
		return &Refused{Errors: errs}
	}
	change.Token = rand.Text()
	return store.InTx(ctx, func(tx *db.Tx) error {
		before, err := tx.OrgLook(ctx, orgID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if err := tx.PutOrgLook(ctx, orgID, change); err != nil {
			return err
		}
		e := actor
		e.OrgID, e.Kind, e.Target = orgID, "look.change", fmt.Sprintf("org:%d", orgID)
		e.Before, e.After = describe(before, before.LogoType), describe(lookOf(change), logoAfter(before, change))
		return tx.AppendAudit(ctx, e)
	})
}

// Refused carries every field a change was refused for.
type Refused struct{ Errors []*Error }

func (r *Refused) Error() string { return fmt.Sprintf("look: %d fields refused", len(r.Errors)) }

func lookOf(c db.LookChange) db.OrgLook {
	return db.OrgLook{DisplayName: c.DisplayName, SupportLine: c.SupportLine, Accent: c.Accent}
}

func logoAfter(before db.OrgLook, c db.LookChange) string {
	if !c.SetLogo {
		return before.LogoType
	}
	if len(c.Logo) == 0 {
		return ""
	}
	return c.LogoType
}

// describe is a look as the audit log shows it.
func describe(l db.OrgLook, logo string) string {
	if logo == "" {
		logo = "none"
	}
	return fmt.Sprintf("name=%q support=%q accent=%q logo=%s", l.DisplayName, l.SupportLine, l.Accent, logo)
}
