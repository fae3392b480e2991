package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

const (
	langCookie = "lang"
	langParam  = "lang"
	langMaxAge = 365 * 24 * 60 * 60 // seconds
)

// chooseLanguage settles the language of the response: a ?lang= link from
// the language switcher (remembered in the lang cookie), else the cookie,
// else Accept-Language, else i18n.Default.
func (s *Server) chooseLanguage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := s.switchLanguage(c)
		if lang == "" {
			lang = s.preferredLanguage(c)
		}
		c.Set(keyLang, lang)
		c.Response().Header().Set("Content-Language", lang)
		return next(c)
	}
}

// switchLanguage honours ?lang=xx on a GET and sets the cookie. Setting a
// preference cookie is the one state change a GET may make: it is
// harmless if forged, and links are the accessible way to switch.
func (s *Server) switchLanguage(c echo.Context) string {
	if c.Request().Method != http.MethodGet || noCookies(routeOf(c)) {
		return ""
	}
	lang := c.QueryParam(langParam)
	if !s.i18n.Supports(lang) {
		return ""
	}
	s.setCookie(c, langCookie, lang, langMaxAge)
	return lang
}

// preferredLanguage matches the cookie, then Accept-Language; it changes
// nothing, so the error handler may call it too.
func (s *Server) preferredLanguage(c echo.Context) string {
	cookie := ""
	if ck, err := c.Request().Cookie(langCookie); err == nil {
		cookie = ck.Value
	}
	return s.i18n.Match(cookie, c.Request().Header.Get("Accept-Language"))
}

// lang is the language chosen for this request.
func (s *Server) lang(c echo.Context) string {
	if l, ok := c.Get(keyLang).(string); ok {
		return l
	}
	return s.preferredLanguage(c)
}

// t translates key for this request.
func (s *Server) t(c echo.Context, key string) string {
	return s.i18n.T(s.lang(c), key, nil)
}

// languages is the switcher's list, each language named in itself.
func (s *Server) languages(current string) []language {
	codes := s.i18n.Languages()
	out := make([]language, 0, len(codes))
	for _, code := range codes {
		out = append(out, language{Code: code, Name: s.i18n.T(code, "lang.self", nil), Current: code == current})
	}
	return out
}
