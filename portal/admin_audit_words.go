package portal

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// The audit log in sentences: each event as a person reads it, in the
// page's language ("Anna changed read receipts for Zorg from Off to Any
// address"). The stored event is unchanged (the CSV export gives it as
// recorded); only the page puts it in words.

// auditRow is one event in words.
type auditRow struct {
	db.AuditEvent
	Who      string // the actor, by name
	Sentence string
	Before   string // readable; for policy changes the value in words
	After    string
	Failed   bool
}

// auditNames are what the sentences name: users by id, units by id.
type auditNames struct {
	users map[int64]string
	units map[string]string // "unit:4" → "Zorg / Radiologie"
}

func (s *Server) loadAuditNames(c echo.Context) (auditNames, error) {
	n := auditNames{users: map[int64]string{}, units: map[string]string{}}
	users, err := s.store.Users(c.Request().Context(), currentUser(c).OrgID)
	if err != nil {
		return n, err
	}
	for _, u := range users {
		n.users[u.ID] = u.Email
		if u.DisplayName != "" {
			n.users[u.ID] = u.DisplayName
		}
	}
	units, err := s.loadUnitTree(c)
	for _, u := range units {
		n.units["unit:"+strconv.FormatInt(u.ID, 10)] = u.Path
	}
	return n, err
}

// auditWords puts one event in words.
func (s *Server) auditWords(c echo.Context, e db.AuditEvent, names auditNames) auditRow {
	r := auditRow{AuditEvent: e, Failed: e.Outcome != "" && e.Outcome != db.OutcomeOK, Before: plainSide(e.Before), After: plainSide(e.After)}
	r.Who = s.actorName(c, e, names)
	data := map[string]any{"Actor": r.Who, "Target": s.targetName(c, e.Target, names)}
	key := "pages.audit.kind." + strings.NewReplacer(".", "_").Replace(e.Kind)
	if e.Kind == "policy.change" {
		name, before := splitSetting(e.Before)
		_, after := splitSetting(e.After)
		if name == "" {
			name = e.After // a refused change records only the setting's name
		}
		data["Setting"] = strings.ToLower(s.t(c, "policy.name."+name))
		r.Before, r.After = s.settingWords(c, name, before), s.settingWords(c, name, after)
		data["Before"], data["After"] = lowerFirst(r.Before), lowerFirst(r.After)
		if r.Failed {
			key = "pages.audit.kind.policy_refused"
		}
	}
	r.Sentence = s.i18n.T(s.lang(c), key, data)
	if r.Sentence == key {
		r.Sentence = s.i18n.T(s.lang(c), "pages.audit.kind.unknown", data)
	}
	return r
}

// plainSide is an event's before or after when it is a plain name
// ("name=Zorg" → "Zorg"); "" when it is a record for machines.
func plainSide(side string) string {
	if v, ok := strings.CutPrefix(side, "name="); ok && !strings.Contains(v, "=") {
		return v
	}
	return ""
}

// splitSetting reads a policy event's side: "name=value" (the unit's own
// value) or "name inherited"; value is "" for inherited.
func splitSetting(side string) (name, value string) {
	if n, v, ok := strings.Cut(side, "="); ok {
		return n, "=" + v
	}
	return strings.TrimSuffix(side, " inherited"), ""
}

// settingWords is a policy event's side in words.
func (s *Server) settingWords(c echo.Context, name, value string) string {
	if value == "" {
		return s.t(c, "pages.audit.inherited")
	}
	return s.valueText(c, name, strings.TrimPrefix(value, "="))
}

// actorName names who did it: a user by name, an API key by its name,
// Sluis itself, the command line, a recipient, or someone unknown.
func (s *Server) actorName(c echo.Context, e db.AuditEvent, names auditNames) string {
	switch kind, rest, _ := strings.Cut(e.Actor, ":"); {
	case kind == "user":
		if n, ok := names.users[e.ActorID]; ok {
			return n
		}
		if _, email, ok := strings.Cut(rest, " "); ok {
			return email
		}
	case kind == "api-key":
		_, name, _ := strings.Cut(rest, " ")
		return s.i18n.T(s.lang(c), "pages.audit.actor.api_key", map[string]any{"Name": name})
	case kind == "recipient":
		return s.t(c, "pages.audit.actor.recipient")
	case e.Actor == "system" || e.Actor == "cli" || e.Actor == "anonymous":
		return s.t(c, "pages.audit.actor."+e.Actor)
	}
	return e.Actor
}

// targetName names what it acted on.
func (s *Server) targetName(c echo.Context, target string, names auditNames) string {
	if p, ok := names.units[target]; ok {
		return p
	}
	kind, rest, _ := strings.Cut(target, ":")
	switch kind {
	case "user":
		if _, email, ok := strings.Cut(rest, " "); ok {
			return email
		}
		return ""
	case "contact":
		return rest
	case "message", "recipient", "api-key", "unit":
		return s.t(c, "pages.audit.target."+strings.ReplaceAll(kind, "-", "_"))
	case "book", "audit log":
		return ""
	}
	if d, ok := strings.CutPrefix(target, "unknown address at "); ok {
		return s.i18n.T(s.lang(c), "pages.audit.target.unknown_at", map[string]any{"Domain": d})
	}
	return target
}

// lowerFirst writes a value's first letter small for the middle of a
// sentence ("Off" → "off"), unless it starts an abbreviation ("SMS").
func lowerFirst(v string) string {
	r := []rune(v)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
