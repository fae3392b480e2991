package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// /requests/<uid>: the sender's side of "this is not my number any more"
// (portal/delivery/number_answer.go). Like a held draft's page: the
// sender enters the new mobile number or an access code, it goes into an
// address book and the recipient gets a fresh link.

// numberRequestView is the sender's page of one request.
type numberRequestView struct {
	baseView
	UID, MessageUID string
	Subject         string
	Address         string
	Display         string // the old data, masked
	Date            string // when the recipient asked
	Note            string
	Done            string // when it was answered; "" while open
	Closed          bool
	CanSaveOrg      bool
	Input           delivery.DraftEntry
	Error           *fieldError
}

// loadNumberRequest opens the request in the path for its message's
// sender; anyone else gets 404.
func (s *Server) loadNumberRequest(c echo.Context) (delivery.NumberRequestView, error) {
	v, err := s.delivery.SenderNumberRequest(c.Request().Context(), *currentUser(c), c.Param("uid"))
	if errors.Is(err, db.ErrNotFound) {
		return v, echo.NewHTTPError(http.StatusNotFound)
	}
	return v, err
}

// showNumberRequest shows the request and the form for the new data.
func (s *Server) showNumberRequest(c echo.Context) error {
	req, err := s.loadNumberRequest(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_number", s.numberRequestPage(c, req))
}

func (s *Server) numberRequestPage(c echo.Context, req delivery.NumberRequestView) numberRequestView {
	v := numberRequestView{baseView: s.base(c, "number.sender.title"), UID: req.Request.UID, MessageUID: req.Message.UID,
		Subject: req.Subject, Address: req.Recipient.Address, Display: req.Request.OldDisplay, Note: req.Note,
		Closed: req.Closed, CanSaveOrg: currentUser(c).Role == db.RoleAdmin}
	v.Date = dateTime(req.Request.CreatedAt, v.Lang)
	if !req.Request.DoneAt.IsZero() {
		v.Done = dateTime(req.Request.DoneAt, v.Lang)
	}
	return v
}

// readNumberAnswer reads the sender's form.
func readNumberAnswer(c echo.Context) delivery.DraftEntry {
	return delivery.DraftEntry{Phone: strings.TrimSpace(c.FormValue("phone")), AccessCode: c.FormValue("code"),
		Hint: strings.TrimSpace(c.FormValue("hint")), SaveTo: c.FormValue("save")}
}

// answerNumberRequest takes the new data: the book is updated and the
// recipient gets a fresh link; a rejected field is shown beside it with
// everything typed kept.
func (s *Server) answerNumberRequest(c echo.Context) error {
	req, err := s.loadNumberRequest(c)
	if err != nil {
		return err
	}
	in := readNumberAnswer(c)
	err = s.delivery.AnswerNumberRequest(c.Request().Context(), *currentUser(c), req.Request.UID, in, c.RealIP())
	var fields delivery.DraftErrors
	switch {
	case errors.As(err, &fields):
		v := s.numberRequestPage(c, req)
		v.Input, v.Error = in, &fieldError{Field: fields[0].Field, Text: s.t(c, "reason."+fields[0].Reason)}
		v.Flash = s.errorFlash(c, "draft.fix_errors")
		return c.Render(http.StatusUnprocessableEntity, "sender_number", v)
	case errors.Is(err, delivery.ErrRequestClosed), errors.Is(err, delivery.ErrClosed):
		return c.Redirect(http.StatusSeeOther, "/requests/"+req.Request.UID)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/messages/"+req.Message.UID+"?done=number_changed")
}
