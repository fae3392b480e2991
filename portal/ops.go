package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/assets"
)

// readyTimeout bounds a readiness check, so a hung database answers 503
// rather than holding the probe.
const readyTimeout = 3 * time.Second

// assetRoute serves the embedded, fingerprinted assets.
const assetRoute = assets.Prefix + ":hash/:name"

// showHealth answers while the process runs (liveness).
func (s *Server) showHealth(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// showReadiness answers 200 when Options.Ready finds the dependencies
// answering, else 503. The reason goes to the log, not to the prober.
func (s *Server) showReadiness(c echo.Context) error {
	if s.ready == nil {
		return c.String(http.StatusOK, "ok")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.Warn("not ready", slog.String("request_id", requestID(c)), slog.Any("error", err))
		return c.String(http.StatusServiceUnavailable, "not ready")
	}
	return c.String(http.StatusOK, "ok")
}

// ReadyCheck is one dependency that readiness depends on.
type ReadyCheck struct {
	Name string                      // named in the log when it fails
	Ping func(context.Context) error // nil error: the dependency answers
}

// ReadyAll is an Options.Ready that asks every check at once, so that one
// hung dependency does not hide another's state, and fails naming each
// dependency that did not answer.
func ReadyAll(checks ...ReadyCheck) func(context.Context) error {
	return func(ctx context.Context) error {
		errs := make([]error, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Go(func() {
				if err := c.Ping(ctx); err != nil {
					errs[i] = fmt.Errorf("%s: %w", c.Name, err)
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
}

// showMetrics exposes the Prometheus registry from Options on the main
// listener, only when Options.PublicMetrics asks for it: the numbers
// (routes, error rates, the runtime) are for the operator, not the public,
// who reach them through MetricsHandler on a listener of their own.
func (s *Server) showMetrics(c echo.Context) error {
	if !s.publicMetrics {
		return echo.ErrNotFound
	}
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// MetricsHandler serves the Prometheus registry, for a listener apart from
// the portal's (--metrics-listen).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler }

// serveAsset serves an embedded asset by its current hash, cacheable for
// a year; an old or wrong hash is a 404 so it is never cached as if right.
func (s *Server) serveAsset(c echo.Context) error {
	f, ok := s.assets.Lookup(c.Param("hash"), c.Param("name"))
	if !ok {
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, f.ContentType, f.Body)
}
