package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"sluis/db"
	"sluis/portal"
	"sluis/portal/mailer"
	"sluis/portal/vault"
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
	started func(httpAddr string) // called once the listeners are open
}

// serve runs every part of Sluis until ctx ends, then shuts down: stop
// accepting, finish what is in flight, close the database.
func serve(ctx context.Context, c *config, e env, opt serveOptions) error {
	log, err := newLogger(c, e)
	if err != nil {
		return err
	}
	if !db.IsPostgresURL(c.databaseDSN()) || c.MasterKeyFile == "" {
		if err := ensureDataDir(c.Data); err != nil {
			return err
		}
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
	if _, err := vault.LoadOrCreateKey(c.Data, c.MasterKeyFile); err != nil {
		return fmt.Errorf("encryption key: %w", err)
	}
	proxies, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	popt := portal.Options{Logger: log, Store: store, BaseURL: c.BaseURL, Dev: opt.dev, Registry: reg,
		Ready: store.Ping, TrustedProxies: proxies}
	if c.Relay == "" {
		ob, err := mailer.NewOutbox(filepath.Join(c.Data, "outbox"))
		if err != nil {
			return fmt.Errorf("dev outbox: %w", err)
		}
		popt.Outbox = outboxAdapter{ob}
	}
	web, err := portal.New(popt)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.HTTP)
	if err != nil {
		return fmt.Errorf("web portal cannot listen on %s: %w", c.HTTP, err)
	}
	srv := &http.Server{Handler: web.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("sluis is running", "version", version, "http", ln.Addr().String(), "base_url", c.BaseURL,
		"database", string(store.Dialect()))
	if opt.started != nil {
		opt.started(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("web portal: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", c.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down the web portal: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
