package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"sluis/db"
	"sluis/portal/auth"
	"sluis/portal/contacts"
	"sluis/portal/phone"
	"sluis/portal/secret"
)

// storeOptions are the store's settings in every command: numbers in the
// address-book history are masked the way the portal and mail show them.
func storeOptions() db.Options { return db.Options{MaskPhone: phone.Mask} }

// openStore opens the configured database and fails unless its schema is
// this binary's.
func openStore(ctx context.Context, c *config) (*db.Store, error) {
	s, err := db.Open(ctx, c.databaseDSN(), storeOptions())
	if err != nil {
		return nil, err
	}
	if err := s.CheckSchema(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func cmdMigrate(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("migrate", e, &c)
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if err := ensureDataDir(c.Data); err != nil && !db.IsPostgresURL(c.Database) {
		return err
	}
	s, err := db.Open(ctx, c.databaseDSN(), db.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	cur, _, err := s.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "applied %d migrations; schema at version %d\n", n, cur)
	return err
}

// listFlag collects a flag that may repeat (--domain a --domain b).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func cmdOrgCreate(ctx context.Context, args []string, e env) error {
	var c config
	var name, country, lang string
	var domains listFlag
	fs := newFlags("org create", e, &c)
	fs.StringVar(&name, "name", "", "the organisation's name")
	fs.Var(&domains, "domain", "a mail domain of the organisation (repeat for more)")
	fs.StringVar(&country, "country", "NL", "country for phone numbers written without a country code")
	fs.StringVar(&lang, "language", "nl", "language of mail to people outside: nl, fr or en")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	s, err := openStore(ctx, &c)
	if err != nil {
		return err
	}
	defer s.Close()
	o, err := s.CreateOrg(ctx, db.NewOrg{Name: name, Domains: domains, Country: country, Language: lang})
	if err != nil {
		return explain(err)
	}
	_, err = fmt.Fprintf(e.stdout, "created organisation %d %q with domains %s\n", o.ID, o.Name, strings.Join(o.Domains, ", "))
	return err
}

// cmdUserAdd adds a user through the same use case as the admin's users
// page: the password rules of auth, and an audit event by "cli" in the
// transaction that creates the user.
func cmdUserAdd(ctx context.Context, args []string, e env) error {
	var c config
	var email, role, password, name, lang string
	fs := newFlags("user add", e, &c)
	fs.StringVar(&email, "email", "", "the user's address, at one of the organisation's domains")
	fs.StringVar(&role, "role", db.RoleSender, "sender or admin")
	fs.StringVar(&password, "password", "", "the password (default: read a line from standard input)")
	fs.StringVar(&name, "name", "", "display name")
	fs.StringVar(&lang, "language", "", "nl, fr or en (default: the organisation's)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	addr, err := db.NormalizeAddress(email)
	if err != nil {
		return explain(err)
	}
	if password == "" {
		if password, err = readPassword(e); err != nil {
			return err
		}
	}
	if err := auth.CheckNewPassword(db.User{Email: addr}, password); err != nil {
		return errPasswordRules
	}
	s, err := openStore(ctx, &c)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.OrgByDomain(ctx, db.DomainOf(addr))
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no organisation has the domain %s: create it first with 'sluis org create'", db.DomainOf(addr))
	}
	if err != nil {
		return err
	}
	u, err := auth.Accounts{Store: s}.CreateUser(ctx, auth.Actor{Name: "cli"},
		auth.NewAccount{OrgID: org.ID, Email: addr, Role: role, DisplayName: name, Language: lang, Password: password})
	if errors.Is(err, auth.ErrPasswordRules) {
		return errPasswordRules
	}
	if err != nil {
		return explain(err)
	}
	_, err = fmt.Fprintf(e.stdout, "added %s %s to %q\n", u.Role, u.Email, org.Name)
	return err
}

// errPasswordRules states auth's password rules for the terminal.
var errPasswordRules = fmt.Errorf("the password must have %d to %d characters and must not be the address", auth.MinPassword, auth.MaxPassword)

func readPassword(e env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password: give --password or write it on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cmdContactsImport(ctx context.Context, args []string, e env) error {
	var c config
	var domain string
	var dryRun bool
	fs := newFlags("contacts import", e, &c)
	fs.StringVar(&domain, "org", "", "a domain of the organisation whose address book to fill")
	fs.BoolVar(&dryRun, "dry-run", false, "validate and report, change nothing")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "contacts import needs exactly one FILE (- for standard input)")
		return errUsage
	}
	s, err := openStore(ctx, &c)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.OrgByDomain(ctx, domain)
	if err != nil {
		return fmt.Errorf("organisation %q: %w", domain, err)
	}
	f, err := openInput(fs.Arg(0), e)
	if err != nil {
		return err
	}
	defer f.Close()
	im := &contacts.Importer{Store: s, Hash: secret.Hash, Verify: secret.Verify}
	rep, err := im.Import(ctx, db.OrgBook(org.ID), f, contacts.Options{Region: org.Country, DryRun: dryRun,
		Change: db.Change{Source: db.SourceImport, Actor: "cli"},
		Audit:  &db.AuditEvent{OrgID: org.ID, Actor: "cli", Kind: "book.import", Target: "book"}})
	if err != nil {
		return err
	}
	return printReport(e, rep)
}

func openInput(name string, e env) (interface {
	Read([]byte) (int, error)
	Close() error
}, error) {
	if name == "-" {
		return nopCloser{e.stdin}, nil
	}
	return os.Open(name)
}

type nopCloser struct {
	r interface{ Read([]byte) (int, error) }
}

func (n nopCloser) Read(p []byte) (int, error) { return n.r.Read(p) }
func (nopCloser) Close() error                 { return nil }

func printReport(e env, rep contacts.Report) error {
	w := e.stdout
	verb := "imported"
	if rep.DryRun {
		verb = "would import (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%d rows read; %s: %d created, %d updated, %d unchanged; %d invalid\n",
		rep.Rows, verb, rep.Created, rep.Updated, rep.Unchanged, len(rep.Invalid))
	for _, r := range rep.Invalid {
		fmt.Fprintf(w, "line %d: %s: %s (%s)\n", r.Line, r.Email, reasonText(r.Reason), r.Field)
	}
	if len(rep.Invalid) > 0 {
		return fmt.Errorf("%d rows were not imported", len(rep.Invalid))
	}
	return nil
}

// explain turns store errors into sentences for the terminal.
func explain(err error) error {
	var inv *db.InvalidError
	if errors.As(err, &inv) {
		if inv.Value != "" {
			return fmt.Errorf("%s %q: %s", inv.Field, inv.Value, reasonText(inv.Reason))
		}
		return fmt.Errorf("%s: %s", inv.Field, reasonText(inv.Reason))
	}
	return err
}
