package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config is every setting of the binary. Each flag has an environment twin
// (--base-url is SLUIS_BASE_URL) and, for secrets, a *_FILE twin that names
// a file holding the value (SLUIS_RELAY_FILE).
type config struct {
	Data           string
	Database       string
	Blobs          string
	HTTP           string
	SMTP           string
	BaseURL        string
	Relay          string
	MailFrom       string
	A11yContact    string
	SMS            string
	SMSWebhookURL  string
	SMSDailyCap    int
	ChannelCap     int // code mails of one organisation's secure channel per UTC day
	SMSCountries   string
	Twilio         struct{ AccountSID, AuthToken, From, MessagingServiceSID string }
	InsecureAuth   bool
	MasterKeyFile  string
	TLSCert        string
	TLSKey         string
	MaxMessageSize int64
	TrustedProxies string
	MetricsListen  string
	PublicMetrics  bool
	LogLevel       string
	LogFormat      string
	ShutdownGrace  time.Duration
	ReplyBatch     time.Duration
	SessionIdle    time.Duration
	SessionMax     time.Duration
}

const defaultBaseURL = "http://localhost:8080"

// secretFlags may be given through a file named by SLUIS_<NAME>_FILE.
var secretFlags = map[string]bool{"relay": true, "database": true, "sms-webhook-url": true, "twilio-auth-token": true}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", "./data", "folder for the database, encrypted blobs and keys")
	fs.StringVar(&c.Database, "database", "", "SQLite file path or postgres:// URL (default <data>/sluis.db)")
	fs.StringVar(&c.Blobs, "blobs", "", "encrypted blob store: a folder, or s3://BUCKET?endpoint=URL&region=REGION[&prefix=P] with\n"+
		"credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or *_FILE) (default <data>/blobs)")
	fs.StringVar(&c.HTTP, "http", ":8080", "web portal listen address")
	fs.StringVar(&c.SMTP, "smtp", ":2525", "SMTP intake listen address")
	fs.StringVar(&c.BaseURL, "base-url", defaultBaseURL, "public URL of the portal, used in links in mail")
	fs.StringVar(&c.Relay, "relay", "", "outgoing mail relay, smtp://[user:pass@]host:port (empty: dev outbox)")
	fs.StringVar(&c.MailFrom, "mail-from", "", "sender address of Sluis's own mail (default sluis@<host of base-url>)")
	fs.StringVar(&c.A11yContact, "accessibility-contact", "", "who to contact about accessibility, shown on /accessibility (an address or a phone number; default: the organisation's support line)")
	fs.StringVar(&c.SMS, "sms", "log", "SMS gateway: log, webhook or twilio")
	fs.StringVar(&c.SMSWebhookURL, "sms-webhook-url", "", "URL the webhook SMS gateway POSTs to")
	fs.IntVar(&c.SMSDailyCap, "sms-daily-cap", 1000, "texts an organisation may send per day (against SMS pumping)")
	fs.IntVar(&c.ChannelCap, "channel-daily-cap", 500, "code mails one organisation's secure channel page (/to/<domain>) may send per day")
	fs.StringVar(&c.SMSCountries, "sms-countries", "NL,BE,FR,DE,LU", "countries whose mobile numbers may receive texts")
	fs.StringVar(&c.Twilio.AccountSID, "twilio-account-sid", "", "Twilio account SID (with --sms twilio)")
	fs.StringVar(&c.Twilio.AuthToken, "twilio-auth-token", "", "Twilio auth token (prefer SLUIS_TWILIO_AUTH_TOKEN_FILE)")
	fs.StringVar(&c.Twilio.From, "twilio-from", "", "Twilio sender number or alphanumeric id")
	fs.StringVar(&c.Twilio.MessagingServiceSID, "twilio-messaging-service-sid", "", "Twilio messaging service, instead of --twilio-from")
	fs.BoolVar(&c.InsecureAuth, "insecure-auth", false, "allow SMTP AUTH without TLS (loopback and demos only)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "age identity file for encryption at rest (default <data>/master.key, created on first start)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "certificate for SMTP STARTTLS (default: self-signed in <data>)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "private key for --tls-cert")
	fs.Int64Var(&c.MaxMessageSize, "max-message-size", 50<<20, "largest message SMTP accepts, in bytes")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed")
	fs.StringVar(&c.MetricsListen, "metrics-listen", "", "listen address of a separate listener serving /metrics (e.g. 127.0.0.1:9090)")
	fs.BoolVar(&c.PublicMetrics, "public-metrics", false, "also serve /metrics on the web portal's listener (else 404 there)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.DurationVar(&c.SessionIdle, "session-idle", 30*time.Minute, "a signed-in user's session ends after this long unused")
	fs.DurationVar(&c.SessionMax, "session-max", 12*time.Hour, "a signed-in user's session ends this long after sign-in")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 20*time.Second, "how long a shutdown waits for work in flight")
	fs.DurationVar(&c.ReplyBatch, "reply-batch", 2*time.Minute, "a sender hears of a recipient's replies once per window this long")
}

// envName is the environment twin of a flag: data → SLUIS_DATA.
func envName(flagName string) string {
	return "SLUIS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag not given on the command line from its
// environment twin, then from its *_FILE twin. Command line beats
// environment beats default.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := getenv(name), getenv(name) != ""
		if !ok && secretFlags[f.Name] && getenv(name+"_FILE") != "" {
			b, err := os.ReadFile(getenv(name + "_FILE"))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			v, ok = strings.TrimRight(string(b), "\r\n"), true
		}
		if ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// databaseDSN is --database, or the SQLite file in the data folder.
func (c *config) databaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.Data, "sluis.db")
}
