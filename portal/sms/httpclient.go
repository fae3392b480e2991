package sms

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

const (
	defaultTimeout = 10 * time.Second
	maxReply       = 64 << 10 // bytes of a gateway's reply read at most
	userAgent      = "Sluis"
)

// newClient copies c (nil: a fresh client), gives it a 10 s timeout unless it
// has one, and stops it following redirects: a redirect could carry the text,
// or the credentials, to a host nobody configured.
func newClient(c *http.Client) *http.Client {
	var cc http.Client
	if c != nil {
		cc = *c
	}
	if cc.Timeout == 0 {
		cc.Timeout = defaultTimeout
	}
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// parseHTTPURL accepts only absolute http and https URLs with a host.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a valid URL") // url's error would echo raw
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an http or https URL")
	}
	return u, nil
}

// isLoopback reports whether u names this machine.
func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// roundTrip sends req and returns the status and the start of the reply.
// A transport failure (refused, reset, timeout, cancelled) is temporary; its
// error drops the URL, which may hold credentials.
func roundTrip(c *http.Client, req *http.Request, gateway string) (int, []byte, error) {
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, &Error{Temporary: true, Err: fmt.Errorf("posting to %s: %w", gateway, err)}
	}
	defer func() { _ = resp.Body.Close() }() // the status is already known
	// The reply only explains a refusal; a failure to read it changes nothing.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	return resp.StatusCode, body, nil
}
