package portal

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// The organisation's address book, its CSV import and export, the API
// keys of the contact-sync API and the flagged entries: admins only.
// Every change an admin makes here is written to the audit log.

// adminChange is the history's source and actor for an admin's change.
func adminChange(u *db.User, source string) db.Change {
	return db.Change{Source: source, Actor: "user:" + strconv.FormatInt(u.ID, 10)}
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
