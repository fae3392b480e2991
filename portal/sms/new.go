package sms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"sluis/portal/devbox"
)

// Config holds what New needs; each gateway reads only its own settings.
type Config struct {
	Logger     *slog.Logger // log
	Outbox     *devbox.Box  // log; nil keeps no texts
	WebhookURL string       // webhook
	Twilio     TwilioConfig // twilio
	HTTPClient *http.Client // webhook and twilio; nil: a default with a 10 s timeout
}

// New returns the gateway named kind: "log", "webhook" or "twilio".
func New(kind string, cfg Config) (Sender, error) {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "log":
		if cfg.Logger == nil {
			return nil, errors.New("sms: the log gateway needs a logger")
		}
		return NewLog(cfg.Logger, cfg.Outbox), nil
	case "webhook":
		if cfg.WebhookURL == "" {
			return nil, errors.New("sms: the webhook gateway needs a URL (--sms-webhook-url)")
		}
		return orNil(NewWebhook(cfg.WebhookURL, cfg.HTTPClient))
	case "twilio":
		return orNil(NewTwilio(cfg.Twilio, cfg.HTTPClient))
	case "":
		return nil, errors.New("sms: no gateway chosen (want log, webhook or twilio)")
	default:
		return nil, fmt.Errorf("sms: unknown gateway %q (want log, webhook or twilio)", kind)
	}
}

// orNil keeps a failed constructor's nil pointer from becoming a non-nil Sender.
func orNil[S Sender](s S, err error) (Sender, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}
