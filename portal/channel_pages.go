package portal

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// /to/<domain>: the secure channel into an organisation, the citizen's
// side. Three steps, each a plain form that works without JavaScript:
// the address (a code is mailed to it), the code, the message. The
// writer's browser holds the challenge's token in a cookie scoped to
// this page's path; the rules live in portal/delivery/channel*.go. An
// unknown domain and a page turned off get the not-found page of any
// unknown URL.

const (
	channelCookie     = "channel"
	channelWriteRoute = "/to/:domain/write"
)

// channelCtx is the page a request is for.
type channelCtx struct {
	page delivery.ChannelPage
	base string // /to/<domain>, the domain as the organisation has it
}

// loadChannel finds the page; a GET under another spelling of the domain
// is sent to the page's own address, where the cookie lives.
func (s *Server) loadChannel(c echo.Context) (*channelCtx, error) {
	raw := c.Param("domain")
	domain, err := db.NormalizeDomain(raw)
	if err != nil {
		return nil, echo.ErrNotFound
	}
	page, err := s.delivery.ChannelPage(c.Request().Context(), domain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &channelCtx{page: page, base: "/to/" + domain}, nil
}

// channelToken is the writer's token from the cookie, "" without one.
func channelToken(c echo.Context) string {
	if ck, err := c.Cookie(channelCookie); err == nil {
		return ck.Value
	}
	return ""
}

// setChannelCookie keeps the writer's token on the page's path only; the
// server decides how long it is good for.
func (s *Server) setChannelCookie(c echo.Context, ch *channelCtx, token string) {
	c.SetCookie(&http.Cookie{Name: channelCookie, Value: token, Path: ch.base, Secure: s.secureCookies, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
}

// channelView is what the channel's pages show.
type channelView struct {
	baseView
	Base       string
	Org        string
	IntroLines []string
	Address    string // as typed, or the address being proven
	Status     delivery.ChannelStatus
	Wait       int // seconds until a new code may be asked
	Form       channelForm
	Ref        string
	Error      *fieldError
}

// channelPage builds the view in the organisation's look, with the intro
// in the page's language.
func (s *Server) channelPage(c echo.Context, ch *channelCtx, titleKey string) channelView {
	v := channelView{baseView: s.base(c, titleKey), Base: ch.base, Org: ch.page.Org.Name}
	if l, err := s.store.OrgBrand(c.Request().Context(), ch.page.Org.ID); err == nil {
		v.Look = newLookView(l)
		if l.DisplayName != "" {
			v.Org = l.DisplayName
		}
	} else {
		s.log.Warn("reading the organisation's look", "org", ch.page.Org.ID, "err", err)
	}
	if titleKey == "channel.title" {
		v.Title = s.i18n.T(v.Lang, titleKey, map[string]any{"Org": v.Org})
	}
	intro := ch.page.Intro(v.Lang)
	if intro == "" {
		intro = s.i18n.T(v.Lang, "channel.intro_default", map[string]any{"Org": v.Org})
	}
	v.IntroLines = strings.Split(intro, "\n")
	return v
}

// showChannel shows the step the writer is at: the address form, or the
// code form while a challenge is live; a proven writer goes on to write.
func (s *Server) showChannel(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	if want := ch.base; c.Request().URL.Path != want {
		return c.Redirect(http.StatusSeeOther, want)
	}
	st, err := s.delivery.ChannelStatusOf(c.Request().Context(), ch.page, channelToken(c))
	switch {
	case errors.Is(err, delivery.ErrChannelSession):
		return c.Render(http.StatusOK, "channel_start", s.channelPage(c, ch, "channel.title"))
	case err != nil:
		return err
	case st.Verified:
		return c.Redirect(http.StatusSeeOther, ch.base+"/write")
	}
	return c.Render(http.StatusOK, "channel_code", s.codeView(c, ch, st, nil))
}

// codeView is the code form for st, with an error if one is given.
func (s *Server) codeView(c echo.Context, ch *channelCtx, st delivery.ChannelStatus, fe *fieldError) channelView {
	v := s.channelPage(c, ch, "channel.code_title")
	v.Status, v.Address, v.Error = st, st.Address, fe
	v.Wait = int((st.NextSendIn + 999_999_999) / 1_000_000_000) // whole seconds, rounded up
	return v
}

// channelCodeErrors maps a refused code to its message and field.
var channelCodeErrors = map[error]fieldError{
	delivery.ErrChannelAddress:    {"address", "channel.error.address"},
	delivery.ErrChannelTooSoon:    {"send", "channel.error.too_soon"},
	delivery.ErrChannelHourly:     {"send", "channel.error.hourly"},
	delivery.ErrChannelNetwork:    {"send", "channel.error.network"},
	delivery.ErrChannelDaily:      {"send", "channel.error.daily"},
	delivery.ErrChannelSendFailed: {"send", "channel.error.send_failed"},
	delivery.ErrChannelMalformed:  {"code", "channel.error.malformed"},
	delivery.ErrChannelWrongCode:  {"code", "channel.error.wrong"},
	delivery.ErrChannelCodeVoid:   {"code", "channel.error.void"},
	delivery.ErrChannelNoCode:     {"code", "channel.error.no_code"},
}

// channelStatusCode is the HTTP status of a refused step: a limit is 429,
// the relay's failure 503, bad input 422.
func channelStatusCode(err error) int {
	switch {
	case errors.Is(err, delivery.ErrChannelSendFailed):
		return http.StatusServiceUnavailable
	case errors.Is(err, delivery.ErrChannelTooSoon), errors.Is(err, delivery.ErrChannelHourly),
		errors.Is(err, delivery.ErrChannelNetwork), errors.Is(err, delivery.ErrChannelDaily):
		return http.StatusTooManyRequests
	}
	return http.StatusUnprocessableEntity
}

// channelError is the field error of a refusal, nil when err is none of them.
func (s *Server) channelError(c echo.Context, err error) *fieldError {
	for e, fe := range channelCodeErrors {
		if errors.Is(err, e) {
			return &fieldError{Field: fe.Field, Text: s.t(c, fe.Text)}
		}
	}
	return nil
}

// sendChannelCode starts proving the typed address: a code is mailed to
// it and the browser gets the challenge's cookie.
func (s *Server) sendChannelCode(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	address := strings.TrimSpace(c.FormValue("address"))
	token, _, err := s.delivery.StartChannel(c.Request().Context(), ch.page, address, c.RealIP(), s.lang(c))
	if fe := s.channelError(c, err); fe != nil {
		v := s.channelPage(c, ch, "channel.title")
		v.Address, v.Error = address, fe
		if fe.Field == "send" {
			v.Error.Field = "address"
		}
		return c.Render(channelStatusCode(err), "channel_start", v)
	}
	if err != nil {
		return err
	}
	s.setChannelCookie(c, ch, token)
	return c.Redirect(http.StatusSeeOther, ch.base)
}

// resendChannelCode mails the writer a new code.
func (s *Server) resendChannelCode(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	st, err := s.delivery.ResendChannelCode(c.Request().Context(), ch.page, channelToken(c), c.RealIP(), s.lang(c))
	return s.afterCode(c, ch, st, err)
}

// checkChannelCode checks the typed code; the right one leads to the
// message form.
func (s *Server) checkChannelCode(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	code := strings.Join(strings.Fields(c.FormValue("code")), "")
	st, err := s.delivery.CheckChannelCode(c.Request().Context(), ch.page, channelToken(c), code, c.RealIP())
	if err == nil && st.Verified {
		return c.Redirect(http.StatusSeeOther, ch.base+"/write")
	}
	return s.afterCode(c, ch, st, err)
}

// afterCode answers a code step: back to the page when the challenge is
// gone, the code form with the error, or the code form after a new code.
func (s *Server) afterCode(c echo.Context, ch *channelCtx, st delivery.ChannelStatus, err error) error {
	if errors.Is(err, delivery.ErrChannelSession) {
		return c.Redirect(http.StatusSeeOther, ch.base)
	}
	if fe := s.channelError(c, err); fe != nil {
		return c.Render(channelStatusCode(err), "channel_code", s.codeView(c, ch, st, fe))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, ch.base)
}

// redirectChannel answers a GET of a form's address (a language switch on
// a re-rendered form) with the page.
func (s *Server) redirectChannel(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, ch.base)
}

// channelForm is a posted message, kept as typed when refused.
type channelForm struct {
	Name, Subject, Text string
	files               []*multipart.FileHeader
}

// readChannelForm reads the fields once and the files, checking the total
// size of the files (the count and the texts are delivery's to check).
func readChannelForm(c echo.Context) (channelForm, error) {
	f := channelForm{Name: strings.TrimSpace(c.FormValue("name")), Subject: strings.TrimSpace(c.FormValue("subject")),
		Text: strings.ReplaceAll(c.FormValue("text"), "\r\n", "\n")}
	var err error
	f.files, err = uploadedFiles(c)
	return f, err
}

// channelWriteErrors maps a refused message to its message and field.
var channelWriteErrors = map[error]fieldError{
	delivery.ErrChannelSubject:     {"subject", "channel.error.subject"},
	delivery.ErrChannelSubjectLong: {"subject", "channel.error.subject_long"},
	delivery.ErrChannelNameLong:    {"name", "channel.error.name_long"},
	delivery.ErrChannelText:        {"text", "channel.error.text"},
	delivery.ErrReplyTooLong:       {"text", "channel.error.text_long"},
	delivery.ErrReplyFiles:         {"files", "channel.error.files"},
	errReplyTooLarge:               {"files", "channel.error.too_large"},
	delivery.ErrChannelLimit:       {"text", "channel.error.limit"},
	delivery.ErrChannelSession:     {"address", "channel.error.session"},
}

// writeView is the message form for the proven writer.
func (s *Server) writeView(c echo.Context, ch *channelCtx, address string, form channelForm) channelView {
	v := s.channelPage(c, ch, "channel.write_title")
	v.Address, v.Form = address, form
	return v
}

// showChannelWrite shows the message form to a proven writer; anyone else
// goes back to the first step.
func (s *Server) showChannelWrite(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	w, err := s.delivery.ChannelWriter(c.Request().Context(), ch.page, channelToken(c))
	if errors.Is(err, delivery.ErrChannelSession) {
		return c.Redirect(http.StatusSeeOther, ch.base)
	}
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "channel_write", s.writeView(c, ch, w.Address, channelForm{}))
}

// sendChannelMessage stores the message and shows where it went.
func (s *Server) sendChannelMessage(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	form, err := readChannelForm(c)
	var m db.ChannelMessage
	if err == nil {
		m, err = s.submitChannel(c, ch, form)
	}
	for e, fe := range channelWriteErrors {
		if errors.Is(err, e) {
			address := ""
			if w, werr := s.delivery.ChannelWriter(c.Request().Context(), ch.page, channelToken(c)); werr == nil {
				address = w.Address
			}
			v := s.writeView(c, ch, address, form)
			v.Error = &fieldError{Field: fe.Field, Text: s.t(c, fe.Text)}
			status := http.StatusUnprocessableEntity
			if errors.Is(err, delivery.ErrChannelLimit) {
				status = http.StatusTooManyRequests
			}
			return c.Render(status, "channel_write", v)
		}
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, ch.base+"/sent?ref="+url.QueryEscape(m.UID))
}

// submitChannel opens the uploaded files and hands the message to delivery.
func (s *Server) submitChannel(c echo.Context, ch *channelCtx, form channelForm) (db.ChannelMessage, error) {
	in := delivery.ChannelInput{Page: ch.page, Token: channelToken(c), Name: form.Name, Subject: form.Subject, Text: form.Text,
		IP: c.RealIP()}
	for _, fh := range form.files {
		f, err := fh.Open()
		if err != nil {
			return db.ChannelMessage{}, err
		}
		defer func(f io.Closer) { _ = f.Close() }(f) // read-only
		in.Files = append(in.Files, delivery.ReplyFile{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Body: f})
	}
	return s.delivery.SubmitChannel(c.Request().Context(), in)
}

// channelRef is the shape of a channel message's reference.
var channelRef = regexp.MustCompile(`^[0-9a-f]{32}$`)

// showChannelSent says the message went and what happens next. Only the
// writer's own session shows it, and only for a message of theirs.
func (s *Server) showChannelSent(c echo.Context) error {
	ch, err := s.loadChannel(c)
	if err != nil {
		return err
	}
	w, err := s.delivery.ChannelWriter(c.Request().Context(), ch.page, channelToken(c))
	ref := c.QueryParam("ref")
	if errors.Is(err, delivery.ErrChannelSession) || !channelRef.MatchString(ref) {
		return c.Redirect(http.StatusSeeOther, ch.base)
	}
	if err != nil {
		return err
	}
	m, err := s.store.ChannelMessageByUID(c.Request().Context(), ch.page.Org.ID, ref)
	if errors.Is(err, db.ErrNotFound) || (err == nil && m.Address != w.Address) {
		return c.Redirect(http.StatusSeeOther, ch.base)
	}
	if err != nil {
		return err
	}
	v := s.channelPage(c, ch, "channel.sent_title")
	v.Address, v.Ref = w.Address, ref
	return c.Render(http.StatusOK, "channel_sent", v)
}
