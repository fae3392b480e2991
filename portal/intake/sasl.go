package intake

import (
	"errors"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errBadSASL answers an AUTH exchange that is not well formed. go-smtp would
// answer 454 (temporary), which invites the client to retry the same bytes.
var errBadSASL = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2},
	Message: "Malformed authentication data"}

// strictSASL turns a mechanism's own errors (malformed data) into 501 and
// lets the SMTP replies of our authenticator through.
type strictSASL struct{ sasl.Server }

// Next passes one client response to the mechanism.
func (s strictSASL) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := s.Server.Next(response)
	var reply *smtp.SMTPError
	if err != nil && !errors.As(err, &reply) {
		err = errBadSASL
	}
	return challenge, done, err
}

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// only implements for clients: the server asks "Username:" and "Password:"
// in turn; a client may send the username as its initial response.
type loginServer struct {
	step         int
	username     string
	authenticate sasl.PlainAuthenticator
}

// LOGIN's challenges, which clients (go-sasl's among them) compare exactly.
var (
	loginUsername = []byte("Username:")
	loginPassword = []byte("Password:")
)

// Next takes the next client response.
func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		if response == nil {
			l.step = 1
			return loginUsername, false, nil
		}
		l.username, l.step = string(response), 2
		return loginPassword, false, nil
	case 1:
		l.username, l.step = string(response), 2
		return loginPassword, false, nil
	case 2:
		l.step = 3
		return nil, true, l.authenticate("", l.username, string(response))
	}
	return nil, false, errBadSASL
}
