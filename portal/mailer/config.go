package mailer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Default ports when the relay URL names none: 25 is SMTP's own port (a
// local MTA); 465 is submission over implicit TLS (RFC 8314). Relays that
// take submissions on 587 must say so in the URL.
const (
	DefaultSMTPPort  = 25
	DefaultSMTPSPort = 465
)

// RelayConfig says how to reach the outgoing SMTP relay.
type RelayConfig struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	// ImplicitTLS selects TLS from the first byte (smtps://); otherwise
	// STARTTLS is used whenever the relay offers it.
	ImplicitTLS bool
	// TLSConfig, when set, is cloned for each connection (tests use it for
	// custom RootCAs); ServerName defaults to Host.
	TLSConfig *tls.Config
	// HeloName is the name sent in EHLO; it defaults to the domain of the
	// mail-from address.
	HeloName string
	// Timeout bounds one whole Send, from taking or dialling a session to
	// the relay's 250; it defaults to DefaultTimeout. A shorter context
	// deadline wins.
	Timeout time.Duration
	// MaxConns caps the sessions open to the relay at once; default
	// DefaultMaxConns.
	MaxConns int
	// IdleTimeout closes a pooled session unused for this long; default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// DefaultTimeout bounds one delivery when RelayConfig.Timeout is zero.
const DefaultTimeout = time.Minute

// ParseRelayURL parses "smtp://[user:pass@]host[:port]" (STARTTLS when
// offered) or "smtps://…" (implicit TLS). User and password are
// percent-decoded. Errors never repeat the password.
func ParseRelayURL(s string) (*RelayConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("relay URL: %w", err)
	}
	cfg := &RelayConfig{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		cfg.Port = DefaultSMTPPort
	case "smtps":
		cfg.Port, cfg.ImplicitTLS = DefaultSMTPSPort, true
	default:
		return nil, errors.New("relay URL: must start with smtp:// or smtps://")
	}
	if err := checkURLShape(u); err != nil {
		return nil, err
	}
	if err := parsePort(u, cfg); err != nil {
		return nil, err
	}
	if err := parseUser(u, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func checkURLShape(u *url.URL) error {
	if u.Opaque != "" || u.Hostname() == "" {
		return errors.New("relay URL: no host (want smtp://host:port)")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("relay URL: a path, query or fragment is not allowed")
	}
	return nil
}

func parsePort(u *url.URL, cfg *RelayConfig) error {
	if u.Port() == "" {
		return nil
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 1 || port > 65535 {
		return fmt.Errorf("relay URL: port %q is not a number from 1 to 65535", u.Port())
	}
	cfg.Port = port
	return nil
}

func parseUser(u *url.URL, cfg *RelayConfig) error {
	if u.User == nil {
		return nil
	}
	pass, ok := u.User.Password()
	cfg.Username, cfg.Password = u.User.Username(), pass
	if cfg.Username == "" || !ok || pass == "" {
		return errors.New("relay URL: give both user and password (user:pass@host), percent-encoded")
	}
	return nil
}

// Addr returns host:port for dialling.
func (c RelayConfig) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// String returns the relay as a URL with the password hidden, fit for logs.
func (c RelayConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: c.Addr()}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "redacted")
	}
	return u.String()
}
