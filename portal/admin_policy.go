package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/policy"
)

// settingKinds says how the policy page edits each setting.
var settingKinds = map[string]string{
	policy.Verification: "select", policy.MethodsAllowed: "checks", policy.DefaultMethod: "select",
	policy.WebSending: "bool", policy.RequireSecondFactor: "bool", policy.MessageRetention: "days",
	policy.DraftRetention: "days", policy.MaxMessageSize: "number", policy.ReadReceipts: "select",
	policy.ReceiptAllowlist: "list", policy.ReceiptAsk: "bool",
	policy.RememberDevice: "remember",
}

// settingChoices are the values of the select and checks settings.
var settingChoices = map[string][]string{
	policy.Verification:   {policy.VerifyAlways, policy.VerifyNever},
	policy.MethodsAllowed: {policy.MethodSMS, policy.MethodAccessCode},
	policy.DefaultMethod:  {policy.MethodNone, policy.MethodSMS, policy.MethodAccessCode},
	policy.ReadReceipts:   {policy.ReceiptsOff, policy.ReceiptsInternal, policy.ReceiptsAny},
}

// choice is one option of a select or checks setting.
type choice struct {
	Value    string
	Selected bool
}

// settingRow is one setting on the policy page.
type settingRow struct {
	Name    string
	Kind    string
	Value   string // as stored
	Input   string // what the input shows: days, MB, the list
	Choices []choice
	Own     bool
	From    string // the unit it is inherited from; "" for the default
	Error   string
	Shown   string // the value in force, as a person reads it
	Origin  string // where it comes from: this unit, a unit above, the default
}

// policyView is a unit's policy page.
type policyView struct {
	baseView
	Unit     unitRow
	Settings []settingRow
	Sections []policySection
	Notice   string
}

// loadPolicyUnit finds the unit of the admin's organisation in the path.
func (s *Server) loadPolicyUnit(c echo.Context) (unitRow, []unitRow, error) {
	id, err := pathID(c)
	if err != nil {
		return unitRow{}, nil, err
	}
	rows, err := s.loadUnitTree(c)
	if err != nil {
		return unitRow{}, nil, err
	}
	for _, r := range rows {
		if r.ID == id {
			return r, rows, nil
		}
	}
	return unitRow{}, nil, echo.NewHTTPError(http.StatusNotFound)
}

// showPolicy shows every setting of a unit, whether it is the unit's own
// or inherited (and from where), with a form to change each.
func (s *Server) showPolicy(c echo.Context) error {
	v, err := s.policyPage(c, "", "")
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "admin_policy", v)
}

func (s *Server) policyPage(c echo.Context, errName, errText string) (policyView, error) {
	unit, rows, err := s.loadPolicyUnit(c)
	if err != nil {
		return policyView{}, err
	}
	resolved, err := s.policy.Resolve(c.Request().Context(), unit.OrgID, unit.ID)
	if err != nil {
		return policyView{}, err
	}
	paths := map[int64]string{}
	for _, r := range rows {
		paths[r.ID] = r.Path
	}
	v := policyView{baseView: s.base(c, "admin.policy.title"), Unit: unit, Notice: s.adminNotice(c)}
	for _, r := range resolved {
		row := settingRow{Name: r.Name, Kind: settingKinds[r.Name], Value: r.Value, Input: inputOf(r.Name, r.Value), Own: r.Own,
			From: paths[r.From.ID], Choices: choicesOf(r.Name, r.Value), Shown: s.valueText(c, r.Name, r.Value)}
		switch {
		case r.Own:
			row.Origin = s.t(c, "admin.policy.own")
		case row.From != "":
			row.Origin = s.i18n.T(s.lang(c), "admin.policy.inherited", map[string]any{"Unit": row.From})
		default:
			row.Origin = s.t(c, "admin.policy.default")
		}
		if r.Name == errName {
			row.Error = errText
		}
		v.Settings = append(v.Settings, row)
	}
	for _, def := range policySections {
		sec := policySection{Name: def.Name}
		for _, name := range def.Settings {
			for _, row := range v.Settings {
				if row.Name == name {
					sec.Settings = append(sec.Settings, row)
					sec.AnyOwn = sec.AnyOwn || row.Own
				}
			}
		}
		v.Sections = append(v.Sections, sec)
	}
	return v, nil
}

