package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Org is an organisation: a tenant.
type Org struct {
	ID        int64
	Name      string
	Country   string // ISO 3166 region for numbers typed without a country code
	Language  string // default language of mail to people outside
	Domains   []string
	RootUnit  int64
	CreatedAt time.Time
}

// NewOrg is what CreateOrg needs.
type NewOrg struct {
	Name     string
	Domains  []string
	Country  string // default NL
	Language string // default nl
}

// CreateOrg creates an organisation with its domains and root unit.
func (s *Store) CreateOrg(ctx context.Context, in NewOrg) (Org, error) {
	o, err := validateNewOrg(in)
	if err != nil {
		return Org{}, err
	}
	o.CreatedAt = s.now().UTC()
	err = s.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO organizations (name, country, language, created_at) VALUES (?, ?, ?, ?)`,
			o.Name, o.Country, o.Language, micros(o.CreatedAt))
		if err != nil {
			return fmt.Errorf("creating organisation: %w", err)
		}
		o.ID = id
		for _, d := range o.Domains {
			if _, err := tx.exec(ctx, `INSERT INTO org_domains (org_id, domain) VALUES (?, ?)`, id, d); err != nil {
				if errors.Is(err, ErrDuplicate) {
					return fmt.Errorf("domain %s belongs to an organisation already: %w", d, ErrDuplicate)
				}
				return fmt.Errorf("adding domain %s: %w", d, err)
			}
		}
		o.RootUnit, err = tx.insert(ctx, `INSERT INTO units (org_id, parent_id, name, created_at) VALUES (?, NULL, ?, ?)`,
			id, o.Name, micros(o.CreatedAt))
		return err
	})
	if err != nil {
		return Org{}, err
	}
	return o, nil
}

func validateNewOrg(in NewOrg) (Org, error) {
	o := Org{Name: strings.TrimSpace(in.Name), Country: strings.ToUpper(strings.TrimSpace(in.Country)), Language: in.Language}
	if o.Name == "" || len(o.Name) > 200 {
		return Org{}, invalid("name", "bad_name", clip(in.Name))
	}
	if o.Country == "" {
		o.Country = "NL"
	}
	if len(o.Country) != 2 {
		return Org{}, invalid("country", "bad_country", clip(in.Country))
	}
	if o.Language == "" {
		o.Language = "nl"
	}
	if !ValidLanguage(o.Language) {
		return Org{}, invalid("language", "bad_language", clip(in.Language))
	}
	if len(in.Domains) == 0 {
		return Org{}, invalid("domain", "missing", "")
	}
	seen := map[string]bool{}
	for _, raw := range in.Domains {
		d, err := NormalizeDomain(raw)
		if err != nil {
			return Org{}, err
		}
		if !seen[d] {
			seen[d] = true
			o.Domains = append(o.Domains, d)
		}
	}
	return o, nil
}

// ValidLanguage reports whether Sluis speaks lang.
func ValidLanguage(lang string) bool {
	return lang == "nl" || lang == "fr" || lang == "en"
}

// AddDomain adds a mail domain to an organisation.
func (s *Store) AddDomain(ctx context.Context, orgID int64, domain string) error {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return err
	}
	if _, err := s.Org(ctx, orgID); err != nil {
		return err
	}
	_, err = s.writer().exec(ctx, `INSERT INTO org_domains (org_id, domain) VALUES (?, ?)`, orgID, d)
	if err != nil {
		return fmt.Errorf("adding domain %s: %w", d, err)
	}
	return nil
}

const orgColumns = `o.id, o.name, o.country, o.language, o.created_at,
	(SELECT u.id FROM units u WHERE u.org_id = o.id AND u.parent_id IS NULL)`

func scanOrg(r interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var created int64
	err := r.Scan(&o.ID, &o.Name, &o.Country, &o.Language, &created, &o.RootUnit)
	o.CreatedAt = fromMicros(created)
	return o, mapError(err)
}

// Org returns one organisation with its domains.
func (s *Store) Org(ctx context.Context, id int64) (Org, error) {
	o, err := scanOrg(s.hot().queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ?`, id))
	if err != nil {
		return Org{}, fmt.Errorf("organisation %d: %w", id, err)
	}
	o.Domains, err = s.orgDomains(ctx, id)
	return o, err
}

// OrgByDomain returns the organisation that owns a mail domain.
func (s *Store) OrgByDomain(ctx context.Context, domain string) (Org, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return Org{}, err
	}
	var id int64
	err = s.reader().queryRow(ctx, `SELECT org_id FROM org_domains WHERE domain = ?`, d).Scan(&id)
	if err != nil {
		return Org{}, fmt.Errorf("organisation for %s: %w", d, mapError(err))
	}
	return s.Org(ctx, id)
}

func (s *Store) orgDomains(ctx context.Context, orgID int64) ([]string, error) {
	rows, err := s.reader().query(ctx, `SELECT domain FROM org_domains WHERE org_id = ? ORDER BY id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing domains: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Orgs lists every organisation.
func (s *Store) Orgs(ctx context.Context) ([]Org, error) {
	rows, err := s.reader().query(ctx, `SELECT `+orgColumns+` FROM organizations o ORDER BY o.id`)
	if err != nil {
		return nil, fmt.Errorf("listing organisations: %w", err)
	}
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Domains, err = s.orgDomains(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
