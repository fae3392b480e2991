package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/verify"
)

// "Remember this device" (portal/verify/device.go holds the rules): after
// a right code the recipient may tick a box; the browser then keeps a
// cookie that opens further messages of the same organisation to the same
// address with one button instead of a code. Opening stays an explicit
// POST, as every state change on a link does (mail scanners fetch links;
// they carry no cookie, but the rule is kept all the same).

// rememberedView is what the landing and message pages show of a device.
type rememberedView struct {
	RememberDays int    // the box "remember this device for N days"; 0 hides it
	Remembered   bool   // this browser holds a live device for this message
	DeviceUntil  string // until when, for people
}

// deviceCookie names the cookie of one organisation and address: opaque,
// so a cookie's name says nothing of whom it is for, and one browser may
// hold devices of several people or organisations side by side.
func deviceCookie(orgID int64, address string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(orgID, 10) + "\x00" + address))
	return "rdev_" + hex.EncodeToString(sum[:8])
}

// deviceToken is the token of this recipient's device cookie, or "".
func deviceToken(c echo.Context, rc db.Recipient) string {
	ck, err := c.Request().Cookie(deviceCookie(rc.OrgID, rc.Address))
	if err != nil {
		return ""
	}
	return ck.Value
}

// setDeviceCookie sets (or with "" removes) the device cookie; it is
// sent with every link of the portal, /m/…, and with nothing else.
func (s *Server) setDeviceCookie(c echo.Context, rc db.Recipient, token string, until time.Time) {
	ck := &http.Cookie{Name: deviceCookie(rc.OrgID, rc.Address), Value: token, Path: recipientRootPath,
		Secure: s.secureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if token == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires, ck.MaxAge = until, int(until.Sub(s.now()).Seconds())
	}
	c.SetCookie(ck)
}

// remembered fills what the pages show of the device; a failure to read
// the policy or the device only hides the choice.
func (s *Server) remembered(c echo.Context, r *recipientCtx) rememberedView {
	var v rememberedView
	ctx := c.Request().Context()
	if days, err := s.verify.RememberDays(ctx, r.msg); err == nil {
		v.RememberDays = days
	}
	if token := deviceToken(c, r.rc); token != "" {
		if d, err := s.verify.Device(ctx, r.rc, r.msg, token); err == nil {
			v.Remembered, v.DeviceUntil = true, dateTime(d.ExpiresAt, s.lang(c))
		}
	}
	return v
}

// recipientActor is the audit event of an act of the link's recipient.
func (s *Server) recipientActor(c echo.Context, rc db.Recipient) db.AuditEvent {
	return db.AuditEvent{OrgID: rc.OrgID, Actor: "recipient:" + strconv.FormatInt(rc.ID, 10), IP: c.RealIP(), At: s.now().UTC()}
}

// rememberDevice remembers the device when the recipient ticked the box,
// after a right code and before the session starts.
func (s *Server) rememberDevice(c echo.Context, r *recipientCtx) error {
	if c.FormValue("remember") != "1" {
		return nil
	}
	token, until, err := s.verify.RememberDevice(c.Request().Context(), r.rc, r.msg, s.recipientActor(c, r.rc))
	if errors.Is(err, verify.ErrRememberOff) {
		return nil // the policy changed since the page was shown
	}
	if err != nil {
		return err
	}
	s.setDeviceCookie(c, r.rc, token, until)
	return nil
}

// openWithDevice opens the message with the remembered device; a device
// that no longer opens it (expired, revoked, other data) loses its cookie
// and the recipient sees the landing page with the code flow.
func (s *Server) openWithDevice(c echo.Context) error {
	r := recipientOf(c)
	if r.closed(s) || r.session {
		return s.showLanding(c)
	}
	token, err := s.verify.UseDevice(c.Request().Context(), r.rc, r.msg, deviceToken(c, r.rc), s.recipientActor(c, r.rc))
	if errors.Is(err, verify.ErrNoDevice) {
		s.setDeviceCookie(c, r.rc, "", time.Time{})
		return c.Redirect(http.StatusSeeOther, r.base()+"?device=gone")
	}
	if err != nil {
		return err
	}
	s.setRecipientCookie(c, r, token, 0)
	return c.Redirect(http.StatusSeeOther, r.base()+"/read")
}

// forgetDevice ends this browser's device for the link's address ("Forget
// this device") and removes its cookie; the session, if any, goes on.
func (s *Server) forgetDevice(c echo.Context) error {
	r := recipientOf(c)
	if err := s.verify.ForgetDevice(c.Request().Context(), r.rc, deviceToken(c, r.rc), s.recipientActor(c, r.rc)); err != nil {
		return err
	}
	s.setDeviceCookie(c, r.rc, "", time.Time{})
	if r.session {
		return c.Redirect(http.StatusSeeOther, r.base()+"/read?device=forgotten")
	}
	return c.Redirect(http.StatusSeeOther, r.base()+"?device=forgotten")
}

// deviceNotice is the notice after forgetting a device, or after a device
// that could not open the message.
func (s *Server) deviceNotice(c echo.Context) string {
	switch c.QueryParam("device") {
	case "forgotten":
		return s.t(c, "device.forgotten")
	case "gone":
		return s.t(c, "device.gone")
	}
	return ""
}
