package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/secret"
)

// The contact-sync API (/api/v1): JSON, for the organisation's other
// systems. It authenticates every request by an API key in
// "Authorization: Bearer <key>" and by nothing else: no session, no
// cookie, so no CSRF token either (checkCSRF lets a request with a bearer
// key, or with no cookies at all, through; a browser cannot attach a
// bearer key to a cross-site request without a CORS preflight, which
// Sluis never grants). A key acts only on its own organisation's book.

const (
	apiPrefix = "/api/v1"
	keyAPIKey = "sluis.api_key"
)

// apiKeyOf is the key the request authenticated with.
func apiKeyOf(c echo.Context) *db.APIKey {
	k, _ := c.Get(keyAPIKey).(*db.APIKey)
	return k
}

// isAPIRequest reports whether the request is for the API, by its path
// (so that unmatched /api/ paths answer JSON too).
func isAPIRequest(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == apiPrefix || strings.HasPrefix(p, apiPrefix+"/")
}

// bearer is the key in the Authorization header, or "".
func bearer(c echo.Context) string {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(h[7:])
}

// skipCSRFForAPI: an API request that carries a bearer key, or no cookie
// at all, cannot be a forged browser request riding on a session.
func skipCSRFForAPI(c echo.Context) bool {
	return isAPIRequest(c) && (bearer(c) != "" || len(c.Request().Cookies()) == 0)
}

// requireAPIKey authenticates the request by its bearer key. A missing,
// unknown and revoked key get the same answer. The key is looked up by
// its SHA-256, never compared in plain text, and never logged.
func (s *Server) requireAPIKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c)
		if token == "" || len(token) > 200 {
			return apiUnauthorized(c)
		}
		hash := secret.HashToken(token)
		k, err := s.store.APIKeyByHash(c.Request().Context(), hash)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !secret.Equal(k.TokenHash, hash)) {
			s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "API key refused",
				slog.String("request_id", requestID(c)), slog.String("ip", c.RealIP()))
			return apiUnauthorized(c)
		}
		if err != nil {
			return err
		}
		c.Set(keyAPIKey, &k)
		err = next(c)
		if err != nil || c.Response().Status >= http.StatusBadRequest {
			if aErr := s.auditAPIFailure(c, err); aErr != nil {
				return errors.Join(err, aErr)
			}
		}
		return err
	}
}

// auditAPIFailure records a refused or failed use of a key (successful
// ones are recorded by the handlers, with the change they make).
func (s *Server) auditAPIFailure(c echo.Context, err error) error {
	ev := apiAudit(c, "api.refused", c.Request().Method+" "+routeOf(c))
	ev.Outcome, ev.Detail = db.OutcomeDenied, strconv.Itoa(c.Response().Status)
	if err != nil {
		ev.Outcome, ev.Detail = db.OutcomeFailed, "error"
	}
	return s.store.AppendAudit(c.Request().Context(), ev)
}

func apiUnauthorized(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="sluis"`)
	return apiError(c, http.StatusUnauthorized, "unauthorized", "a valid API key is required")
}

// apiErrorBody is every error the API answers: a stable code and an
// English message.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func apiError(c echo.Context, status int, code, message string) error {
	return c.JSON(status, apiErrorBody{Error: apiErrorDetail{Code: code, Message: message}})
}

// handleAPIError answers an error that reached handleError on an API path
// as JSON: never err.Error(), only the kind of failure.
func handleAPIError(c echo.Context, status int, key string) {
	codes := map[string]string{"bad_request": "bad_request", "forbidden": "forbidden", "not_found": "not_found",
		"method_not_allowed": "method_not_allowed", "too_large": "too_large", "too_many_requests": "too_many_requests",
		"unavailable": "unavailable", "csrf": "forbidden"}
	code, ok := codes[key]
	if !ok {
		code = "internal"
	}
	_ = apiError(c, status, code, strings.ToLower(http.StatusText(status)))
}

// apiActor names the key in audit events and history: "api-key:3 crm".
func apiActor(k *db.APIKey) string {
	return "api-key:" + strconv.FormatInt(k.ID, 10) + " " + k.Name
}

// apiAudit is the audit event of one use of a key.
func apiAudit(c echo.Context, kind, target string) db.AuditEvent {
	k := apiKeyOf(c)
	return db.AuditEvent{OrgID: k.OrgID, Actor: apiActor(k), Kind: kind, Target: target, IP: c.RealIP()}
}
