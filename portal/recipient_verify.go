package portal

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/phone"
	"sluis/portal/verify"
)

// landingView is the verification page.
type landingView struct {
	baseView
	Base    string // /m/<token>
	Sender  string
	Org     string
	Date    string
	Method  string
	Phone   string // masked
	Address string // masked, for method mail: "j●●●@example.com"
	Hint    string
	Status  verify.Status
	SentAt  string // when the live code was sent, hh:mm
	Wait    string // until a new code may be sent, "40 s"
	Error   *fieldError
	Notice  string
	Forgot  bool // the sender was just told about a lost access code
	Hinting bool
	rememberedView
	Note       string // "not my number": the note as typed (recipient_number.go)
	NumberTold bool   // the sender was just told
}

// showLanding shows who sent the message and how to prove who you are;
// it changes nothing (mail scanners fetch links).
func (s *Server) showLanding(c echo.Context) error {
	r := recipientOf(c)
	switch {
	case r.rc.Method == db.MethodSignIn && !r.session:
		return s.refuseReader(c, r) // internal: sign in (recipient_internal.go)
	case r.closed(s) && !r.session:
		return s.showGone(c)
	case r.closed(s):
		return s.showClosed(c, r)
	case r.session:
		return c.Redirect(http.StatusSeeOther, r.base()+"/read")
	}
	st, err := s.verify.Status(c.Request().Context(), r.rc)
	if err != nil {
		return err
	}
	return s.renderLanding(c, r, st, nil)
}

// renderLanding renders the page with cause (nil, or a verify error)
// translated next to its field.
func (s *Server) renderLanding(c echo.Context, r *recipientCtx, st verify.Status, cause error) error {
	v, err := s.landing(c, r, st)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if cause != nil {
		e, ok := verifyErrors[cause]
		if !ok {
			return cause
		}
		field := e.field
		if r.rc.Method == db.MethodAccessCode && field == "code" {
			field = "access_code"
		}
		key := e.key
		if r.rc.Method == db.MethodMail && cause == verify.ErrSendFailed {
			key = "recipient.error.send_failed_mail"
		}
		status = e.status
		v.Error = &fieldError{Field: field, Text: s.i18n.T(v.Lang, key, map[string]any{"Wait": v.Wait, "Time": clock(st.Until)})}
	}
	return c.Render(status, "recipient_verify", v)
}

// verifyErrors maps each refusal to its status, message and field.
var verifyErrors = map[error]struct {
	status     int
	key, field string
}{
	verify.ErrMalformedCode: {http.StatusUnprocessableEntity, "recipient.error.format_code", "code"},
	verify.ErrWrongCode:     {http.StatusUnprocessableEntity, "recipient.error.wrong_code", "code"},
	verify.ErrNoCode:        {http.StatusUnprocessableEntity, "recipient.error.no_code", "send"},
	verify.ErrLocked:        {http.StatusForbidden, "recipient.error.locked", ""},
	verify.ErrTooSoon:       {http.StatusTooManyRequests, "recipient.error.too_soon", "send"},
	verify.ErrHourlyLimit:   {http.StatusTooManyRequests, "recipient.error.hourly", "send"},
	verify.ErrDailyCap:      {http.StatusServiceUnavailable, "recipient.error.daily", "send"},
	verify.ErrCountry:       {http.StatusUnprocessableEntity, "recipient.error.country", "send"},
	verify.ErrSendFailed:    {http.StatusServiceUnavailable, "recipient.error.send_failed", "send"},
	verify.ErrBusy:          {http.StatusServiceUnavailable, "recipient.error.busy", "code"},
	verify.ErrAlreadyAsked:  {http.StatusTooManyRequests, "recipient.error.already_asked", "forgot"},
}

// landing builds the page's view model.
func (s *Server) landing(c echo.Context, r *recipientCtx, st verify.Status) (landingView, error) {
	org, sender, err := s.people(c.Request().Context(), r.msg)
	if err != nil {
		return landingView{}, err
	}
	v := landingView{baseView: s.base(c, "recipient.verify.title"), Base: r.base(), Sender: displayName(sender),
		Org: org.Name, Method: r.rc.Method, Status: st, Hint: r.rc.AccessCodeHint}
	v.Date = dateTime(r.msg.CreatedAt, v.Lang)
	if r.rc.Phone != "" {
		v.Phone = phone.Mask(r.rc.Phone)
	}
	if r.rc.Method == db.MethodMail {
		v.Address = verify.MaskAddress(r.rc.Address)
	}
	if st.CodeLive {
		v.SentAt = clock(st.CodeSentAt)
	}
	v.Wait = wait(st.NextSendIn)
	v.rememberedView, v.Notice = s.remembered(c, r), s.deviceNotice(c)
	v.NumberTold = c.QueryParam("number") == "told"
	return v, nil
}

