package portal

import (
	"context"
	"log/slog"
	"net/http"
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

// showMetrics exposes the Prometheus registry from Options.
func (s *Server) showMetrics(c echo.Context) error {
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

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
