package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sluis/db"
	"sluis/portal"
)

func cmdServe(ctx context.Context, args []string, e env) error {
	var c config
	fs := newFlags("serve", e, &c)
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	return serve(ctx, &c, e, serveOptions{})
}

// serveOptions are what demo changes about serve.
type serveOptions struct {
	dev     bool
	seed    func(ctx context.Context, p *parts) error // called once the jobs run, before started
	started func(httpAddr, smtpAddr string)           // called once the listeners are open
}

// serve runs every part of Sluis until ctx ends, then shuts down: stop
// accepting, finish what is in flight, close the database.
func serve(ctx context.Context, c *config, e env, opt serveOptions) error {
	log, err := newLogger(c, e)
	if err != nil {
		return err
	}
	if err := ensureDataDir(c.Data); err != nil {
		return err
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(c.databaseDSN()), err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing database", "err", err)
		}
	}()
	blobs, err := openBlobStore(ctx, c, e.getenv)
	if err != nil {
		return err
	}
	p, err := build(c, store, blobs, log)
	if err != nil {
		return err
	}
	web, metricsWeb, err := p.web(c, opt, log)
	if err != nil {
		return err
	}
	httpLn, err := net.Listen("tcp", c.HTTP)
	if err != nil {
		return fmt.Errorf("web portal cannot listen on %s: %w", c.HTTP, err)
	}
	smtpLn, err := net.Listen("tcp", c.SMTP)
	if err != nil {
		_ = httpLn.Close()
		return fmt.Errorf("SMTP intake cannot listen on %s: %w", c.SMTP, err)
	}
	var metricsLn net.Listener
	if c.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", c.MetricsListen); err != nil {
			_, _ = httpLn.Close(), smtpLn.Close()
			return fmt.Errorf("metrics cannot listen on %s: %w", c.MetricsListen, err)
		}
	}
	if err := p.jobs.Start(ctx); err != nil {
		_, _ = httpLn.Close(), smtpLn.Close()
		if metricsLn != nil {
			_ = metricsLn.Close()
		}
		return fmt.Errorf("starting jobs: %w", err)
	}
	errc := make(chan error, 3)
	go func() { errc <- fmt.Errorf("web portal: %w", web.Serve(httpLn)) }()
	go func() { errc <- fmt.Errorf("SMTP intake: %w", p.smtp.Serve(smtpLn)) }()
	if metricsLn != nil {
		go func() { errc <- fmt.Errorf("metrics: %w", metricsWeb.Serve(metricsLn)) }()
		log.Info("metrics are served apart", "metrics", metricsLn.Addr().String())
		defer func() {
			if err := metricsWeb.Close(); err != nil {
				log.Error("closing the metrics listener", "err", err)
			}
		}()
	}
	log.Info("sluis is running", "version", version, "http", httpLn.Addr().String(), "smtp", smtpLn.Addr().String(),
		"base_url", c.BaseURL, "database", string(store.Dialect()))
	if opt.seed != nil {
		if err := opt.seed(ctx, p); err != nil {
			return errors.Join(fmt.Errorf("seeding: %w", err), shutdown(c, log, web, p))
		}
	}
	if opt.started != nil {
		opt.started(httpLn.Addr().String(), smtpLn.Addr().String())
	}
	var runErr error
	select {
	case runErr = <-errc:
	case <-ctx.Done():
	}
	return errors.Join(runErr, shutdown(c, log, web, p))
}

// shutdown stops accepting mail and requests, lets what is in flight
// finish within the grace period, then stops the jobs and ends the
// sessions kept open to the relay.
func shutdown(c *config, log *slog.Logger, web *http.Server, p *parts) error {
	log.Info("shutting down", "grace", c.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownGrace)
	defer cancel()
	var errs []error
	if err := p.smtp.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("shutting down the SMTP intake: %w", err))
	}
	if err := web.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("shutting down the web portal: %w", err))
	}
	p.delivery.Close()
	if err := p.jobs.Stop(sctx); err != nil {
		errs = append(errs, fmt.Errorf("stopping jobs: %w", err))
	}
	if relay, ok := p.mail.(io.Closer); ok { // idle relay sessions say QUIT
		if err := relay.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the relay sessions: %w", err))
		}
	}
	return errors.Join(errs...)
}

// web builds the portal's HTTP server and the metrics listener's (served
// only with --metrics-listen). /metrics on the portal's own listener is a
// 404 unless --public-metrics, or the demo, asks for it.
func (p *parts) web(c *config, opt serveOptions, log *slog.Logger) (*http.Server, *http.Server, error) {
	proxies, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	popt := portal.Options{Logger: log, Store: p.store, BaseURL: c.BaseURL, Dev: opt.dev, Registry: reg,
		Ready: p.ready(), TrustedProxies: proxies, Verify: p.verify, Delivery: p.delivery,
		Auth: p.auth, Policy: p.policy, Receipts: p.receipts, PublicMetrics: c.PublicMetrics || opt.dev,
		CSRFKey: p.keys.Derive("csrf v1"), AccessibilityContact: c.A11yContact}
	if opt.dev {
		popt.Outbox = p.outbox
	}
	h, err := portal.New(popt)
	if err != nil {
		return nil, nil, err
	}
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.MetricsHandler())
	metrics := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: errLog}
	return &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: errLog}, metrics, nil
}

// ensureDataDir creates the data folder and proves it writable, so a bad
// folder fails at start with a reason rather than at the first message.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data folder %s cannot be created: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data folder %s is not writable: %w", dir, err)
	}
	name := probe.Name()
	return errors.Join(probe.Close(), os.Remove(name))
}

func newLogger(c *config, e env) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	hopt := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, hopt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, hopt)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", c.LogFormat)
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			if a, err := netip.ParseAddr(f); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// redactDSN hides a password in a postgres:// URL.
func redactDSN(dsn string) string {
	if !db.IsPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
