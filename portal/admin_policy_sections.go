package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/policy"
)

// The policy page in sections, one form each. A section's Save writes
// only the settings whose value changed (so saving does not pin inherited
// values to the unit); "Inherit" removes the unit's own values of the
// section. Read receipts are one choice of three with the allowlist and
// the "ask" box nested under the middle one, over the three stored
// settings (read_receipts, read_receipt_allowlist, read_receipt_ask).

// policySectionDef names a section and its settings, in page order.
type policySectionDef struct {
	Name     string
	Settings []string
}

var policySections = []policySectionDef{
	{"verification", []string{policy.Verification, policy.MethodsAllowed, policy.DefaultMethod, policy.RememberDevice}},
	{"receipts", []string{policy.ReadReceipts, policy.ReceiptAllowlist, policy.ReceiptAsk}},
	{"sending", []string{policy.WebSending, policy.MaxMessageSize}},
	{"retention", []string{policy.MessageRetention, policy.DraftRetention}},
	{"signin", []string{policy.RequireSecondFactor}},
}

// policySection is one section of the policy page.
type policySection struct {
	Name     string
	Settings []settingRow
	AnyOwn   bool
	Error    string // the section's error, translated
	ErrField string // the setting it is about
}

// Row is the section's row of a setting, for sections laid out by hand.
func (p policySection) Row(name string) settingRow {
	for _, r := range p.Settings {
		if r.Name == name {
			return r
		}
	}
	return settingRow{}
}

// sectionDef finds a section by name.
func sectionDef(name string) (policySectionDef, bool) {
	for _, d := range policySections {
		if d.Name == name {
			return d, true
		}
	}
	return policySectionDef{}, false
}

// valueText is a setting's value as a person reads it: "30 days",
// "SMS code, Access code", "Yes", "12 addresses".
func (s *Server) valueText(c echo.Context, name, value string) string {
	lang := s.lang(c)
	switch settingKinds[name] {
	case "bool":
		return s.t(c, "pages.policy.bool."+value)
	case "days":
		d, err := time.ParseDuration(value)
		if err != nil {
			return value
		}
		return s.i18n.T(lang, "pages.policy.days", map[string]any{"Count": int(d.Hours() / 24)})
	case "remember":
		days, err := strconv.Atoi(value)
		switch {
		case err != nil:
			return value
		case days == 0:
			return s.t(c, "pages.policy.remember_never")
		}
		return s.i18n.T(lang, "pages.policy.days", map[string]any{"Count": days})
	case "number":
		return s.i18n.T(lang, "pages.policy.megabytes", map[string]any{"Size": value})
	case "list":
		list, _ := policy.ParseAllowlist(value)
		return s.i18n.T(lang, "pages.policy.addresses", map[string]any{"Count": len(list)})
	}
	var parts []string
	for _, v := range strings.Split(value, ",") {
		if v != "" {
			parts = append(parts, s.t(c, "policy.value."+name+"."+v))
		}
	}
	return strings.Join(parts, ", ")
}

// sectionForm reads a section's posted values: the stored form of each
// (for comparing and applying) and the text as typed (to show again when
// the form comes back). The name of a setting whose input cannot be read,
// with the key of its error.
func readSectionForm(c echo.Context, def policySectionDef) (values, typed map[string]string, errName, errKey string) {
	values, typed = map[string]string{}, map[string]string{}
	form, _ := c.FormParams()
	for _, name := range def.Settings {
		raw := strings.TrimSpace(form.Get(name))
		switch settingKinds[name] {
		case "bool":
			raw = strconv.FormatBool(raw == "true")
			values[name] = raw
		case "checks":
			raw = strings.Join(form[name], ",")
			values[name] = raw
		case "days":
			days, err := strconv.ParseFloat(raw, 64)
			if err != nil || days <= 0 || days > 366 {
				if errName == "" {
					errName, errKey = name, "policy.error.bad_duration"
				}
			} else {
				values[name] = (time.Duration(days*24) * time.Hour).String()
			}
		default:
			values[name] = raw
		}
		typed[name] = raw
	}
	return values, typed, errName, errKey
}

// sameValue reports whether a posted value is the one in force. A value
// its setting refuses is never the same: it must reach the check.
func sameValue(name, posted, current string) bool {
	if policy.Definitions[name].Check(posted) != nil {
		return false
	}
	if settingKinds[name] == "days" {
		a, errA := time.ParseDuration(posted)
		b, errB := time.ParseDuration(current)
		return errA == nil && errB == nil && a == b
	}
	return policy.Normalize(name, posted) == policy.Normalize(name, current)
}

