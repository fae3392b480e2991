package portal

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// signInView is the sign-in page; Email is kept on a re-render, the
// password never is.
type signInView struct {
	baseView
	Email    string
	Next     string
	Passkeys bool
}

// signInForm is the posted sign-in form.
type signInForm struct {
	Email    string
	Password string
	Next     string
}

// readSignInForm reads each field once; an over-long address is not kept
// (it would only be echoed back into the page).
func readSignInForm(c echo.Context) signInForm {
	f := signInForm{Email: strings.TrimSpace(c.FormValue("email")), Password: c.FormValue("password"), Next: c.FormValue("next")}
	if len(f.Email) > maxEmailLen {
		f.Email = ""
	}
	return f
}

func (s *Server) signInPage(c echo.Context, email, next string) signInView {
	return signInView{baseView: s.base(c, "signin.title"), Email: email, Next: safeNext(next),
		Passkeys: s.auth != nil && s.auth.PasskeysEnabled()}
}

// showSignIn shows the sign-in form, or sends a signed-in user on.
func (s *Server) showSignIn(c echo.Context) error {
	next := c.QueryParam("next")
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(next))
	}
	return c.Render(http.StatusOK, "signin", s.signInPage(c, "", next))
}

// signInErrors maps sign-in errors to a status and a catalogue key.
var signInErrors = map[error]struct {
	status int
	key    string
}{
	auth.ErrBadCredentials: {http.StatusUnauthorized, "signin.failed"},
	auth.ErrBadCode:        {http.StatusUnauthorized, "signin.code_wrong"},
	auth.ErrCodeReplayed:   {http.StatusUnauthorized, "signin.code_used"},
	auth.ErrBusy:           {http.StatusServiceUnavailable, "signin.busy"},
	auth.ErrFactorLocked:   {http.StatusForbidden, "security.factor_locked"},
}

// signInError is the status and translated text of a sign-in error, or
// ok false for an error that is a fault rather than an answer.
func (s *Server) signInError(c echo.Context, err error) (int, string, bool) {
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		return http.StatusTooManyRequests, s.throttledText(c, te), true
	}
	for cause, e := range signInErrors {
		if errors.Is(err, cause) {
			return e.status, s.t(c, e.key), true
		}
	}
	return 0, "", false
}

// signIn checks the address and password and starts a session, or
// re-renders the form with one answer for every kind of failure.
func (s *Server) signIn(c echo.Context) error {
	form := readSignInForm(c)
	v := s.signInPage(c, form.Email, form.Next)
	in, err := s.auth.SignInPassword(c.Request().Context(), form.Email, form.Password, c.RealIP(), s.sessionToken(c))
	if aerr := s.auditSignIn(c, "signin", form.Email, in, err); aerr != nil {
		return aerr
	}
	if err != nil {
		status, text, ok := s.signInError(c, err)
		if !ok {
			return err
		}
		v.Flash = &flash{Kind: "error", Text: text}
		return c.Render(status, "signin", v)
	}
	return s.afterSignIn(c, in, form.Next)
}

// codeView is the second-factor page.
type codeView struct {
	baseView
	Next  string
	Error *fieldError
}

// showSecondFactor asks for the TOTP or a recovery code.
func (s *Server) showSecondFactor(c echo.Context) error {
	sess := authSession(c)
	if sess == nil || sess.Stage != db.StageSecondFactor {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	return c.Render(http.StatusOK, "signin_code", codeView{baseView: s.base(c, "signin.code_title"), Next: safeNext(c.QueryParam("next"))})
}

// checkSecondFactor finishes signing in with a code.
func (s *Server) checkSecondFactor(c echo.Context) error {
	sess := authSession(c)
	if sess == nil || sess.Stage != db.StageSecondFactor {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	code, next := strings.TrimSpace(c.FormValue("code")), c.FormValue("next")
	in, err := s.auth.SecondFactor(c.Request().Context(), *sess, code)
	if aerr := s.auditSecondFactor(c, sess, in, err); aerr != nil {
		return aerr
	}
	if err != nil {
		status, text, ok := s.signInError(c, err)
		if !ok {
			return err
		}
		v := codeView{baseView: s.base(c, "signin.code_title"), Next: safeNext(next), Error: &fieldError{Field: "code", Text: text}}
		return c.Render(status, "signin_code", v)
	}
	return s.afterSignIn(c, in, next)
}

// beginPasskeySignIn answers the options for navigator.credentials.get and
// keeps the ceremony's token in a short-lived cookie.
func (s *Server) beginPasskeySignIn(c echo.Context) error {
	opts, token, err := s.auth.BeginPasskeySignIn(c.Request().Context())
	if errors.Is(err, auth.ErrPasskeysOff) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	s.setCookie(c, ceremonyCookie, token, 300)
	return c.JSON(http.StatusOK, opts)
}

// finishPasskeySignIn checks the assertion and starts a session.
func (s *Server) finishPasskeySignIn(c echo.Context) error {
	body, token, err := s.ceremony(c)
	if err != nil {
		return err
	}
	in, err := s.auth.FinishPasskeySignIn(c.Request().Context(), token, body, s.sessionToken(c))
	if errors.Is(err, auth.ErrPasskey) || errors.Is(err, auth.ErrPasskeysOff) {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": s.t(c, "passkey.failed")})
	}
	if err != nil {
		return err
	}
	if err := s.auditPasskeySignIn(c, in); err != nil {
		return err
	}
	s.startUserSession(c, in)
	return c.JSON(http.StatusOK, map[string]string{"redirect": safeNext(c.QueryParam("next"))})
}

// throttledText tells the person how long to wait, in whole seconds
// (rounded up), or only to wait when the time is not known.
func (s *Server) throttledText(c echo.Context, te *auth.ThrottledError) string {
	wait := te.Until.Sub(s.now())
	if te.Until.IsZero() || wait <= 0 {
		return s.t(c, "signin.throttled")
	}
	secs := int((wait + time.Second - 1) / time.Second)
	return s.i18n.T(s.lang(c), "security.try_again_in", map[string]any{"Seconds": secs})
}
