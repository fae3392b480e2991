package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/verify"
)

// lockedView lists the recipients locked after too many wrong codes.
type lockedView struct {
	baseView
	Recipients []db.LockedRecipient
	Notice     string
	CanUnlock  bool
	Devices    []deviceRow // remembered devices (admin_devices.go)
	when       func(time.Time) string
}

// LockedAt writes when a recipient was locked.
func (v lockedView) LockedAt(r db.LockedRecipient) string { return v.when(r.LockedAt) }

// listLockedRecipients shows the organisation's locked recipients.
func (s *Server) listLockedRecipients(c echo.Context) error {
	rs, err := s.store.LockedRecipients(c.Request().Context(), currentUser(c).OrgID)
	if err != nil {
		return err
	}
	v := lockedView{baseView: s.base(c, "admin.recipients.title"), Recipients: rs, Notice: s.adminNotice(c), CanUnlock: s.verify != nil,
		when: func(t time.Time) string { return s.when(c, t) }}
	if v.Devices, err = s.deviceRows(c); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "admin_recipients", v)
}

// unlockRecipient lifts a recipient's lock (portal/verify) and audits it.
func (s *Server) unlockRecipient(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = s.verify.Unlock(c.Request().Context(), currentUser(c).OrgID, id)
	if aerr := s.audit(c, "recipient.unlock", "recipient:"+strconv.FormatInt(id, 10), "locked", "unlocked", err); aerr != nil {
		return aerr
	}
	if errors.Is(err, verify.ErrNotLocked) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/recipients?done=unlocked")
}
