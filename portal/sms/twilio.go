package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// DefaultTwilioBaseURL is where Twilio's REST API lives.
const DefaultTwilioBaseURL = "https://api.twilio.com"

// TwilioConfig holds a Twilio account's settings; From or MessagingServiceSID is required.
type TwilioConfig struct {
	AccountSID          string
	AuthToken           string // secret
	From                string // sender number or alphanumeric id
	MessagingServiceSID string // used instead of From when set
	BaseURL             string // default DefaultTwilioBaseURL
}

// Twilio sends texts through Twilio's Messages API. It is safe for concurrent use.
type Twilio struct {
	cfg      TwilioConfig
	endpoint string
	client   *http.Client
}

var _ Sender = (*Twilio)(nil)

var twilioSID = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

// NewTwilio checks cfg and returns a Twilio sending through client (nil: a default).
func NewTwilio(cfg TwilioConfig, client *http.Client) (*Twilio, error) {
	switch {
	case cfg.AccountSID == "":
		return nil, errors.New("sms: twilio needs an account SID")
	case !twilioSID.MatchString(cfg.AccountSID):
		return nil, errors.New("sms: twilio account SID has characters other than letters and digits")
	case cfg.AuthToken == "":
		return nil, errors.New("sms: twilio needs an auth token")
	case cfg.From == "" && cfg.MessagingServiceSID == "":
		return nil, errors.New("sms: twilio needs a From number or a messaging service SID")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultTwilioBaseURL
	}
	u, err := parseHTTPURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("sms: twilio base URL: %w", err)
	}
	// The auth token goes in every request: plain HTTP only to this machine.
	if u.Scheme != "https" && !isLoopback(u) {
		return nil, errors.New("sms: twilio base URL must use https")
	}
	endpoint := strings.TrimSuffix(u.String(), "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json"
	return &Twilio{cfg: cfg, endpoint: endpoint, client: newClient(client)}, nil
}

// Send asks Twilio to send m; 201 Created means accepted.
func (t *Twilio) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	form := url.Values{"To": {m.To}, "Body": {m.Text}}
	if t.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.cfg.MessagingServiceSID)
	} else {
		form.Set("From", t.cfg.From)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return &Error{Err: fmt.Errorf("building twilio request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)
	status, body, err := roundTrip(t.client, req, "twilio")
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		return nil
	}
	var cause error
	if te := parseTwilioError(body, m.Text); te != nil {
		cause = te
	}
	return statusError("twilio", status, cause)
}
