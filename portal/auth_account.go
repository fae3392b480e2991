package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// accountView is the account page: password, second factor, passkeys,
// sessions.
type accountView struct {
	baseView
	TOTP       auth.TOTPStatus
	Passkeys   []db.Passkey
	PasskeysOn bool
	Sessions   int
	Error      *fieldError
	Notice     string
}

// showAccount shows the account page.
func (s *Server) showAccount(c echo.Context) error {
	v, err := s.account(c)
	if err != nil {
		return err
	}
	v.Notice = noticeText(s, c)
	return c.Render(http.StatusOK, "account", v)
}

func (s *Server) account(c echo.Context) (accountView, error) {
	ctx, u := c.Request().Context(), *currentUser(c)
	v := accountView{baseView: s.base(c, "account.title"), PasskeysOn: s.auth.PasskeysEnabled()}
	var err error
	if v.TOTP, err = s.auth.TOTPStatus(ctx, u); err != nil {
		return v, err
	}
	if v.Passkeys, err = s.auth.Passkeys(ctx, u); err != nil {
		return v, err
	}
	v.Sessions, err = s.auth.SessionCount(ctx, u)
	return v, err
}

// noticeText is the translated notice a redirect asked for (?done=key),
// only from a fixed list.
func noticeText(s *Server, c echo.Context) string {
	switch k := c.QueryParam("done"); k {
	case "password", "totp_off", "passkey_added", "passkey_removed", "passkey_renamed", "sent", "revoked", "revoke_scheduled",
		"contact_saved", "contact_deleted", "number_changed":
		return s.t(c, "notice."+k)
	}
	return ""
}

// renderAccountError re-renders the account page with an error beside field.
func (s *Server) renderAccountError(c echo.Context, status int, field, key string) error {
	v, err := s.account(c)
	if err != nil {
		return err
	}
	v.Error = &fieldError{Field: field, Text: s.t(c, key)}
	return c.Render(status, "account", v)
}

// changePassword checks the current password and sets the new one (for the
// web app and SMTP alike); other sessions end.
func (s *Server) changePassword(c echo.Context) error {
	current, next, again := c.FormValue("current"), c.FormValue("new"), c.FormValue("again")
	if next != again {
		return s.renderAccountError(c, http.StatusUnprocessableEntity, "again", "account.password_mismatch")
	}
	err := s.auth.ChangePassword(c.Request().Context(), *authSession(c), current, next)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return s.renderAccountError(c, http.StatusUnprocessableEntity, "current", "account.password_wrong")
	case errors.Is(err, auth.ErrPasswordRules):
		return s.renderAccountError(c, http.StatusUnprocessableEntity, "new", "account.password_rules")
	case err != nil:
		if status, text, ok := s.signInError(c, err); ok {
			v, verr := s.account(c)
			if verr != nil {
				return verr
			}
			v.Error = &fieldError{Field: "current", Text: text}
			return c.Render(status, "account", v)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=password")
}

// signOutEverywhere ends every session of the user, this one included.
func (s *Server) signOutEverywhere(c echo.Context) error {
	if err := s.auth.SignOutEverywhere(c.Request().Context(), *authSession(c)); err != nil {
		return err
	}
	s.setCookie(c, s.sessionCookieName(), "", -1)
	return c.Redirect(http.StatusSeeOther, "/signin")
}
