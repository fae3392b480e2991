package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// errorView is the error page; its heading is the page title.
type errorView struct {
	baseView
	Detail string
}

// handleError is Echo's HTTPErrorHandler: it logs err with the request id,
// route and user, and answers with a translated page that names only the
// kind of failure. err.Error() never reaches the client.
func (s *Server) handleError(err error, c echo.Context) {
	code, key := classify(err)
	s.logError(c, err, code)
	if c.Response().Committed {
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	if isAPIRequest(c) {
		handleAPIError(c, code, key)
		return
	}
	v := errorView{baseView: s.base(c, "error."+key), Detail: s.t(c, "error."+key+"_detail")}
	if rerr := c.Render(code, "error", v); rerr != nil {
		s.log.Error("rendering the error page", slog.String("request_id", requestID(c)), slog.Any("error", rerr))
		_ = c.String(code, http.StatusText(code))
	}
}

// classify maps an error to a status code and the catalogue key of its
// page (error.<key> and error.<key>_detail).
func classify(err error) (code int, key string) {
	if errors.Is(err, errCSRF) {
		return http.StatusForbidden, "csrf"
	}
	code = http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
	}
	switch code {
	case http.StatusBadRequest:
		return code, "bad_request"
	case http.StatusUnauthorized, http.StatusForbidden:
		return code, "forbidden"
	case http.StatusNotFound:
		return code, "not_found"
	case http.StatusMethodNotAllowed:
		return code, "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return code, "too_large"
	case http.StatusTooManyRequests:
		return code, "too_many_requests"
	case http.StatusServiceUnavailable:
		return code, "unavailable"
	}
	if code >= 400 && code < 500 {
		return code, "bad_request"
	}
	return http.StatusInternalServerError, "internal"
}

// logError logs server faults at error level with the panic's stack if
// there is one; refusals (4xx) are the client's doing and logged lower.
func (s *Server) logError(c echo.Context, err error, code int) {
	level := slog.LevelInfo
	switch {
	case code >= 500:
		level = slog.LevelError
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("request_id", requestID(c)),
		slog.String("method", methodLabel(c.Request().Method)),
		slog.String("route", routeOf(c)),
		slog.Int("status", code),
		slog.String("user", userLabel(currentUser(c))),
		slog.Any("error", err),
	}
	var pe *panicError
	if errors.As(err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.stack)))
	}
	s.log.LogAttrs(c.Request().Context(), level, "request failed", attrs...)
}

// userLabel names the user in logs by id, never by address.
func userLabel(u *db.User) string {
	if u == nil {
		return "anonymous"
	}
	return strconv.FormatInt(u.ID, 10)
}
