package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Webhook posts each text as JSON to the operator's own SMS service.
// It is safe for concurrent use.
type Webhook struct {
	url    string // may hold credentials: never in an error or a log
	client *http.Client
}

var _ Sender = (*Webhook)(nil)

// webhookBody is the documented payload; any 2xx answer means accepted.
type webhookBody struct {
	To        string `json:"to"`
	Text      string `json:"text"`
	Reference string `json:"reference"`
}

// NewWebhook returns a Webhook posting to rawURL (http or https) through client (nil: a default).
func NewWebhook(rawURL string, client *http.Client) (*Webhook, error) {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sms: webhook URL: %w", err)
	}
	return &Webhook{url: u.String(), client: newClient(client)}, nil
}

// Send posts m; see Error for how failures are classified.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	body, err := json.Marshal(webhookBody(m))
	if err != nil {
		return &Error{Err: fmt.Errorf("encoding webhook payload: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return &Error{Err: fmt.Errorf("building webhook request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	status, _, err := roundTrip(w.client, req, "webhook")
	if err != nil {
		return err
	}
	if status >= 200 && status < 300 {
		return nil
	}
	return statusError("webhook", status, nil)
}
