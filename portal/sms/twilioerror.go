package sms

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// TwilioError is Twilio's explanation of a refusal, as found inside an *Error.
type TwilioError struct {
	Code    int    // Twilio's error code, e.g. 21211 (invalid To number)
	Status  int    // the HTTP status Twilio states in the body
	Message string // Twilio's message with numbers and the text redacted
}

// Error gives Twilio's code and redacted message.
func (e *TwilioError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("twilio error %d", e.Code)
	}
	return fmt.Sprintf("twilio error %d: %s", e.Code, e.Message)
}

// maxTwilioMessage bounds the part of Twilio's message kept, in runes.
const maxTwilioMessage = 200

// minTextRedact keeps a very short text from mangling every message it
// happens to occur in; codes in short texts are caught as digit runs.
const minTextRedact = 8

// digitRun matches what may be a phone number or a code: Twilio's messages
// quote the To number ("The 'To' number +316… is not valid"), which must not
// reach a log in full.
var digitRun = regexp.MustCompile(`\+?[0-9]{5,}`)

// parseTwilioError reads Twilio's JSON error body, or returns nil when body
// is not one. It never keeps the raw body: only the code, the status and
// the message, redacted of text, digit runs and control characters.
func parseTwilioError(body []byte, text string) *TwilioError {
	var v struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
	}
	if json.Unmarshal(body, &v) != nil || (v.Code == 0 && v.Message == "") {
		return nil
	}
	return &TwilioError{Code: v.Code, Status: v.Status, Message: redact(v.Message, text)}
}

// redact removes the text, anything like a number and control characters
// from msg, and shortens it.
func redact(msg, text string) string {
	if len(text) >= minTextRedact {
		msg = strings.ReplaceAll(msg, text, "[text]")
	}
	msg = digitRun.ReplaceAllString(msg, "[number]")
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg)
	if r := []rune(msg); len(r) > maxTwilioMessage {
		msg = string(r[:maxTwilioMessage]) + "…"
	}
	return strings.TrimSpace(msg)
}
