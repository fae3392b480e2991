package portal

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/i18n"
	"sluis/views"
)

// renderer is Echo's Renderer over the parsed pages. It renders into a
// buffer and writes only a complete page, so a template error becomes a
// clean error page instead of half a page with a 200.
type renderer struct {
	pages *views.Pages
}

// Render renders page name with data.
func (r *renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	var buf bytes.Buffer
	if err := r.pages.Execute(&buf, name, data); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// language is one entry of the language switcher.
type language struct {
	Code, Name string
	Current    bool
}

// flash is a message shown above the page content; Kind is "error" (read
// out at once by screen readers) or "info".
type flash struct {
	Kind, Text string
}

// baseView is the view model every page gets; page views embed it and add
// only what is theirs.
type baseView struct {
	Title     string // translated page title
	Lang      string
	Languages []language
	Path      string // the request path, to mark the current menu entry
	CSRF      string // for every form's hidden "csrf" field
	Nonce     string // the CSP nonce, for script tags
	RequestID string
	Flash     *flash
	User      *userView // nil: nobody is signed in (no sessions yet)
	Dev       bool
	Look      *lookView // the organisation a recipient's page speaks for (look_pages.go)
	tr        *i18n.Bundle
}

// T translates key into the page's language; args are name/value pairs
// for the message's placeholders: {{.T "error.reference" "ID" .RequestID}}.
func (v baseView) T(key string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			if name, ok := args[i].(string); ok {
				data[name] = args[i+1]
			}
		}
	}
	return v.tr.T(v.Lang, key, data)
}

// Under reports whether the page is prefix or below it, to mark the
// current entry of a menu that covers several pages.
func (v baseView) Under(prefix string) bool {
	return v.Path == prefix || strings.HasPrefix(v.Path, strings.TrimSuffix(prefix, "/")+"/")
}

// RecipientPage reports whether the page is one of an external
// recipient's (a message link, the secure channel in): those show no
// staff navigation.
func (v baseView) RecipientPage() bool { return v.Under("/m") || v.Under("/to") }

// DateTime writes a moment in the page's language: {{$.DateTime .ChangedAt}}.
func (v baseView) DateTime(t time.Time) string { return i18n.DateTime(v.Lang, t) }

// base builds the base view model for this request; titleKey names the
// page title in the catalogues.
func (s *Server) base(c echo.Context, titleKey string) baseView {
	lang := s.lang(c)
	v := baseView{
		Title:     s.i18n.T(lang, titleKey, nil),
		Lang:      lang,
		Languages: s.languages(lang),
		Path:      c.Request().URL.Path,
		RequestID: requestID(c),
		User:      newUserView(currentUser(c)),
		Dev:       s.dev,
		Look:      s.pageLook(c),
		tr:        s.i18n,
	}
	v.CSRF, _ = c.Get(keyCSRF).(string)
	v.Nonce, _ = c.Get(keyNonce).(string)
	if v.User != nil {
		v.User.Inbox = s.inInbox(c, currentUser(c))
	}
	return v
}

// userView is what pages may show of the signed-in user; it leaves out
// what they must not (the password hash).
type userView struct {
	Email, DisplayName, Role string
	Inbox                    bool // in the organisation's secure inbox: the menu links to /inbox
}

func newUserView(u *db.User) *userView {
	if u == nil {
		return nil
	}
	return &userView{Email: u.Email, DisplayName: u.DisplayName, Role: u.Role}
}

// errorFlash is a translated error message for the top of a page.
func (s *Server) errorFlash(c echo.Context, key string) *flash {
	return &flash{Kind: "error", Text: s.t(c, key)}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *db.User {
	u, _ := c.Get(keyUser).(*db.User)
	return u
}
