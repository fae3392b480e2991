package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Cross-site request forgery defence.
//
// Threat: another site makes a signed-in browser (or a recipient's browser
// holding a message session) send a state-changing POST here. Defence, in
// two layers:
//
//  1. Fetch metadata: a request the browser marks Sec-Fetch-Site:
//     cross-site is refused outright, whatever it carries.
//  2. Double submit: every page carries a random token that is also in an
//     HttpOnly cookie; an unsafe request must send the same token back in
//     the form field "csrf" (or the X-CSRF-Token header). A foreign site
//     can neither read the cookie nor set it: over HTTPS the cookie is
//     named with the __Host- prefix, so a sibling subdomain cannot plant
//     one either.
//
// The contact-sync API (/api/v1) authenticates by a bearer key, never by
// a cookie: a request there that carries a bearer key, or no cookie at
// all, skips this check (skipCSRFForAPI); one that carries cookies but no
// key is checked like any other.
//
// Only GET, HEAD and OPTIONS are safe; no handler for those changes state
// (the language cookie aside). Sessions will rotate the token at sign-in.
const (
	csrfField     = "csrf"
	csrfTokenSize = 26 // len(rand.Text())
)

// errCSRF is a missing or wrong token, or a cross-site request.
var errCSRF = errors.New("csrf check failed")

// checkCSRF verifies unsafe requests and hands the page its token, issuing
// a cookie when the browser has none.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if noCookies(routeOf(c)) || skipCSRFForAPI(c) {
			return next(c)
		}
		token := s.csrfCookie(c)
		if !safeMethod(c.Request().Method) {
			if err := verifyCSRF(c, token); err != nil {
				return err
			}
		}
		if token == "" {
			token = rand.Text()
			s.setCookie(c, s.csrfCookieName(), token, 0)
		}
		c.Set(keyCSRF, token)
		return next(c)
	}
}

func verifyCSRF(c echo.Context, token string) error {
	r := c.Request()
	if r.Header.Get(echo.HeaderSecFetchSite) == "cross-site" {
		return errCSRF
	}
	sent := r.Header.Get(echo.HeaderXCSRFToken)
	if sent == "" {
		sent = c.FormValue(csrfField)
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(sent)) != 1 {
		return errCSRF
	}
	return nil
}

// csrfCookie returns the browser's token, or "" when it has none that
// could be ours.
func (s *Server) csrfCookie(c echo.Context) string {
	ck, err := c.Request().Cookie(s.csrfCookieName())
	if err != nil || len(ck.Value) != csrfTokenSize {
		return ""
	}
	return ck.Value
}

func (s *Server) csrfCookieName() string {
	if s.secureCookies {
		return "__Host-csrf"
	}
	return "csrf"
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// noCookies lists the routes that never set a cookie: cacheable assets
// and machine endpoints.
func noCookies(route string) bool {
	return quietRoute(route)
}

// setCookie sets an HttpOnly, SameSite=Lax, host-only cookie on "/"; maxAge
// 0 makes it a browser-session cookie.
func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   s.secureCookies,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}
