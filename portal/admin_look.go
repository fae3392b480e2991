package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/look"
)

// /admin/look: the organisation's name, support line, accent colour and
// logo, as recipient pages and notification mail show them.

// lookRoute takes a logo; a file a little over the limit still reaches the
// page's own error ("at most 200 KB") rather than a bare 413.
const (
	lookRoute   = "/admin/look"
	maxLookBody = 2 << 20
)

// lookForm is what the page sends, kept as typed when refused.
type lookForm struct {
	DisplayName, SupportLine, Accent string
	RemoveLogo                       bool
	logo                             []byte
}

// lookPageView is the look page.
type lookPageView struct {
	baseView
	Current *lookView // as saved, for the preview
	Accent  string    // the saved accent, "" for the portal's own
	Form    lookForm
	Errors  map[string]string // by field
	Summary []fieldError
	Notice  string
}

// parseLookForm reads the fields once and the logo, if one was chosen.
func parseLookForm(c echo.Context) (lookForm, error) {
	f := lookForm{DisplayName: c.FormValue("display_name"), SupportLine: c.FormValue("support_line"),
		Accent: c.FormValue("accent"), RemoveLogo: c.FormValue("remove_logo") == "1"}
	fh, err := c.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("reading the logo: %w", err)
	}
	file, err := fh.Open()
	if err != nil {
		return f, fmt.Errorf("opening the logo: %w", err)
	}
	defer file.Close()
	// One byte over the limit is enough to refuse it.
	f.logo, err = io.ReadAll(io.LimitReader(file, look.MaxLogoBytes+1))
	if err != nil {
		return f, fmt.Errorf("reading the logo: %w", err)
	}
	if f.logo == nil {
		f.logo = []byte{}
	}
	return f, nil
}

// showLook shows the look as saved and the form to change it.
func (s *Server) showLook(c echo.Context) error {
	v, err := s.lookPage(c)
	if err != nil {
		return err
	}
	if c.QueryParam("done") == "saved" {
		v.Notice = s.t(c, "look.saved")
	}
	return c.Render(http.StatusOK, "admin_look", v)
}

// saveLook checks and saves a change with its audit event; a refused
// change re-renders the page with what was typed and each reason.
func (s *Server) saveLook(c echo.Context) error {
	u := currentUser(c)
	form, err := parseLookForm(c)
	if err != nil {
		return err
	}
	err = look.Save(c.Request().Context(), s.store, u.OrgID, s.auditEvent(c, "look.change", ""),
		look.Change{DisplayName: form.DisplayName, SupportLine: form.SupportLine, Accent: form.Accent,
			Logo: form.logo, RemoveLogo: form.RemoveLogo})
	var refused *look.Refused
	if errors.As(err, &refused) {
		if err := s.auditRefusedLook(c, refused); err != nil {
			return err
		}
		return s.refuseLook(c, form, refused)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, lookRoute+"?done=saved")
}

// auditRefusedLook records a refused change with the reasons (keys, never
// what was typed).
func (s *Server) auditRefusedLook(c echo.Context, refused *look.Refused) error {
	e := s.auditEvent(c, "look.change", fmt.Sprintf("org:%d", currentUser(c).OrgID))
	e.Outcome = db.OutcomeFailed
	for _, r := range refused.Errors {
		e.Detail += r.Field + ": " + r.Key + "; "
	}
	e.Detail = strings.TrimSuffix(e.Detail, "; ")
	return s.store.AppendAudit(c.Request().Context(), e)
}

func (s *Server) refuseLook(c echo.Context, form lookForm, refused *look.Refused) error {
	v, err := s.lookPage(c)
	if err != nil {
		return err
	}
	v.Form, v.Errors = form, map[string]string{}
	for _, e := range refused.Errors {
		text := s.i18n.T(s.lang(c), "look.error."+e.Key, e.Data)
		v.Errors[e.Field] = text
		v.Summary = append(v.Summary, fieldError{Field: e.Field, Text: text})
	}
	return c.Render(http.StatusUnprocessableEntity, "admin_look", v)
}

// lookPage loads the saved look: the preview (with the organisation's
// name when no display name is set) and the form's values.
func (s *Server) lookPage(c echo.Context) (lookPageView, error) {
	u := currentUser(c)
	l, err := s.store.OrgBrand(c.Request().Context(), u.OrgID)
	if err != nil {
		return lookPageView{}, err
	}
	v := lookPageView{baseView: s.base(c, "look.title"), Current: newLookView(l), Accent: l.Accent}
	saved, err := s.store.OrgLook(c.Request().Context(), u.OrgID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return lookPageView{}, err
	}
	v.Form = lookForm{DisplayName: saved.DisplayName, SupportLine: saved.SupportLine, Accent: saved.Accent}
	return v, nil
}
