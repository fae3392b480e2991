package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/look"
)

// An organisation's look on the pages: the logo and the accent stylesheet
// are served from our own routes under a token that changes with every
// save (so they are cached for good), and reach the page through a
// stylesheet link and an <img>, never inline styles: the strict CSP holds.

// lookView is what a page shows of the organisation it speaks for.
type lookView struct {
	Name, Support string
	Logo          string // the logo's URL, "" without one
	Stylesheet    string // the accent stylesheet's URL, "" without an accent
	Token         string
}

// newLookView turns a stored look into URLs and texts for the page.
func newLookView(l db.OrgLook) *lookView {
	v := &lookView{Name: l.DisplayName, Support: l.SupportLine, Token: l.Token}
	if l.Token != "" && l.LogoType != "" {
		v.Logo = "/look/" + l.Token + "/logo"
	}
	if l.Token != "" && l.Accent != "" {
		v.Stylesheet = "/look/" + l.Token + "/accent.css"
	}
	return v
}

// pageLook is the look of the organisation a recipient's page speaks for;
// nil on the other pages. A look that cannot be read is logged and left
// out: the page still works in the portal's own colours.
func (s *Server) pageLook(c echo.Context) *lookView {
	r := recipientOf(c)
	if r == nil {
		return nil
	}
	l, err := s.store.OrgBrand(c.Request().Context(), r.msg.OrgID)
	if err != nil {
		s.log.Warn("reading the organisation's look", "org", r.msg.OrgID, "err", err)
		return nil
	}
	return newLookView(l)
}

// serveLogo sends an organisation's logo. An SVG (sanitized on upload
// already) gets a CSP of its own, so that even opened directly it can run
// nothing and load nothing.
func (s *Server) serveLogo(c echo.Context) error {
	l, logo, err := s.store.OrgLookByToken(c.Request().Context(), c.Param("look"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && len(logo) == 0) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if l.LogoType == look.SVG {
		h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'")
	}
	h.Set(echo.HeaderContentDisposition, "inline")
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, l.LogoType, logo)
}

// serveAccent sends the stylesheet that sets the accent colour.
func (s *Server) serveAccent(c echo.Context) error {
	l, _, err := s.store.OrgLookByToken(c.Request().Context(), c.Param("look"))
	if errors.Is(err, db.ErrNotFound) || (err == nil && l.Accent == "") {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if _, ok := look.ParseAccent(l.Accent); !ok {
		return echo.ErrNotFound // only what Check wrote reaches CSS
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(":root { --accent: "+l.Accent+"; --accent-dark: "+l.Accent+"; --link: "+l.Accent+"; }\n"))
}
