package delivery

import (
	"context"
	"strings"

	"sluis/db"
)

// Internal recipients, users at the organisation's own domains, read
// after signing in: their user session is their proof of identity (with
// the second factor their unit requires), so they never get a code. The
// link opens only for the user whose address it was sent to; any other
// user, of this organisation or another, is refused as an unknown link.

// SignedInReader reports whether user is the internal recipient rc, and
// records the first such visit as the recipient's verification (method
// "signin"), as a right code does for an external recipient.
func (s *Service) SignedInReader(ctx context.Context, user *db.User, rc db.Recipient) (bool, error) {
	if user == nil || rc.Method != db.MethodSignIn || user.OrgID != rc.OrgID || !strings.EqualFold(user.Email, rc.Address) {
		return false, nil
	}
	switch rc.Status {
	case db.StatusPending, db.StatusNotified, db.StatusBounced:
		return true, s.opt.Store.MarkVerified(ctx, rc.OrgID, rc.ID, s.opt.Now().UTC())
	}
	return true, nil
}
