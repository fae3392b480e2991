// Package portal is Sluis's web front: the Echo server, the one route table
// (routes.go), the middleware chain, the handlers and the rendering of
// pages. It is the only package that imports Echo; domain packages below
// it know nothing of HTTP.
package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"sluis/assets"
	"sluis/db"
	"sluis/portal/auth"
	"sluis/portal/delivery"
	"sluis/portal/devbox"
	"sluis/portal/i18n"
	"sluis/portal/policy"
	"sluis/portal/receipts"
	"sluis/portal/verify"
	"sluis/views"
)

// Options are the portal's dependencies and settings, built by cmd/sluis.
// The services are required: every route table entry relies on them, and
// New names any that is missing.
type Options struct {
	Logger        *slog.Logger         // nil discards
	BaseURL       string               // where links point, e.g. https://sluis.example.org
	Dev           bool                 // dev/demo mode: shows the dev outbox
	Outbox        *devbox.Box          // the dev outbox's mail and texts; may be nil
	Registry      *prometheus.Registry // nil: a private one; MetricsHandler serves it
	PublicMetrics bool                 // also serve /metrics on the main listener (else 404 there)
	// CSRFKey keys the CSRF tokens (HMAC of the session id); every
	// instance needs the same one. nil: a random key for this process.
	CSRFKey        []byte
	Ready          func(context.Context) error // nil means always ready
	TrustedProxies []netip.Prefix              // proxies whose X-Forwarded-For is believed
	Now            func() time.Time            // nil means time.Now

	Store    *db.Store         // required
	Verify   *verify.Service   // required: recipient checks and sessions
	Delivery *delivery.Service // required: reading, replies, drafts, revocation
	Auth     *auth.Service     // required: users' sign-in
	Policy   *policy.Service   // required: units' settings
	Receipts *receipts.Service // required: the reader's answer to a read-receipt question

	// AccessibilityContact is who /accessibility names for questions
	// about accessibility when no organisation's support line applies.
	AccessibilityContact string
}

// missing names the required services opt lacks.
func (opt Options) missing() []string {
	var out []string
	for _, d := range []struct {
		name string
		set  bool
	}{
		{"Store", opt.Store != nil}, {"Verify", opt.Verify != nil}, {"Delivery", opt.Delivery != nil},
		{"Auth", opt.Auth != nil}, {"Policy", opt.Policy != nil}, {"Receipts", opt.Receipts != nil},
	} {
		if !d.set {
			out = append(out, d.name)
		}
	}
	return out
}

// Server is the portal's HTTP side.
type Server struct {
	e       *echo.Echo
	log     *slog.Logger
	store   *db.Store
	i18n    *i18n.Bundle
	assets  *assets.Set
	metrics *metrics
	outbox  *devbox.Box
	ready   func(context.Context) error
	dev     bool
	// publicMetrics serves /metrics on the main listener; without it only
	// MetricsHandler (a separate listener) does.
	publicMetrics bool
	csrfKey       []byte
	// secureCookies is false only for plain-HTTP development on loopback,
	// where browsers would drop Secure cookies.
	secureCookies bool
	httpsBase     bool
	verify        *verify.Service
	delivery      *delivery.Service
	now           func() time.Time
	auth          *auth.Service
	policy        *policy.Service
	receipts      *receipts.Service
	a11yContact   string
	baseURL       string // the portal's public URL, without a final slash (the channel page's address)
}

// New builds the server: catalogues, assets and templates are loaded and
// parsed here, once, so a broken one stops start-up rather than a request.
func New(opt Options) (*Server, error) {
	base, err := parseBaseURL(opt.BaseURL)
	if err != nil {
		return nil, err
	}
	if m := opt.missing(); len(m) > 0 {
		return nil, fmt.Errorf("the portal needs %s (portal.Options)", strings.Join(m, ", "))
	}
	s := &Server{
		log: opt.Logger, store: opt.Store, outbox: opt.Outbox, ready: opt.Ready, dev: opt.Dev, now: opt.Now,
		verify: opt.Verify, delivery: opt.Delivery, auth: opt.Auth, policy: opt.Policy, receipts: opt.Receipts, publicMetrics: opt.PublicMetrics,
		a11yContact:   opt.AccessibilityContact,
		httpsBase:     base.Scheme == "https",
		baseURL:       strings.TrimSuffix(opt.BaseURL, "/"),
		secureCookies: base.Scheme == "https" || !isLoopbackHost(base.Hostname()),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.csrfKey = opt.CSRFKey; len(s.csrfKey) == 0 {
		s.csrfKey = make([]byte, 32)
		if _, err := rand.Read(s.csrfKey); err != nil {
			return nil, err
		}
	}
	if s.i18n, err = i18n.New(); err != nil {
		return nil, err
	}
	if s.assets, err = assets.Load(); err != nil {
		return nil, err
	}
	pages, err := views.Parse(template.FuncMap{"asset": s.assets.URL})
	if err != nil {
		return nil, err
	}
	reg := opt.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if s.metrics, err = newMetrics(reg); err != nil {
		return nil, err
	}
	extract, err := ipExtractor(opt.TrustedProxies, s.log)
	if err != nil {
		return nil, err
	}
	s.e = echo.New()
	s.e.HideBanner, s.e.HidePort = true, true
	s.e.IPExtractor = extract
	s.e.Renderer = &renderer{pages: pages}
	s.e.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// Handler returns the portal as an http.Handler, to be served by the
// caller's http.Server (which sets the timeouts).
func (s *Server) Handler() http.Handler { return s.e }

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("base URL must be an absolute http:// or https:// URL, e.g. https://sluis.example.org")
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
