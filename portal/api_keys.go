package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/secret"
)

// apiKeyPrefix starts every key, so that secret scanners and people can
// tell a Sluis key when they see one.
const apiKeyPrefix = "sluis_"

// apiKeyRow is one key on the admin page; the key itself is never shown
// again after it is made.
type apiKeyRow struct {
	ID                     int64
	Name, Prefix           string
	Created, Used, Revoked string
}

// apiKeysView lists the organisation's API keys; NewKey is set only on
// the answer to creating one, the single time the key is shown.
type apiKeysView struct {
	baseView
	Keys    []apiKeyRow
	NewKey  string
	NewName string
	Name    string
	Error   *fieldError
	Notice  string
}

// listAPIKeys shows the organisation's keys and the form for a new one.
func (s *Server) listAPIKeys(c echo.Context) error {
	v, err := s.apiKeysPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "book_api_keys", v)
}

func (s *Server) apiKeysPage(c echo.Context) (apiKeysView, error) {
	keys, err := s.store.APIKeys(c.Request().Context(), currentUser(c).OrgID)
	v := apiKeysView{baseView: s.base(c, "book.keys_title"), Notice: s.bookNotice(c)}
	for _, k := range keys {
		v.Keys = append(v.Keys, apiKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Created: s.when(c, k.CreatedAt),
			Used: s.when(c, k.LastUsedAt), Revoked: s.when(c, k.RevokedAt)})
	}
	return v, err
}

// createAPIKey makes a key and shows it once, on this answer (no
// redirect: the key must not land in a URL or a cache).
func (s *Server) createAPIKey(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || len(name) > 100 {
		v, err := s.apiKeysPage(c)
		if err != nil {
			return err
		}
		v.Name, v.Error = name, &fieldError{Field: "name", Text: s.t(c, "reason.bad_name")}
		return c.Render(http.StatusUnprocessableEntity, "book_api_keys", v)
	}
	raw, _, err := secret.NewToken()
	if err != nil {
		return err
	}
	token := apiKeyPrefix + raw
	hash := secret.HashToken(token)
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		k, err := tx.CreateAPIKey(ctx, db.NewAPIKey{OrgID: u.OrgID, Name: name, TokenHash: hash, Prefix: token[:len(apiKeyPrefix)+4], CreatedBy: u.ID})
		if err != nil {
			return err
		}
		ev := s.auditEvent(c, "apikey.create", "api-key:"+strconv.FormatInt(k.ID, 10))
		ev.After = k.Name
		return tx.AppendAudit(ctx, ev)
	})
	if err != nil {
		return err
	}
	v, err := s.apiKeysPage(c)
	if err != nil {
		return err
	}
	v.NewKey, v.NewName = token, name
	return c.Render(http.StatusOK, "book_api_keys", v)
}

// revokeAPIKey revokes a key of the organisation: it stops working at once.
func (s *Server) revokeAPIKey(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx, u := c.Request().Context(), currentUser(c)
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		k, err := tx.RevokeAPIKey(ctx, u.OrgID, id)
		if err != nil {
			return err
		}
		ev := s.auditEvent(c, "apikey.revoke", "api-key:"+strconv.FormatInt(k.ID, 10))
		ev.Before = k.Name
		return tx.AppendAudit(ctx, ev)
	})
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/api-keys?done=revoked")
}
