package sms

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is why a text was not sent; Temporary says a later retry may work.
type Error struct {
	Temporary bool
	Status    int // the gateway's HTTP status, 0 when it gave none
	Err       error
}

// Error says what failed, never with the text or a gateway URL.
func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	msg := fmt.Sprintf("sms: %s failure", kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is an *Error worth retrying later.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// temporaryStatus says which HTTP answers are worth retrying: the gateway is
// busy (429), timed out (408) or broken (5xx). Other statuses are final.
func temporaryStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// statusError is the *Error for a gateway that answered status, not accepting.
func statusError(gateway string, status int, cause error) *Error {
	if cause == nil {
		cause = fmt.Errorf("%s answered %d %s", gateway, status, http.StatusText(status))
	}
	return &Error{Temporary: temporaryStatus(status), Status: status, Err: cause}
}
