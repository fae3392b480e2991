package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// The admin recipients page lists the organisation's remembered devices
// beside its locked recipients; an admin can revoke one (audited in
// portal/verify, in the same transaction).

// deviceRow is one remembered device on the admin page.
type deviceRow struct {
	ID                         int64
	Address                    string
	Created, LastUsed, Expires string
}

// deviceRows lists the organisation's live devices for the admin page.
func (s *Server) deviceRows(c echo.Context) ([]deviceRow, error) {
	ds, err := s.store.Devices(c.Request().Context(), currentUser(c).OrgID, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]deviceRow, 0, len(ds))
	for _, d := range ds {
		out = append(out, deviceRow{ID: d.ID, Address: d.Address, Created: s.when(c, d.CreatedAt),
			LastUsed: s.when(c, d.LastUsedAt), Expires: s.when(c, d.ExpiresAt)})
	}
	return out, nil
}

// revokeDevice ends one of the organisation's remembered devices.
func (s *Server) revokeDevice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	e := s.auditEvent(c, "device.revoke", "")
	err = s.verify.RevokeDevice(c.Request().Context(), currentUser(c).OrgID, id, e)
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/recipients?done=device_revoked#device-"+strconv.FormatInt(id, 10))
}
