// Package sms sends text messages through one of several gateways behind the
// Sender interface: Log (dev and demo: a log line and the text in the dev
// outbox, portal/devbox), Webhook (a JSON POST to the operator's own service) and Twilio.
//
// Threat model. A text carries a one-time code that proves who a recipient
// is, so its Text is a secret: no gateway logs it, and no error built here
// contains it, the webhook URL (which may hold credentials) or a gateway's
// raw reply. Numbers appear in logs only masked (Mask). Redirects are never
// followed, so a text cannot be steered to another host, and Twilio's
// credentials never cross plain HTTP except to a loopback test server.
// Protections against SMS pumping and code guessing (per-recipient limits,
// lockout) live in portal/verify, not here: this package sends what it is
// given.
package sms
