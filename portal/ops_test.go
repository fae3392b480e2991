package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"sluis/db/dbtest"
)

func TestProbes(t *testing.T) {
	store := dbtest.SQLite(t, dbtest.Options{})
	e := newEnv(t, func(o *Options) { o.Ready = store.Ping })
	noCheck := newEnv(t, nil)
	e.check(t, scenario{target: "/healthz", status: http.StatusOK, contains: []string{"ok"}})
	e.check(t, scenario{target: "/readyz", status: http.StatusOK, contains: []string{"ok"}})
	noCheck.check(t, scenario{target: "/readyz", status: http.StatusOK, contains: []string{"ok"}})
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	e.check(t, scenario{target: "/readyz", status: http.StatusServiceUnavailable,
		contains: []string{"not ready"}, absent: []string{"database"}})
	e.check(t, scenario{target: "/healthz", status: http.StatusOK, contains: []string{"ok"}})
	if !strings.Contains(e.logs.String(), "database does not answer") {
		t.Error("the readiness failure was not logged")
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PublicMetrics = true })
	e.do(scenario{target: "/healthz"})
	e.do(scenario{target: "/nope"})
	rec := e.check(t, scenario{target: "/metrics", status: http.StatusOK, contains: []string{
		`sluis_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`sluis_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`sluis_http_request_duration_seconds_bucket{code="200",method="GET",route="/healthz",le="+Inf"} 1`,
	}})
	if cookie(rec, "csrf") != nil {
		t.Error("/metrics set a cookie")
	}
	// A second server on the same registry shares the collectors.
	if _, err := New(e.opt); err != nil {
		t.Errorf("a second server on the registry: %v", err)
	}
}

func TestAssets(t *testing.T) {
	e := newEnv(t, nil)
	css, _ := e.s.assets.URL("app.css")
	js, _ := e.s.assets.URL("app.js")
	hash := strings.Split(css, "/")[2]
	immutable := "public, max-age=31536000, immutable"
	for _, sc := range []scenario{
		{name: "css", target: css, status: http.StatusOK, contains: []string{":focus-visible"},
			headers: map[string]string{"Cache-Control": immutable, "Content-Type": "text/css; charset=utf-8", "Set-Cookie": ""}},
		{name: "js", target: js, status: http.StatusOK,
			headers: map[string]string{"Cache-Control": immutable, "Content-Type": "text/javascript; charset=utf-8"}},
		{name: "wrong hash", target: "/assets/" + strings.Repeat("0", 20) + "/app.css", status: http.StatusNotFound,
			contains: []string{"Page not found"}, headers: map[string]string{"Cache-Control": "no-store"}},
		{name: "another file's hash", target: "/assets/" + hash + "/app.js", status: http.StatusNotFound},
		{name: "not an asset", target: "/assets/" + hash + "/assets.go", status: http.StatusNotFound},
		{name: "traversal", target: "/assets/" + hash + "/..%2f..%2fgo.mod", status: http.StatusNotFound},
		{name: "no name", target: "/assets/" + hash + "/", status: http.StatusNotFound},
	} {
		t.Run(sc.name, func(t *testing.T) { e.check(t, sc) })
	}
}

// TestErrorsNeverReachTheClient: a failing or panicking handler gives the
// generic translated page with a reference; the detail goes to the log.
func TestErrorsNeverReachTheClient(t *testing.T) {
	e := newEnv(t, nil)
	e.s.e.GET("/test/fail", func(echo.Context) error {
		return fmt.Errorf("loading draft 7: %w", errors.New("secret-detail-1"))
	})
	e.s.e.GET("/test/panic", func(echo.Context) error { panic("secret-detail-2") })
	for _, sc := range []scenario{
		{name: "error", target: "/test/fail", status: http.StatusInternalServerError,
			contains: []string{"<h1>Something went wrong</h1>", "Reference: "}, absent: []string{"secret-detail", "draft"}},
		{name: "panic", target: "/test/panic", header: map[string]string{"Accept-Language": "nl"}, status: http.StatusInternalServerError,
			contains: []string{"<h1>Er ging iets mis</h1>", "Referentie: "}, absent: []string{"secret-detail", "goroutine"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			rec := e.check(t, sc)
			id := rec.Header().Get("X-Request-Id")
			if id == "" || !strings.Contains(rec.Body.String(), id) {
				t.Errorf("the page does not quote the request id %q", id)
			}
			logs := e.logs.String()
			for _, want := range []string{"request_id=" + id + " method=GET route=" + sc.target + " status=500 user=anonymous error=", "secret-detail"} {
				if !strings.Contains(logs, want) {
					t.Errorf("the log lacks %q:\n%s", want, logs)
				}
			}
		})
	}
	if !strings.Contains(e.logs.String(), "stack=") {
		t.Error("the panic's stack was not logged")
	}
}

// TestLogShowsRouteNotURL: tokens in paths or query strings stay out of
// the log.
func TestLogShowsRouteNotURL(t *testing.T) {
	e := newEnv(t, nil)
	e.s.e.GET("/test/r/:token", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.check(t, scenario{target: "/test/r/tok-in-path?code=tok-in-query", status: http.StatusOK})
	logs := e.logs.String()
	if strings.Contains(logs, "tok-in") {
		t.Errorf("the log has the URL:\n%s", logs)
	}
	if !strings.Contains(logs, "route=/test/r/:token status=200") {
		t.Errorf("the log lacks the route:\n%s", logs)
	}
}

func TestReadinessNamesEachFailedDependency(t *testing.T) {
	var blobsDown bool
	ready := ReadyAll(
		ReadyCheck{Name: "database", Ping: func(context.Context) error { return nil }},
		ReadyCheck{Name: "blob store", Ping: func(context.Context) error {
			if blobsDown {
				return errors.New("connection refused")
			}
			return nil
		}},
	)
	e := newEnv(t, func(o *Options) { o.Ready = ready })
	e.check(t, scenario{target: "/readyz", status: http.StatusOK, contains: []string{"ok"}})
	blobsDown = true
	e.check(t, scenario{target: "/readyz", status: http.StatusServiceUnavailable,
		contains: []string{"not ready"}, absent: []string{"blob", "refused"}})
	if logs := e.logs.String(); !strings.Contains(logs, "blob store: connection refused") || strings.Contains(logs, "database:") {
		t.Errorf("the log does not name the blob store alone:\n%s", logs)
	}
}

// TestMetricsNotPublic: without PublicMetrics the main listener answers
// 404 at /metrics, and MetricsHandler (the separate listener's) serves it.
func TestMetricsNotPublic(t *testing.T) {
	e := newEnv(t, nil)
	e.do(scenario{target: "/healthz"})
	e.check(t, scenario{target: "/metrics", status: http.StatusNotFound, absent: []string{"sluis_http_requests_total"}})
	rec := httptest.NewRecorder()
	e.s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `sluis_http_requests_total{code="200",method="GET",route="/healthz"} 1`; rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("MetricsHandler: %d, want 200 with %s", rec.Code, want)
	}
}
