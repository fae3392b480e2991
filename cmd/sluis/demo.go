package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"

	"sluis/db"
	"sluis/portal/secret"
)

// The demo organisation. .test is reserved (RFC 2606): no mail can leak out.
const (
	demoDomain  = "voorbeeld.test"
	demoSender  = "jan@" + demoDomain
	demoAdmin   = "admin@" + demoDomain
	demoOrgName = "Gemeente Voorbeeld"
)

func cmdDemo(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("demo", e, &c)
	if err := fs.Set("http", "127.0.0.1:8080"); err != nil {
		return err
	}
	if err := fs.Set("smtp", "127.0.0.1:2525"); err != nil {
		return err
	}
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "sluis-demo-*")
	if err != nil {
		return fmt.Errorf("creating the demo's data folder: %w", err)
	}
	defer os.RemoveAll(dir)
	c.Data, c.Database, c.Blobs, c.MasterKeyFile, c.Relay = dir, "", "", "", ""
	c.InsecureAuth = true
	if _, port, err := net.SplitHostPort(c.HTTP); err == nil && c.BaseURL == defaultBaseURL {
		c.BaseURL = "http://localhost:" + port
	}
	creds, err := seedDemo(ctx, &c)
	if err != nil {
		return err
	}
	started := func(httpAddr, smtpAddr string) { printDemo(e, &c, smtpAddr, creds) }
	return serve(ctx, &c, e, serveOptions{dev: true, started: started})
}

type demoCreds struct{ sender, admin string }

// seedDemo migrates a fresh database and fills it with one organisation, a
// sender, an admin and an address book.
func seedDemo(ctx context.Context, c *config) (demoCreds, error) {
	s, err := db.Open(ctx, c.databaseDSN(), db.Options{})
	if err != nil {
		return demoCreds{}, err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return demoCreds{}, err
	}
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: demoOrgName, Domains: []string{demoDomain}, Country: "NL", Language: "nl"})
	if err != nil {
		return demoCreds{}, err
	}
	creds := demoCreds{sender: demoPassword(), admin: demoPassword()}
	for _, u := range []struct{ addr, role, name, pw string }{
		{demoSender, db.RoleSender, "Jan Jansen", creds.sender},
		{demoAdmin, db.RoleAdmin, "Beheerder", creds.admin},
	} {
		hash, err := secret.Hash(u.pw)
		if err != nil {
			return demoCreds{}, err
		}
		if _, err := s.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: u.addr, Role: u.role, DisplayName: u.name, PasswordHash: hash}); err != nil {
			return demoCreds{}, err
		}
	}
	return creds, seedDemoBook(ctx, s, org.ID)
}

func seedDemoBook(ctx context.Context, s *db.Store, orgID int64) error {
	code, err := secret.Hash("partner-2026")
	if err != nil {
		return err
	}
	str := func(v string) *string { return &v }
	ch := db.Change{Source: db.SourceManual, Actor: "demo"}
	for _, in := range []db.ContactInput{
		{Email: "alice@patient.test", FullName: str("Alice de Vries"), Phone: str("+31612345678")},
		{Email: "bob@advocaat.test", FullName: str("Bob Peeters"), Phone: str("+32470123456")},
		{Email: "partner.test", FullName: str("Partner Zorg BV"), AccessCodeHash: &code, AccessCodeHint: str("the year follows the word partner")},
	} {
		if _, _, err := s.PutContact(ctx, db.OrgBook(orgID), in, ch); err != nil {
			return err
		}
	}
	return nil
}

// demoPassword is 20 random base32 characters in groups of five.
func demoPassword() string {
	t := rand.Text()
	return t[:5] + "-" + t[5:10] + "-" + t[10:15] + "-" + t[15:20]
}

func printDemo(e env, c *config, smtpAddr string, creds demoCreds) {
	base := c.BaseURL
	fmt.Fprintf(e.stdout, `
Sluis demo is running (data in %s, removed when you stop it with Ctrl-C).

  Portal        %s/
  Sign in       %s/signin
  Dev outbox    %s/dev/outbox   (mail Sluis sends, since no relay is set)
  Health        %s/healthz   metrics: %s/metrics
  SMTP intake   %s   (AUTH without TLS allowed in the demo)

  Sender        %s   password %s
  Admin         %s   password %s

Organisation %q owns %s; its address book has alice@patient.test,
bob@advocaat.test and an organisation-wide access code for partner.test.
`, c.Data, base, base, base, base, base, smtpAddr, demoSender, creds.sender, demoAdmin, creds.admin, demoOrgName, demoDomain)
}