// people loads a message's organisation and sender.
func (s *Server) people(ctx context.Context, msg db.Message) (db.Org, db.User, error) {
	org, err := s.store.Org(ctx, msg.OrgID)
	if err != nil {
		return db.Org{}, db.User{}, err
	}
	sender, err := s.store.User(ctx, msg.OrgID, msg.SenderID)
	return org, sender, err
}

func displayName(u db.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// codeForm is the posted SMS code or access code.
type codeForm struct {
	Code string
}

// readCodeForm reads an SMS code, forgiving the spaces and dashes people
// type or paste ("123 456").
func readCodeForm(c echo.Context) (codeForm, error) {
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, c.FormValue("code"))
	if !verify.WellFormedCode(code) {
		return codeForm{}, verify.ErrMalformedCode
	}
	return codeForm{Code: code}, nil
}

// readAccessForm reads an access code.
func readAccessForm(c echo.Context) (codeForm, error) {
	code := strings.TrimSpace(c.FormValue("access_code"))
	if code == "" || len(code) > 200 {
		return codeForm{}, verify.ErrMalformedCode
	}
	return codeForm{Code: code}, nil
}

// verifiable is the recipient of a verification POST, or nil after an
// answer was written (closed, already verified, or another method).
func (s *Server) verifiable(c echo.Context, methods ...string) (*recipientCtx, error) {
	r := recipientOf(c)
	if r.closed(s) || r.session {
		return nil, s.showLanding(c)
	}
	if !slices.Contains(methods, r.rc.Method) {
		return nil, s.showGone(c)
	}
	return r, nil
}

// sendCode texts (or mails, for method mail) a new code and shows the page with the code field.
func (s *Server) sendCode(c echo.Context) error {
	r, err := s.verifiable(c, db.MethodSMS, db.MethodMail)
	if r == nil {
		return err
	}
	st, err := s.verify.SendCode(c.Request().Context(), r.rc, s.lang(c))
	if err != nil {
		return s.renderLanding(c, r, st, err)
	}
	return c.Redirect(http.StatusSeeOther, r.base()+"#code")
}

// checkCode checks an SMS or mailed code and, when right, starts the session.
func (s *Server) checkCode(c echo.Context) error {
	r, err := s.verifiable(c, db.MethodSMS, db.MethodMail)
	if r == nil {
		return err
	}
	form, err := readCodeForm(c)
	if err != nil {
		return s.statusAndRender(c, r, err)
	}
	st, err := s.verify.CheckCode(c.Request().Context(), r.rc, form.Code)
	if err != nil {
		return s.renderLanding(c, r, st, err)
	}
	return s.startRecipientSession(c, r)
}

// checkAccessCode checks an access code and, when right, starts the session.
func (s *Server) checkAccessCode(c echo.Context) error {
	r, err := s.verifiable(c, db.MethodAccessCode)
	if r == nil {
		return err
	}
	form, err := readAccessForm(c)
	if err != nil {
		return s.statusAndRender(c, r, err)
	}
	st, err := s.verify.CheckAccessCode(c.Request().Context(), r.rc, form.Code)
	if err != nil {
		return s.renderLanding(c, r, st, err)
	}
	return s.startRecipientSession(c, r)
}

// forgotAccessCode tells the sender that the recipient lacks the code.
func (s *Server) forgotAccessCode(c echo.Context) error {
	r, err := s.verifiable(c, db.MethodAccessCode)
	if r == nil {
		return err
	}
	st, err := s.verify.ForgotAccessCode(c.Request().Context(), r.rc)
	if err != nil {
		return s.renderLanding(c, r, st, err)
	}
	v, err := s.landing(c, r, st)
	if err != nil {
		return err
	}
	v.Forgot = true
	return c.Render(http.StatusOK, "recipient_verify", v)
}

// statusAndRender re-renders the page with a form error, nothing counted.
func (s *Server) statusAndRender(c echo.Context, r *recipientCtx, cause error) error {
	st, err := s.verify.Status(c.Request().Context(), r.rc)
	if err != nil {
		return err
	}
	return s.renderLanding(c, r, st, cause)
}

// startRecipientSession sets the session cookie and opens the message.
func (s *Server) startRecipientSession(c echo.Context, r *recipientCtx) error {
	if err := s.rememberDevice(c, r); err != nil {
		return err
	}
	token, err := s.verify.StartSession(c.Request().Context(), r.rc)
	if err != nil {
		return err
	}
	s.setRecipientCookie(c, r, token, 0)
	return c.Redirect(http.StatusSeeOther, r.base()+"/read")
}

// closeMessage ends the session: the next visit asks for a code again.
func (s *Server) closeMessage(c echo.Context) error {
	r := recipientOf(c)
	if ck, err := c.Request().Cookie(recipientCookie); err == nil {
		if err := s.verify.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setRecipientCookie(c, r, "", -1)
	return c.Redirect(http.StatusSeeOther, r.base())
}
