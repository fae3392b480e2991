package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/portal/delivery"
)

// /admin/channel: the secure channel's public page — on or off, the
// secure-inbox address its messages are announced to, and its intro text
// per language. The rules are delivery.PutChannelSettings'.

// channelSettingsForm is what the page sends, kept as typed when refused.
type channelSettingsForm struct {
	Enabled bool
	Inbox   string
	Intro   map[string]string
}

// readChannelSettingsForm reads each field once.
func readChannelSettingsForm(c echo.Context) channelSettingsForm {
	f := channelSettingsForm{Enabled: c.FormValue("enabled") == "1", Inbox: strings.TrimSpace(c.FormValue("inbox")),
		Intro: map[string]string{}}
	for _, lang := range delivery.ChannelLanguages {
		f.Intro[lang] = strings.ReplaceAll(c.FormValue("intro_"+lang), "\r\n", "\n")
	}
	return f
}

// introField is one language's intro box.
type introField struct {
	Field, Lang, Language, Text string
}

// adminChannelView is the settings page.
type adminChannelView struct {
	baseView
	URLs   []string // the page's public addresses, one per domain
	Form   channelSettingsForm
	Intros []introField
	Error  *fieldError
	Notice string
}

// channelSettingsPage builds the page around form.
func (s *Server) channelSettingsPage(c echo.Context, form channelSettingsForm) (adminChannelView, error) {
	u := currentUser(c)
	org, err := s.store.Org(c.Request().Context(), u.OrgID)
	if err != nil {
		return adminChannelView{}, err
	}
	v := adminChannelView{baseView: s.base(c, "channel.admin.title"), Form: form}
	for _, d := range org.Domains {
		v.URLs = append(v.URLs, s.baseURL+"/to/"+d)
	}
	for _, lang := range delivery.ChannelLanguages {
		v.Intros = append(v.Intros, introField{Field: "intro_" + lang, Lang: lang, Language: s.t(c, "channel.admin.lang."+lang),
			Text: form.Intro[lang]})
	}
	return v, nil
}

// showChannelSettings shows the settings as saved.
func (s *Server) showChannelSettings(c echo.Context) error {
	cs, err := s.store.ChannelSettings(c.Request().Context(), currentUser(c).OrgID)
	if err != nil {
		return err
	}
	v, err := s.channelSettingsPage(c, channelSettingsForm{Enabled: cs.Enabled, Inbox: cs.Inbox, Intro: cs.Intro})
	if err != nil {
		return err
	}
	if c.QueryParam("done") == "saved" {
		v.Notice = s.t(c, "channel.admin.saved")
	}
	return c.Render(http.StatusOK, "admin_channel", v)
}

// saveChannelSettings stores the settings, or shows the form as typed
// with the error beside its field.
func (s *Server) saveChannelSettings(c echo.Context) error {
	form := readChannelSettingsForm(c)
	_, err := s.delivery.PutChannelSettings(c.Request().Context(), delivery.ChannelSettingsInput{Admin: *currentUser(c),
		Enabled: form.Enabled, Inbox: form.Inbox, Intro: form.Intro, IP: c.RealIP()})
	var fe *fieldError
	var ie *delivery.ChannelIntroError
	switch {
	case errors.Is(err, delivery.ErrChannelInbox):
		fe = &fieldError{Field: "inbox", Text: s.t(c, "channel.admin.error.inbox")}
	case errors.As(err, &ie):
		fe = &fieldError{Field: "intro_" + ie.Lang, Text: s.t(c, "channel.admin.error.intro")}
	case err != nil:
		return err
	default:
		return c.Redirect(http.StatusSeeOther, "/admin/channel?done=saved")
	}
	v, err := s.channelSettingsPage(c, form)
	if err != nil {
		return err
	}
	v.Error = fe
	return c.Render(http.StatusUnprocessableEntity, "admin_channel", v)
}
