package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// maxEmailLen is the longest address a form keeps (RFC 5321's path limit).
const maxEmailLen = 254

// redirectHome sends the start page to sign-in, the only page for now.
func redirectHome(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/signin")
}

// showAbout shows what Sluis is.
func (s *Server) showAbout(c echo.Context) error {
	return c.Render(http.StatusOK, "about", s.base(c, "about.title"))
}
