// Package i18n owns Sluis's message catalogues (Dutch, French and English),
// the choice of language for a request, and how people are shown a date
// and a time: in one zone (Europe/Amsterdam), written each language's way
// by Date and DateTime, the only date formatter of pages and mail.
//
// Translations are data: one JSON catalogue per language under locales/,
// embedded in the binary and loaded once into a Bundle, which is read-only
// afterwards and safe for concurrent use. Keys are stable identifiers such
// as "error.not_found" or "reason.bad_phone"; code passes keys around and
// translates only when it renders.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language used when nothing the client prefers is spoken.
const Default = "en"

//go:embed locales/*.json
var locales embed.FS

// files lists a language's catalogue files: locales/<code>.json and any
// feature catalogue locales/<feature>.<code>.json, so that features can
// keep their texts apart.
func files(code string) ([]string, error) {
	extra, err := fs.Glob(locales, "locales/*."+code+".json")
	if err != nil {
		return nil, err
	}
	return append([]string{path.Join("locales", code+".json")}, extra...), nil
}

// supported lists the languages in matcher order; the first is Default.
func supported() []language.Tag {
	return []language.Tag{language.English, language.Dutch, language.French}
}

// Bundle holds every catalogue and the language matcher; it is immutable
// after New.
type Bundle struct {
	tags       []language.Tag
	codes      []string
	matcher    language.Matcher
	localizers map[string]*goi18n.Localizer
}

// New loads the embedded catalogues.
func New() (*Bundle, error) {
	tags := supported()
	gb := goi18n.NewBundle(tags[0])
	b := &Bundle{tags: tags, matcher: language.NewMatcher(tags), localizers: map[string]*goi18n.Localizer{}}
	for _, tag := range tags {
		code := tag.String()
		names, err := files(code)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			buf, err := fs.ReadFile(locales, name)
			if err != nil {
				return nil, fmt.Errorf("reading catalogue %s: %w", name, err)
			}
			if _, err := gb.ParseMessageFileBytes(buf, name); err != nil {
				return nil, fmt.Errorf("parsing catalogue %s: %w", name, err)
			}
		}
		b.codes = append(b.codes, code)
		// A message missing in one language falls back to Default; the
		// completeness test keeps that from happening.
		b.localizers[code] = goi18n.NewLocalizer(gb, code, Default)
	}
	return b, nil
}

// Languages returns the codes of the languages Sluis speaks, Default first.
func (b *Bundle) Languages() []string {
	return append([]string(nil), b.codes...)
}

// Supports reports whether lang is exactly one of Languages.
func (b *Bundle) Supports(lang string) bool {
	_, ok := b.localizers[lang]
	return ok
}

// Match picks the language for a request from preferences in order of
// authority, e.g. the lang cookie and then the Accept-Language header. Each
// preference is an Accept-Language list; the first that matches a language
// Sluis speaks wins, and Default is the answer when none does.
func (b *Bundle) Match(preferences ...string) string {
	for _, p := range preferences {
		if p == "" {
			continue
		}
		desired, _, err := language.ParseAcceptLanguage(p)
		if err != nil || len(desired) == 0 {
			continue
		}
		if _, i, conf := b.matcher.Match(desired...); conf != language.No {
			return b.codes[i]
		}
	}
	return Default
}

// T translates key into lang, filling in data (a "Count" entry also picks
// the plural form). An unknown language means Default; an unknown key
// comes back as the key itself, so a gap shows rather than breaks the page.
func (b *Bundle) T(lang, key string, data map[string]any) string {
	loc, ok := b.localizers[lang]
	if !ok {
		loc = b.localizers[Default]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key}
	if data != nil {
		cfg.TemplateData = data
		cfg.PluralCount = data["Count"]
	}
	s, err := loc.Localize(cfg)
	if err != nil && cfg.PluralCount != nil {
		// A message without plural forms that still shows {{.Count}}.
		cfg.PluralCount = nil
		s, err = loc.Localize(cfg)
	}
	if err != nil || s == "" {
		return key
	}
	return s
}