// inputOf writes a stored value the way its input shows it.
func inputOf(name, value string) string {
	if settingKinds[name] == "days" {
		if d, err := time.ParseDuration(value); err == nil {
			return strconv.FormatFloat(d.Hours()/24, 'f', -1, 64)
		}
	}
	if name == policy.ReceiptAllowlist {
		return strings.ReplaceAll(value, ",", ", ")
	}
	return value
}

func containsItem(list, item string) bool {
	for _, v := range strings.Split(list, ",") {
		if v == item {
			return true
		}
	}
	return false
}

// policyForm is a posted change of one setting.
type policyForm struct {
	Name    string
	Value   string
	Inherit bool
}

// readPolicyForm reads the form and turns its input into the stored
// form of the value; the key of a translated error, or "".
func readPolicyForm(c echo.Context) (policyForm, string) {
	f := policyForm{Name: c.FormValue("name"), Inherit: c.FormValue("action") == "inherit"}
	kind, ok := settingKinds[f.Name]
	if !ok {
		return f, "admin.error.unknown_setting"
	}
	if f.Inherit {
		return f, ""
	}
	raw := strings.TrimSpace(c.FormValue("value"))
	switch kind {
	case "bool":
		f.Value = strconv.FormatBool(raw == "true")
	case "checks":
		f.Value = strings.Join(c.Request().PostForm["value"], ",")
	case "days":
		days, err := strconv.ParseFloat(raw, 64)
		if err != nil || days <= 0 || days > 366 {
			return f, "policy.error.bad_duration"
		}
		f.Value = (time.Duration(days*24) * time.Hour).String()
	default:
		f.Value = raw
	}
	return f, ""
}

// changePolicy sets, overrides or removes a unit's own value of a
// setting; the change and its audit event commit together.
func (s *Server) changePolicy(c echo.Context) error {
	unit, _, err := s.loadPolicyUnit(c)
	if err != nil {
		return err
	}
	if c.FormValue("section") != "" {
		return s.changePolicySection(c, unit)
	}
	f, key := readPolicyForm(c)
	if key != "" {
		return s.renderPolicyError(c, f.Name, s.t(c, key))
	}
	e := s.auditEvent(c, "policy.change", "")
	err = s.policy.Apply(c.Request().Context(), policy.Change{OrgID: unit.OrgID, UnitID: unit.ID, Name: f.Name, Value: f.Value,
		Inherit: f.Inherit, Audit: e})
	if ve, ok := policy.IsValueError(err); ok {
		e.Target, e.Outcome, e.Detail, e.After = "unit:"+strconv.FormatInt(unit.ID, 10), db.OutcomeFailed, "rejected: "+ve.Reason, f.Name
		if aerr := s.store.AppendAudit(c.Request().Context(), e); aerr != nil {
			return aerr
		}
		return s.renderPolicyError(c, f.Name, s.i18n.T(s.lang(c), "policy.error."+ve.Reason, map[string]any{
			"Value": ve.Value, "Max": policy.MaxAllowlist, "MaxLen": policy.MaxAllowlistAddr}))
	}
	if errors.Is(err, policy.ErrUnknownSetting) {
		return s.renderPolicyError(c, f.Name, s.t(c, "admin.error.unknown_setting"))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/units/"+c.Param("id")+"/policy?done=policy_changed#setting-"+f.Name)
}

func (s *Server) renderPolicyError(c echo.Context, name, text string) error {
	v, err := s.policyPage(c, name, text)
	if err != nil {
		return err
	}
	v.Flash = &flash{Kind: "error", Text: text}
	return c.Render(http.StatusUnprocessableEntity, "admin_policy", v)
}
