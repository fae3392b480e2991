package portal

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// The organisation's address book, its CSV import and export, the API
// keys of the contact-sync API and the flagged entries: admins only.
// Every change an admin makes here is written to the audit log.

// bookRoutes are the admin's address-book pages, under /admin.
func (s *Server) bookRoutes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) { e.GET(path, h, s.requireAdmin) }
	post := func(path string, h echo.HandlerFunc) { e.POST(path, h, s.requireAdmin) }
	get("/admin/book", s.listBook)
	get("/admin/book/new", s.showNewBookEntry)
	post("/admin/book", s.createBookEntry)
	get("/admin/book/import", s.showBookImport)
	post(bookImportRoute, s.importBook)
	get("/admin/book/export", s.exportBook)
	get("/admin/book/flags", s.listBookFlags)
	post("/admin/book/flags/:id/dismiss", s.dismissBookFlag)
	get("/admin/book/:id", s.showBookEntry)
	post("/admin/book/:id", s.updateBookEntry)
	post("/admin/book/:id/delete", s.deleteBookEntry)
	get("/admin/api-keys", s.listAPIKeys)
	post("/admin/api-keys", s.createAPIKey)
	post("/admin/api-keys/:id/revoke", s.revokeAPIKey)
}

// adminChange is the history's source and actor for an admin's change.
func adminChange(u *db.User, source string) db.Change {
	return db.Change{Source: source, Actor: "user:" + strconv.FormatInt(u.ID, 10)}
}

// adminAudit is an audit event of an admin's action on the book or keys.
func adminAudit(c echo.Context, kind, target string) db.AuditEvent {
	u := currentUser(c)
	return db.AuditEvent{OrgID: u.OrgID, ActorID: u.ID, Actor: "user:" + strconv.FormatInt(u.ID, 10) + " " + u.Email,
		Kind: kind, Target: target, IP: c.RealIP()}
}

// orgBookOf is the signed-in admin's organisation's book.
func orgBookOf(c echo.Context) db.Book { return db.OrgBook(currentUser(c).OrgID) }

// bookNotice is the confirmation shown after a redirect (?done=…).
func (s *Server) bookNotice(c echo.Context) string {
	switch k := c.QueryParam("done"); k {
	case "saved", "deleted", "dismissed", "revoked":
		return s.t(c, "book.done_"+k)
	}
	return ""
}
