package portal

import (
	"net/http"
	"strings"

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

// signInView is the sign-in page; Email is kept on a re-render, the
// password never is.
type signInView struct {
	baseView
	Email string
}

// signInForm is the posted sign-in form.
type signInForm struct {
	Email    string
	Password string
}

// readSignInForm reads each field once; an over-long address is not kept
// (it would only be echoed back into the page).
func readSignInForm(c echo.Context) signInForm {
	f := signInForm{Email: strings.TrimSpace(c.FormValue("email")), Password: c.FormValue("password")}
	if len(f.Email) > maxEmailLen {
		f.Email = ""
	}
	return f
}

// showSignIn shows the sign-in form.
func (s *Server) showSignIn(c echo.Context) error {
	return c.Render(http.StatusOK, "signin", signInView{baseView: s.base(c, "signin.title")})
}

// signIn will check the credentials and start a session. Until then it
// re-renders the form with a translated notice and 503.
func (s *Server) signIn(c echo.Context) error {
	form := readSignInForm(c)
	v := signInView{baseView: s.base(c, "signin.title"), Email: form.Email}
	v.Flash = s.errorFlash(c, "signin.unavailable")
	return c.Render(http.StatusServiceUnavailable, "signin", v)
}
