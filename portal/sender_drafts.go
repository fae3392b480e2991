package portal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/nyaruka/phonenumbers"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/mime"
)

// draftRecipient is one recipient row of the draft page, with what the
// sender typed when the form comes back.
type draftRecipient struct {
	ID      int64
	Address string
	Field   string
	Method  string // translation key suffix: sms, access_code, signin, none
	Display string
	Source  string
	Problem string // translated; "" when the data is complete
	Input   delivery.DraftEntry
	Error   *fieldError

	// Overwritten names the sources that keep overwriting this address's
	// entry in the organisation's book ("" when it is not flagged).
	Overwritten string
}

// draftView is the page to finish a held draft.
type draftView struct {
	baseView
	UID          string
	Subject      string
	Expires      string
	Recipients   []draftRecipient
	Lacking      int
	WebSending   bool
	CanSaveOrg   bool
	ControlBlock string // the lines to add in the mail program
	// Lines are the control block's unusable lines, in the order
	// written, each with its reason translated (as in the "not sent" mail).
	Lines []delivery.LineProblem
	// Receipts: the unit lets senders ask for read receipts (the
	// checkbox); ReceiptRequested: this draft asks for one.
	Receipts, ReceiptRequested bool
}

// loadDraft loads the signed-in sender's message by uid (404 for anyone
// else's) and its subject.
func (s *Server) loadDraft(c echo.Context) (db.Message, string, error) {
	u := currentUser(c)
	m, err := s.delivery.SenderMessage(c.Request().Context(), *u, c.Param("uid"))
	if errors.Is(err, db.ErrNotFound) {
		return db.Message{}, "", echo.NewHTTPError(http.StatusNotFound)
	}
	return m.Message, m.Subject, err
}

// showDraft shows a held draft: every recipient with its data and source,
// the ones lacking data highlighted, and a field for each.
func (s *Server) showDraft(c echo.Context) error {
	msg, subject, err := s.loadDraft(c)
	if err != nil {
		return err
	}
	if msg.State != db.StateHeld {
		return c.Redirect(http.StatusSeeOther, "/messages/"+msg.UID)
	}
	v, err := s.draftPage(c, msg, subject, nil, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_draft", v)
}

// completeDraft releases the draft with the data typed (with the
// read-receipt box and the audit event, in one transaction), or shows
// each rejected field beside itself with everything else as it was typed.
func (s *Server) completeDraft(c echo.Context) error {
	msg, subject, err := s.loadDraft(c)
	if err != nil {
		return err
	}
	entries := readDraftForm(c)
	err = s.delivery.CompleteDraft(c.Request().Context(), *currentUser(c), msg.UID,
		delivery.Completion{Entries: entries, Receipt: c.FormValue("receipt") == "1", IP: c.RealIP()})
	var fields delivery.DraftErrors
	switch {
	case errors.Is(err, delivery.ErrDraftNotHeld):
		return echo.NewHTTPError(http.StatusConflict, "draft no longer held")
	case errors.Is(err, delivery.ErrWebSendingOff):
		return echo.NewHTTPError(http.StatusForbidden, "web sending is off")
	case errors.As(err, &fields):
		v, err := s.draftPage(c, msg, subject, entries, fields)
		if err != nil {
			return err
		}
		v.Flash = s.errorFlash(c, "draft.fix_errors")
		return c.Render(http.StatusUnprocessableEntity, "sender_draft", v)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/messages/"+msg.UID+"?done=sent")
}

// readDraftForm reads the fields of every recipient row the form posted.
func readDraftForm(c echo.Context) []delivery.DraftEntry {
	var out []delivery.DraftEntry
	ids := c.Request().PostForm["recipient"]
	for i, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || i >= 500 {
			continue
		}
		p := "-" + raw
		out = append(out, delivery.DraftEntry{RecipientID: id, Phone: strings.TrimSpace(c.FormValue("phone" + p)),
			AccessCode: c.FormValue("code" + p), Hint: strings.TrimSpace(c.FormValue("hint" + p)), SaveTo: c.FormValue("save" + p)})
	}
	return out
}

// draftPage builds the page; entries and errs are what came back from a
// rejected form (nil on a first view).
func (s *Server) draftPage(c echo.Context, msg db.Message, subject string, entries []delivery.DraftEntry, errs delivery.DraftErrors) (draftView, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	rcpts, err := s.store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return draftView{}, err
	}
	pol, err := s.policy.For(ctx, u.OrgID, u.UnitID)
	if err != nil {
		return draftView{}, err
	}
	org, err := s.store.Org(ctx, u.OrgID)
	if err != nil {
		return draftView{}, err
	}
	v := draftView{baseView: s.base(c, "draft.title"), UID: msg.UID, Subject: subject, Expires: s.when(c, msg.ExpiresAt),
		WebSending: pol.WebSending, CanSaveOrg: u.Role == db.RoleAdmin, Receipts: receiptsOn(pol), ReceiptRequested: msg.ReceiptTo != ""}
	var lacking []mime.AccessRight
	for _, rc := range rcpts {
		r := s.draftRow(c, rc, entries, errs)
		if r.Problem != "" {
			v.Lacking++
			lacking = append(lacking, mime.AccessRight{Email: rc.Address, Method: mime.MethodSMS, Phone: samplePhone(org.Country)})
		}
		v.Recipients = append(v.Recipients, r)
	}
	if err := s.markOverwritten(c, u.OrgID, v.Recipients); err != nil {
		return draftView{}, err
	}
	if len(lacking) > 0 {
		v.ControlBlock = mime.FormatControlBlock(lacking)
	}
	if msg.Problems != "" {
		if err := json.Unmarshal([]byte(msg.Problems), &v.Lines); err != nil {
			return draftView{}, fmt.Errorf("reading the control block's problems of %s: %w", msg.UID, err)
		}
		for i := range v.Lines {
			v.Lines[i].Reason = s.t(c, "reason."+v.Lines[i].Reason)
		}
	}
	return v, nil
}

func (s *Server) draftRow(c echo.Context, rc db.Recipient, entries []delivery.DraftEntry, errs delivery.DraftErrors) draftRecipient {
	r := draftRecipient{ID: rc.ID, Address: rc.Address, Field: rc.Field, Method: rc.Method, Source: rc.DataSource}
	if rc.Method == db.MethodSMS {
		r.Display = rc.Display
	}
	if rc.Problem != "" || rc.Method == db.MethodNone {
		r.Problem = s.t(c, "problem."+orDefault(rc.Problem, "missing"))
	}
	for _, e := range entries {
		if e.RecipientID == rc.ID {
			r.Input = e
		}
	}
	for _, fe := range errs {
		if fe.RecipientID == rc.ID {
			r.Error = &fieldError{Field: fe.Field + "-" + strconv.FormatInt(rc.ID, 10), Text: s.t(c, "reason."+fe.Reason)}
		}
	}
	return r
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// samplePhone is the placeholder number in the control block lines: the
// country code of the organisation's country and X for the rest.
func samplePhone(region string) string {
	cc := phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region))
	if cc == 0 {
		cc = 31
	}
	return "+" + strconv.Itoa(cc) + "XXXXXXXXX"
}
