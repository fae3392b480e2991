package portal

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// ceremonyCookie carries the token of a WebAuthn ceremony in progress;
// the challenge data itself stays on the server, usable once.
const ceremonyCookie = "webauthn"

// maxCeremonyBody bounds a browser's WebAuthn answer.
const maxCeremonyBody = 64 << 10

// ceremony reads the browser's answer and takes the ceremony cookie.
func (s *Server) ceremony(c echo.Context) ([]byte, string, error) {
	ck, err := c.Request().Cookie(ceremonyCookie)
	token := ""
	if err == nil {
		token = ck.Value
	}
	s.setCookie(c, ceremonyCookie, "", -1)
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxCeremonyBody))
	return body, token, err
}

// beginPasskeyRegistration answers the options for navigator.credentials.create.
func (s *Server) beginPasskeyRegistration(c echo.Context) error {
	opts, token, err := s.auth.BeginPasskeyRegistration(c.Request().Context(), *authSession(c))
	if errors.Is(err, auth.ErrPasskeysOff) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	s.setCookie(c, ceremonyCookie, token, 300)
	return c.JSON(http.StatusOK, opts)
}

// finishPasskeyRegistration stores the new passkey under the name typed.
func (s *Server) finishPasskeyRegistration(c echo.Context) error {
	body, token, err := s.ceremony(c)
	if err != nil {
		return err
	}
	_, err = s.auth.FinishPasskeyRegistration(c.Request().Context(), *authSession(c), token, c.QueryParam("name"), body)
	if errors.Is(err, auth.ErrPasskey) || errors.Is(err, auth.ErrPasskeysOff) || errors.Is(err, db.ErrDuplicate) {
		return c.JSON(http.StatusUnprocessableEntity, map[string]string{"error": s.t(c, "passkey.failed")})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"redirect": "/account?done=passkey_added"})
}

func passkeyID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

// removePasskey removes one of the user's passkeys.
func (s *Server) removePasskey(c echo.Context) error {
	id, err := passkeyID(c)
	if err != nil {
		return err
	}
	err = s.auth.RemovePasskey(c.Request().Context(), *currentUser(c), id)
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=passkey_removed")
}

// renamePasskey gives one of the user's passkeys a new name.
func (s *Server) renamePasskey(c echo.Context) error {
	id, err := passkeyID(c)
	if err != nil {
		return err
	}
	err = s.auth.RenamePasskey(c.Request().Context(), *currentUser(c), id, c.FormValue("name"))
	switch {
	case errors.Is(err, db.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, auth.ErrPasskey):
		return s.renderAccountError(c, http.StatusUnprocessableEntity, "passkey-"+c.Param("id"), "passkey.bad_name")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=passkey_renamed")
}
