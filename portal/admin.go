package portal

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// The admin's pages: the unit tree, users, locked recipients, policies
// and the audit log, under /admin. Only users with the admin role reach
// them, and only for their own organisation: every query takes the
// admin's OrgID, never one from the request. A signed-in user without the
// role gets the same 404 as an unknown path, so the pages do not reveal
// themselves; a visitor who is not signed in goes to sign-in, as for every
// signed-in page. Every action writes an audit event.

// requireAdmin lets only signed-in admins through.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil {
			return s.redirectToSignIn(c)
		}
		if u.Role != db.RoleAdmin || u.Disabled {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		return next(c)
	}
}

func redirectTo(path string) echo.HandlerFunc {
	return func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, path) }
}

// pathID reads the :id parameter; a malformed one is a 404.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

// adminNotice is the translated "done" message of an admin page.
func (s *Server) adminNotice(c echo.Context) string {
	switch k := c.QueryParam("done"); k {
	case "unit_created", "unit_renamed", "unit_moved", "unit_deleted", "policy_changed", "user_added", "user_disabled",
		"user_enabled", "user_moved", "factor_reset", "unlocked",
		"factor_unlocked", "device_revoked":
		return s.t(c, "admin.done."+k)
	}
	return ""
}
