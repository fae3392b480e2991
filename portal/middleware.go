package portal

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"
)

// Context keys for what the middleware hands to later middleware and to
// handlers.
const (
	keyRequestID = "sluis.request_id"
	keyNonce     = "sluis.csp_nonce"
	keyLang      = "sluis.lang"
	keyCSRF      = "sluis.csrf"
	keyUser      = "sluis.user"
)

// panicError is a recovered panic, carrying the stack for the log.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// recoverPanic turns a panic into an error for handleError: a 500 page for
// the client, the stack for the log. http.ErrAbortHandler is net/http's
// way to abort a response and is passed on.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			err = &panicError{value: r, stack: debug.Stack()}
		}()
		return next(c)
	}
}

// logRequest gives the request an id, renders any error the chain returns
// (so the status it records is the one sent), then logs one line and
// counts the request. It logs the route pattern, never the URL: query
// strings and paths may carry tokens.
func (s *Server) logRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := rand.Text()[:16]
		c.Set(keyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		finished := false
		defer func() {
			status := c.Response().Status
			if !finished { // a panic on its way to recoverPanic
				status = http.StatusInternalServerError
			}
			s.observe(c, status, time.Since(start))
		}()
		if err := next(c); err != nil {
			c.Error(err)
		}
		finished = true
		return nil
	}
}

// quietRoute reports routes polled by machines; their lines are logged at
// debug level.
func quietRoute(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/metrics", assetRoute:
		return true
	}
	return false
}

func (s *Server) observe(c echo.Context, status int, took time.Duration) {
	route := routeOf(c)
	method := methodLabel(c.Request().Method)
	s.metrics.observe(route, method, status, took)
	level := slog.LevelInfo
	if quietRoute(route) {
		level = slog.LevelDebug
	}
	s.log.LogAttrs(c.Request().Context(), level, "http request",
		slog.String("request_id", requestID(c)),
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", took),
		slog.String("ip", c.RealIP()))
}

// loadSession loads the signed-in user's session (auth_session.go); a
// recipient's session is loaded by the recipient routes, per link.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.loadUser(c); err != nil {
			return err
		}
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// routeOf is the matched route pattern, a bounded set fit for a metric
// label; requests that matched no route share one value.
func routeOf(c echo.Context) string {
	if p := c.Path(); p != "" {
		return p
	}
	return "unmatched"
}
