package portal

import (
	"errors"
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

func (s *Server) adminRoutes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) { e.GET(path, h, s.requireAdmin) }
	post := func(path string, h echo.HandlerFunc) { e.POST(path, h, s.requireAdmin) }
	get("/admin", redirectTo("/admin/units"))
	get("/admin/units", s.listUnits)
	post("/admin/units", s.createUnit)
	post("/admin/units/:id/rename", s.renameUnit)
	post("/admin/units/:id/move", s.moveUnit)
	post("/admin/units/:id/delete", s.deleteUnit)
	get("/admin/units/:id/policy", s.showPolicy)
	post("/admin/units/:id/policy", s.changePolicy)
	get("/admin/users", s.listUsers)
	post("/admin/users", s.addUser)
	post("/admin/users/:id/disable", s.disableUser)
	post("/admin/users/:id/enable", s.enableUser)
	post("/admin/users/:id/move", s.moveUserToUnit)
	post("/admin/users/:id/reset-factor", s.resetSecondFactor)
	post("/admin/users/:id/unlock-factor", s.unlockSecondFactor)
	get("/admin/recipients", s.listLockedRecipients)
	post("/admin/recipients/:id/unlock", s.unlockRecipient)
	get("/admin/audit", s.showAudit)
	get("/admin/audit.csv", s.exportAudit)
}

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

// actorOf names a user in the audit log.
func actorOf(u *db.User) string {
	if u == nil {
		return "anonymous"
	}
	return "user:" + strconv.FormatInt(u.ID, 10) + " " + u.Email
}

// auditEvent is an event by the signed-in user from this request.
func (s *Server) auditEvent(c echo.Context, kind, target string) db.AuditEvent {
	u := currentUser(c)
	e := db.AuditEvent{Actor: actorOf(u), Kind: kind, Target: target, IP: c.RealIP(), At: s.now().UTC()}
	if u != nil {
		e.OrgID, e.ActorID = u.OrgID, u.ID
	}
	return e
}

// audit records an admin's action and how it ended: ok, or failed with
// the error's kind (never its text, which may hold input).
func (s *Server) audit(c echo.Context, kind, target, before, after string, err error) error {
	e := s.auditEvent(c, kind, target)
	e.Before, e.After = before, after
	if err != nil {
		e.Outcome, e.Detail = db.OutcomeFailed, errorKind(err)
	}
	return s.store.AppendAudit(c.Request().Context(), e)
}

// errorKind is a short, input-free name of an error for the audit log.
func errorKind(err error) string {
	var inv *db.InvalidError
	switch {
	case errors.As(err, &inv):
		return "invalid " + inv.Field + ": " + inv.Reason
	case errors.Is(err, db.ErrNotFound):
		return "not found"
	case errors.Is(err, db.ErrInUse):
		return "in use"
	case errors.Is(err, db.ErrDuplicate):
		return "duplicate"
	}
	return "error"
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
		"factor_unlocked":
		return s.t(c, "admin.done."+k)
	}
	return ""
}
