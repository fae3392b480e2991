package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
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
//  2. A token bound to the session: every page carries
//     HMAC(server key, the session's id), which an unsafe request must
//     send back in the form field "csrf" (or the X-CSRF-Token header). The
//     session is the recipient's (rsession, on that link's path) when the
//     browser has one, else the user's (signed in, half way, or just
//     ended), else an
//     anonymous random id in an HttpOnly cookie, for the forms before any
//     session (sign-in, the recipient's code). A token lifted from one
//     session (say, the attacker's own) is refused in any other, and a new
//     session (every sign-in step, every recipient verification) has a new
//     token, on plain-HTTP localhost as well. The key is derived from the
//     master key, so every instance computes the same tokens; session ids
//     are 256-bit secrets the browser keeps HttpOnly, so a foreign site
//     can neither compute a token nor read one. Over HTTPS the anonymous
//     cookie is named with the __Host- prefix, so a sibling subdomain
//     cannot plant one.
//
// The contact-sync API (/api/v1) authenticates by a bearer key, never by
// a cookie: a request there that carries a bearer key, or no cookie at
// all, skips this check (skipCSRFForAPI); one that carries cookies but no
// key is checked like any other.
//
// Only GET, HEAD and OPTIONS are safe; no handler for those changes state
// (the language cookie aside).
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
		token := s.csrfBinding(c)
		if !safeMethod(c.Request().Method) {
			if err := verifyCSRF(c, token); err != nil {
				return err
			}
		}
		if token == "" {
			anon := rand.Text()
			s.setCookie(c, s.csrfCookieName(), anon, 0)
			token = s.csrfToken("anonymous", anon)
		}
		c.Set(keyCSRF, token)
		return next(c)
	}
}

// csrfBinding is the token of the session the request carries (see the
// threat model above), or "" when it carries none.
func (s *Server) csrfBinding(c echo.Context) string {
	if ck, err := c.Request().Cookie(recipientCookie); err == nil && ck.Value != "" {
		return s.csrfToken("recipient", ck.Value)
	}
	// The cookie as sent, live or not: a session that has just ended (too
	// many wrong codes) still answers with its own token, so that its form
	// leads back to sign-in rather than to a refusal.
	if token := s.sessionToken(c); token != "" {
		return s.csrfToken("user", token)
	}
	if anon := s.csrfCookie(c); anon != "" {
		return s.csrfToken("anonymous", anon)
	}
	return ""
}

// csrfToken is HMAC-SHA256(key, kind and session id), URL-safe.
func (s *Server) csrfToken(kind, sessionID string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(kind + "\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// bindCSRF gives the page rendered in this response the token of a
// session it has just started, so that its forms work in that session.
func (s *Server) bindCSRF(c echo.Context, kind, sessionID string) {
	c.Set(keyCSRF, s.csrfToken(kind, sessionID))
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
