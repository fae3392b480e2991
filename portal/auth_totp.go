package portal

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// totpView is the enrolment page: the QR code, the secret to type in, and
// the field for the first code.
type totpView struct {
	baseView
	QR       template.URL // data: URL of the PNG
	Secret   string
	Required bool // the unit requires a second factor before anything else
	Next     string
	Error    *fieldError
}

// recoveryView shows new recovery codes, once.
type recoveryView struct {
	baseView
	Codes []string
	Next  string
}

// requireEnrolment lets through a signed-in user, or one whose unit
// requires a second factor they are setting up now.
func (s *Server) requireEnrolment(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if sess := authSession(c); sess != nil && (sess.Full() || sess.Stage == db.StageEnrol) {
			return next(c)
		}
		return s.redirectToSignIn(c)
	}
}

// showTOTPEnrolment starts enrolment (or shows the one in progress).
func (s *Server) showTOTPEnrolment(c echo.Context) error {
	sess := authSession(c)
	ctx := c.Request().Context()
	e, err := s.auth.PendingTOTP(ctx, sess.User)
	if errors.Is(err, auth.ErrNotEnrolling) {
		e, err = s.auth.BeginTOTP(ctx, sess.User)
	}
	if errors.Is(err, auth.ErrTOTPEnabled) {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "account_totp", s.totpPage(c, e))
}

func (s *Server) totpPage(c echo.Context, e auth.Enrolment) totpView {
	return totpView{baseView: s.base(c, "totp.title"), QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR)),
		Secret: e.Secret, Required: authSession(c).Stage == db.StageEnrol, Next: safeNext(c.QueryParam("next"))}
}

// confirmTOTP checks the first code and shows the recovery codes.
func (s *Server) confirmTOTP(c echo.Context) error {
	sess := authSession(c)
	ctx := c.Request().Context()
	done, err := s.auth.ConfirmTOTP(ctx, *sess, c.FormValue("code"))
	if errors.Is(err, auth.ErrBadCode) {
		e, perr := s.auth.PendingTOTP(ctx, sess.User)
		if perr != nil {
			return c.Redirect(http.StatusSeeOther, "/account/totp")
		}
		v := s.totpPage(c, e)
		v.Next = safeNext(c.FormValue("next"))
		v.Error = &fieldError{Field: "code", Text: s.t(c, "signin.code_wrong")}
		return c.Render(http.StatusUnprocessableEntity, "account_totp", v)
	}
	if errors.Is(err, auth.ErrNotEnrolling) {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	if err != nil {
		return err
	}
	if done.Token != "" {
		s.startUserSession(c, auth.SignIn{Token: done.Token})
	}
	return c.Render(http.StatusOK, "account_recovery", recoveryView{baseView: s.base(c, "recovery.title"), Codes: done.RecoveryCodes,
		Next: safeNext(c.FormValue("next"))})
}

// disableTOTP turns the second factor off after a current code.
func (s *Server) disableTOTP(c echo.Context) error {
	err := s.auth.DisableTOTP(c.Request().Context(), *authSession(c), c.FormValue("code"))
	if status, text, ok := s.signInError(c, err); err != nil && ok {
		v, verr := s.account(c)
		if verr != nil {
			return verr
		}
		v.Error = &fieldError{Field: "totp_code", Text: text}
		return c.Render(status, "account", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=totp_off")
}

// renewRecoveryCodes replaces the recovery codes and shows the new ones.
func (s *Server) renewRecoveryCodes(c echo.Context) error {
	st, err := s.auth.TOTPStatus(c.Request().Context(), *currentUser(c))
	if err != nil {
		return err
	}
	if !st.Enabled {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	codes, err := s.auth.NewRecoveryCodes(c.Request().Context(), *currentUser(c))
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "account_recovery", recoveryView{baseView: s.base(c, "recovery.title"), Codes: codes, Next: "/account"})
}
