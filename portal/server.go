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
	"sluis/portal/vault"
	"sluis/portal/verify"
	"sluis/views"
)

// Options are the portal's dependencies and settings, built by cmd/sluis.
type Options struct {
	Logger        *slog.Logger         // nil discards
	Store         *db.Store            // may be nil until pages need it
	BaseURL       string               // where links point, e.g. https://sluis.example.org
	Dev           bool                 // dev/demo mode: shows the dev outbox
	Outbox        *devbox.Box          // may be nil
	Registry      *prometheus.Registry // nil: a private one; MetricsHandler serves it
	PublicMetrics bool                 // also serve /metrics on the main listener (else 404 there)
	// CSRFKey keys the CSRF tokens (HMAC of the session id); every
	// instance needs the same one. nil: a random key for this process.
	CSRFKey        []byte
	Ready          func(context.Context) error // nil means always ready
	TrustedProxies []netip.Prefix              // proxies whose X-Forwarded-For is believed

	// The recipient portal (/m/<token>); without Verify its routes are off.
	Verify   *verify.Service   // recipient checks and sessions
	Delivery *delivery.Service // replies and the senders' notifications
	Vault    *vault.Vault      // message bodies and attachments
	Now      func() time.Time  // nil means time.Now

	// The senders' side (sign-in, drafts, sent messages, address book);
	// without Auth sign-in answers "not available" and its routes are off.
	// It needs Store, Delivery, Vault and Policy too.
	Auth   *auth.Service
	Policy *policy.Service

	// Receipts decides and sends read receipts (the reader's question,
	// automatic receipts); nil turns read receipts off in the pages.
	Receipts *receipts.Service
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
	vault         *vault.Vault
	now           func() time.Time
	auth          *auth.Service
	policy        *policy.Service
	receipts      *receipts.Service
}

// New builds the server: catalogues, assets and templates are loaded and
// parsed here, once, so a broken one stops start-up rather than a request.
func New(opt Options) (*Server, error) {
	base, err := parseBaseURL(opt.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Server{
		log: opt.Logger, store: opt.Store, outbox: opt.Outbox, ready: opt.Ready, dev: opt.Dev,
		verify: opt.Verify, delivery: opt.Delivery, vault: opt.Vault, now: opt.Now, publicMetrics: opt.PublicMetrics,
		httpsBase:     base.Scheme == "https",
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
	if s.verify != nil && (s.store == nil || s.delivery == nil || s.vault == nil) {
		return nil, errors.New("the recipient portal needs the store, delivery and the vault")
	}
	s.auth, s.policy, s.receipts = opt.Auth, opt.Policy, opt.Receipts
	if s.auth != nil && (s.store == nil || s.delivery == nil || s.vault == nil || s.policy == nil) {
		return nil, errors.New("the senders' pages need the store, delivery, the vault and the policy")
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
