package portal

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/i18n"
)

// /accessibility: the accessibility statement that Dutch, Belgian and
// French public bodies must publish (WCAG 2.1 AA through EN 301 549). It
// names a contact: the support line of the organisation whose page linked
// here (?look=<token>, which every footer of a recipient's page adds), else
// --accessibility-contact.

// statementDate is when the statement was last checked against the pages;
// change it with the statement.
var statementDate = time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)

// accessibilityView is the statement page.
type accessibilityView struct {
	baseView
	Org, Contact string
	Checked      string
}

// showAccessibility shows the statement with the contact that applies.
func (s *Server) showAccessibility(c echo.Context) error {
	v := accessibilityView{baseView: s.base(c, "a11y.title"), Contact: s.a11yContact, Checked: i18n.Date(s.lang(c), statementDate)}
	if token := c.QueryParam("look"); token != "" && len(token) <= 64 {
		l, _, err := s.store.OrgLookByToken(c.Request().Context(), token)
		switch {
		case err == nil:
			v.Org = l.DisplayName
			if l.SupportLine != "" {
				v.Contact = l.SupportLine
			}
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
	}
	return c.Render(http.StatusOK, "accessibility", v)
}
