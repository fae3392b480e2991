package portal

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// Users' sessions: the cookie holds a 256-bit token, the database its hash
// (portal/auth). loadUser runs for every request (from loadSession); the
// signed-in routes add requireUser. A session that is only half signed in
// (second factor or enrolment to come) opens nothing but that next step.

const keyAuthSession = "sluis.auth_session"

func (s *Server) sessionCookieName() string {
	if s.secureCookies {
		return "__Host-session"
	}
	return "session"
}

// sessionToken is the token the browser sent, or "".
func (s *Server) sessionToken(c echo.Context) string {
	ck, err := c.Request().Cookie(s.sessionCookieName())
	if err != nil {
		return ""
	}
	return ck.Value
}

// loadUser puts the browser's live session (any stage) in the context,
// and the user when the session is fully signed in.
func (s *Server) loadUser(c echo.Context) error {
	token := s.sessionToken(c)
	if token == "" || noCookies(routeOf(c)) {
		return nil
	}
	sess, err := s.auth.Session(c.Request().Context(), token)
	if errors.Is(err, auth.ErrNoSession) {
		s.setCookie(c, s.sessionCookieName(), "", -1)
		return nil
	}
	if err != nil {
		return err
	}
	c.Set(keyAuthSession, &sess)
	if sess.Full() {
		c.Set(keyUser, &sess.User)
	}
	return nil
}

func authSession(c echo.Context) *auth.Session {
	sess, _ := c.Get(keyAuthSession).(*auth.Session)
	return sess
}

// requireUser lets only fully signed-in users through; others go to
// sign-in (or its next step) and come back afterwards.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		return s.redirectToSignIn(c)
	}
}

func (s *Server) redirectToSignIn(c echo.Context) error {
	target := "/signin"
	if sess := authSession(c); sess != nil && sess.Stage == db.StageSecondFactor {
		target = "/signin/code"
	} else if sess != nil && sess.Stage == db.StageEnrol {
		target = "/account/totp"
	}
	if c.Request().Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// startUserSession sets the new session's cookie and a fresh anonymous
// CSRF cookie: the session and its CSRF token change at every step of
// signing in.
func (s *Server) startUserSession(c echo.Context, in auth.SignIn) {
	s.setCookie(c, s.sessionCookieName(), in.Token, 0)
	s.setCookie(c, s.csrfCookieName(), rand.Text(), 0)
	s.bindCSRF(c, "user", in.Token)
}

// afterSignIn is where a sign-in step leads.
func (s *Server) afterSignIn(c echo.Context, in auth.SignIn, next string) error {
	s.startUserSession(c, in)
	next = safeNext(next)
	switch in.Stage {
	case db.StageSecondFactor:
		return c.Redirect(http.StatusSeeOther, "/signin/code?next="+url.QueryEscape(next))
	case db.StageEnrol:
		return c.Redirect(http.StatusSeeOther, "/account/totp?next="+url.QueryEscape(next))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// signOut ends this session.
func (s *Server) signOut(c echo.Context) error {
	if err := s.auth.SignOut(c.Request().Context(), s.sessionToken(c)); err != nil {
		return err
	}
	s.setCookie(c, s.sessionCookieName(), "", -1)
	return c.Redirect(http.StatusSeeOther, "/signin")
}
