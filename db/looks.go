package db

import (
	"context"
	"fmt"
	"time"
)

// OrgLook is how an organisation shows itself to the people it writes to:
// the name, the support line, the accent colour and whether it has a logo.
// The store keeps what it is given; the rules (contrast, SVG sanitizing,
// sizes) belong to portal/look, which every write goes through.
type OrgLook struct {
	OrgID       int64
	Token       string // changes with every save; the public URLs carry it
	DisplayName string
	SupportLine string
	Accent      string // "#rrggbb" or ""
	LogoType    string // "image/png", "image/svg+xml" or "" (no logo)
	UpdatedAt   time.Time
}

// LookChange is one save of the look page. Logo is written only when
// SetLogo is true (an empty Logo then removes it).
type LookChange struct {
	Token       string
	DisplayName string
	SupportLine string
	Accent      string
	SetLogo     bool
	LogoType    string
	Logo        []byte
}

const lookColumns = `org_id, token, display_name, support_line, accent, logo_type, updated_at`

func scanLook(r interface{ Scan(...any) error }, extra ...any) (OrgLook, error) {
	var l OrgLook
	var at int64
	err := r.Scan(append([]any{&l.OrgID, &l.Token, &l.DisplayName, &l.SupportLine, &l.Accent, &l.LogoType, &at}, extra...)...)
	l.UpdatedAt = fromMicros(at)
	return l, mapError(err)
}

// OrgLook returns an organisation's look; ErrNotFound when it has none.
func (s *Store) OrgLook(ctx context.Context, orgID int64) (OrgLook, error) {
	l, err := scanLook(s.reader().queryRow(ctx, `SELECT `+lookColumns+` FROM org_looks WHERE org_id = ?`, orgID))
	if err != nil {
		return OrgLook{}, fmt.Errorf("look of organisation %d: %w", orgID, err)
	}
	return l, nil
}

// OrgLookByToken returns the look and the logo its public URLs name. The
// token is the key on purpose: logo and stylesheet are shown to people who
// have not signed in, and a random token reveals no organisation's id.
func (s *Store) OrgLookByToken(ctx context.Context, token string) (OrgLook, []byte, error) {
	var logo []byte
	l, err := scanLook(s.reader().queryRow(ctx, `SELECT `+lookColumns+`, logo FROM org_looks WHERE token = ?`, token), &logo)
	if err != nil {
		return OrgLook{}, nil, fmt.Errorf("look by token: %w", err)
	}
	return l, logo, nil
}

// OrgLook returns the look inside a transaction (the "before" of an audit
// event); ErrNotFound when the organisation has none yet.
func (t *Tx) OrgLook(ctx context.Context, orgID int64) (OrgLook, error) {
	l, err := scanLook(t.queryRow(ctx, `SELECT `+lookColumns+` FROM org_looks WHERE org_id = ?`, orgID))
	if err != nil {
		return OrgLook{}, fmt.Errorf("look of organisation %d: %w", orgID, err)
	}
	return l, nil
}

// PutOrgLook saves an organisation's look inside a transaction, so that
// the change and its audit event commit together.
func (t *Tx) PutOrgLook(ctx context.Context, orgID int64, in LookChange) error {
	now := micros(t.s.now())
	_, err := t.exec(ctx, `INSERT INTO org_looks (org_id, token, display_name, support_line, accent, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET token = excluded.token, display_name = excluded.display_name,
		support_line = excluded.support_line, accent = excluded.accent, updated_at = excluded.updated_at`,
		orgID, in.Token, in.DisplayName, in.SupportLine, in.Accent, now)
	if err != nil {
		return fmt.Errorf("saving the look of organisation %d: %w", orgID, err)
	}
	if !in.SetLogo {
		return nil
	}
	var logo any
	if len(in.Logo) > 0 {
		logo = in.Logo
	} else {
		in.LogoType = ""
	}
	if _, err := t.exec(ctx, `UPDATE org_looks SET logo_type = ?, logo = ? WHERE org_id = ?`, in.LogoType, logo, orgID); err != nil {
		return fmt.Errorf("saving the logo of organisation %d: %w", orgID, err)
	}
	return nil
}

// OrgBrand returns what a page or a mail shows of an organisation: its
// look, with the organisation's name as the display name when it has set
// none (or has no look yet, then Token is "").
func (s *Store) OrgBrand(ctx context.Context, orgID int64) (OrgLook, error) {
	var l OrgLook
	var at int64
	var name string
	err := s.reader().queryRow(ctx, `SELECT o.id, o.name, COALESCE(l.token, ''), COALESCE(l.display_name, ''),
		COALESCE(l.support_line, ''), COALESCE(l.accent, ''), COALESCE(l.logo_type, ''), COALESCE(l.updated_at, 0)
		FROM organizations o LEFT JOIN org_looks l ON l.org_id = o.id WHERE o.id = ?`, orgID).
		Scan(&l.OrgID, &name, &l.Token, &l.DisplayName, &l.SupportLine, &l.Accent, &l.LogoType, &at)
	if err != nil {
		return OrgLook{}, fmt.Errorf("brand of organisation %d: %w", orgID, mapError(err))
	}
	if l.DisplayName == "" {
		l.DisplayName = name
	}
	l.UpdatedAt = fromMicros(at)
	return l, nil
}