// changePolicySection saves or inherits one section of a unit's policy:
// every change and its audit event in one transaction.
func (s *Server) changePolicySection(c echo.Context, unit unitRow) error {
	def, ok := sectionDef(c.FormValue("section"))
	if !ok {
		return s.renderPolicyError(c, "", s.t(c, "admin.error.unknown_setting"))
	}
	resolved, err := s.policy.Resolve(c.Request().Context(), unit.OrgID, unit.ID)
	if err != nil {
		return err
	}
	current := map[string]policy.Resolved{}
	for _, r := range resolved {
		current[r.Name] = r
	}
	var changes []policy.Change
	base := policy.Change{OrgID: unit.OrgID, UnitID: unit.ID, Audit: s.auditEvent(c, "policy.change", "")}
	if c.FormValue("action") == "inherit" {
		for _, name := range def.Settings {
			if current[name].Own {
				ch := base
				ch.Name, ch.Inherit = name, true
				changes = append(changes, ch)
			}
		}
		return s.applySection(c, unit, def, changes, nil)
	}
	values, typed, errName, errKey := readSectionForm(c, def)
	if errName != "" {
		return s.renderSectionError(c, def.Name, errName, s.t(c, errKey), typed)
	}
	for _, name := range def.Settings {
		if sameValue(name, values[name], current[name].Value) {
			continue
		}
		if err := policy.Definitions[name].Check(values[name]); err != nil {
			return s.rejectPolicyValue(c, unit, def, name, err, typed)
		}
		ch := base
		ch.Name, ch.Value = name, values[name]
		changes = append(changes, ch)
	}
	return s.applySection(c, unit, def, changes, typed)
}

func (s *Server) applySection(c echo.Context, unit unitRow, def policySectionDef, changes []policy.Change, typed map[string]string) error {
	err := s.policy.ApplyAll(c.Request().Context(), changes)
	if _, ok := policy.IsValueError(err); ok && len(changes) > 0 {
		return s.rejectPolicyValue(c, unit, def, changes[0].Name, err, typed)
	}
	if err != nil {
		return err
	}
	done := "?done=policy_changed"
	if len(changes) == 0 {
		done = ""
	}
	return c.Redirect(http.StatusSeeOther, "/admin/units/"+strconv.FormatInt(unit.ID, 10)+"/policy"+done+"#section-"+def.Name)
}

// rejectPolicyValue records a refused value (the reason, never the value)
// and shows the section again with what was typed and the error.
func (s *Server) rejectPolicyValue(c echo.Context, unit unitRow, def policySectionDef, name string, err error, typed map[string]string) error {
	ve, ok := policy.IsValueError(err)
	if !ok {
		return err
	}
	e := s.auditEvent(c, "policy.change", "unit:"+strconv.FormatInt(unit.ID, 10))
	e.Outcome, e.Detail, e.After = db.OutcomeFailed, "rejected: "+ve.Reason, name
	if aerr := s.store.AppendAudit(c.Request().Context(), e); aerr != nil {
		return aerr
	}
	text := s.i18n.T(s.lang(c), "policy.error."+ve.Reason, map[string]any{
		"Value": ve.Value, "Max": policy.MaxAllowlist, "MaxLen": policy.MaxAllowlistAddr})
	return s.renderSectionError(c, def.Name, name, text, typed)
}

func (s *Server) renderSectionError(c echo.Context, section, name, text string, typed map[string]string) error {
	v, err := s.policyPage(c, name, text)
	if err != nil {
		return err
	}
	for i := range v.Sections {
		sec := &v.Sections[i]
		if sec.Name != section {
			continue
		}
		sec.Error, sec.ErrField = text, name
		for j := range sec.Settings {
			row := &sec.Settings[j]
			if t, ok := typed[row.Name]; ok {
				row.Input, row.Value = t, t
				row.Choices = choicesOf(row.Name, t)
			}
		}
	}
	v.Flash = &flash{Kind: "error", Text: text}
	return c.Render(http.StatusUnprocessableEntity, "admin_policy", v)
}

// choicesOf lists a select or checks setting's choices with value's
// marked.
func choicesOf(name, value string) []choice {
	var out []choice
	for _, ch := range settingChoices[name] {
		out = append(out, choice{Value: ch, Selected: containsItem(value, ch)})
	}
	return out
}
