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
	var way demoWay
	seed := func(ctx context.Context, p *parts) (err error) {
		way, err = seedDemoWay(ctx, p, c.Data)
		return err
	}
	started := func(httpAddr, smtpAddr string) { printDemo(e, &c, smtpAddr, creds, way) }
	return serve(ctx, &c, e, serveOptions{dev: true, seed: seed, started: started})
}

type demoCreds struct{ sender, admin string }

// seedDemo migrates a fresh database and fills it with one organisation, a
// sender, an admin and an address book.
func seedDemo(ctx context.Context, c *config) (demoCreds, error) {
	s, err := db.Open(ctx, c.databaseDSN(), storeOptions())
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

// printDemo shows the way: per role, the link to open and the code or
// password to use, and a curl command that sends a mail of one's own.
func printDemo(e env, c *config, smtpAddr string, creds demoCreds, way demoWay) {
	base := c.BaseURL
	fmt.Fprintf(e.stdout, `
Sluis demo is running. Stop it with Ctrl-C; its data (in %s) is then removed.
Organisation %q owns %s. Three messages are waiting; take any role:

1. Recipient who proves who she is by SMS (%s)
   open   %s
   then   ask for a code; the text with the code shows in the dev outbox:
          %s/dev/outbox

2. Recipient with an access code (%s)
   open   %s
   code   %s

3. Sender whose email was held: a recipient lacks a mobile number (%s)
   sign in  %s/signin   %s   password %s
   open     %s
   then     fill in a mobile number for %s (e.g. +31 6 12345679) and send

4. Admin (%s)
   sign in  %s/signin   %s   password %s
   open     %s/admin   units, users, policies, the organisation's look (%s/admin/look), the audit log

Send your own mail through the SMTP intake (%s; AUTH without TLS is allowed in the demo):

   curl --mail-from %s --mail-rcpt %s --upload-file %s --user '%s:%s' smtp://%s

Every mail and text Sluis sends lands in the dev outbox, shown as it reads: %s/dev/outbox
Health %s/healthz   metrics %s/metrics
`, c.Data, demoOrgName, demoDomain,
		demoSMSRecipient, way.smsLink, base,
		demoCodeRecipient, way.codeLink, demoAccessCode,
		demoSender, base, demoSender, creds.sender, way.draftLink, demoHeldRecipient,
		demoAdmin, base, demoAdmin, creds.admin, base, base,
		smtpAddr, demoSender, demoSMSRecipient, way.mailFile, demoSender, creds.sender, smtpAddr,
		base, base, base)
}
