package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// "This is not my number any more": the recipient's side. The landing
// page of an SMS recipient offers one button and an optional note; the
// use case (portal/delivery/number.go) tells the sender, who fixes the
// number on /requests/<uid> (sender_number.go). The answer is the same
// whether the sender was mailed now or earlier.

// numberForm is the posted request: only the optional note.
type numberForm struct {
	Note string
}

// readNumberForm reads the note, its line ends made plain.
func readNumberForm(c echo.Context) numberForm {
	return numberForm{Note: strings.TrimSpace(strings.ReplaceAll(c.FormValue("note"), "\r\n", "\n"))}
}

// reportWrongNumber tells the sender that the masked number is not the
// recipient's any more.
func (s *Server) reportWrongNumber(c echo.Context) error {
	r, err := s.verifiable(c, db.MethodSMS)
	if r == nil {
		return err
	}
	form := readNumberForm(c)
	err = s.delivery.ReportWrongNumber(c.Request().Context(), r.rc, form.Note, c.RealIP())
	switch {
	case errors.Is(err, delivery.ErrNoteTooLong):
		return s.renderNumberError(c, r, form, http.StatusUnprocessableEntity, "number.error.too_long")
	case errors.Is(err, delivery.ErrNetworkLimit):
		return s.renderNumberError(c, r, form, http.StatusTooManyRequests, "number.error.network")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, r.base()+"?number=told#number")
}

// renderNumberError shows the landing page with the note as typed and
// the error beside it.
func (s *Server) renderNumberError(c echo.Context, r *recipientCtx, form numberForm, status int, key string) error {
	st, err := s.verify.Status(c.Request().Context(), r.rc)
	if err != nil {
		return err
	}
	v, err := s.landing(c, r, st)
	if err != nil {
		return err
	}
	v.Note = form.Note
	v.Error = &fieldError{Field: "note", Text: s.t(c, key)}
	return c.Render(status, "recipient_verify", v)
}
