package main

import (
	"context"
	"strings"
	"testing"

	"sluis/db"
)

// TestUserAddUsesTheAccountRules adds users from the command line: the
// password rules are auth's (the address itself is no password), and the
// user is created with its audit event, by "cli".
func TestUserAddUsesTheAccountRules(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SLUIS_DATA": data}
	mustRun(t, env, "migrate")
	mustRun(t, env, "org", "create", "--name", "Gemeente Voorbeeld", "--domain", "voorbeeld.nl")
	code, out, errs := sluis(t, env, "", "user", "add", "--email", "Lange.Naam@voorbeeld.nl", "--password", "lange.naam@VOORBEELD.nl")
	if code != 1 || !strings.Contains(errs, "must not be the address") {
		t.Errorf("the address as password: exit %d\n%s%s", code, out, errs)
	}
	mustRun(t, env, "user", "add", "--email", "jan@voorbeeld.nl", "--password", "correct horse battery")

	ctx := context.Background()
	s, err := openStore(ctx, &config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, err := s.OrgByDomain(ctx, "voorbeeld.nl")
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.Users(ctx, org.ID)
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %+v, %v", users, err)
	}
	events, err := s.AuditEvents(ctx, org.ID, db.AuditQuery{Limit: 10})
	if err != nil || len(events) != 1 || events[0].Kind != "user.add" || events[0].Actor != "cli" ||
		!strings.Contains(events[0].Target, "jan@voorbeeld.nl") {
		t.Errorf("audit = %+v, %v", events, err)
	}
}
