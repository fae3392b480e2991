package portal

import (
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"github.com/labstack/echo/v4"

	"sluis/views"
)

// TestPagesInEveryLanguage requests every page in every language, chosen
// each of the three ways: Accept-Language, the lang cookie, ?lang=.
func TestPagesInEveryLanguage(t *testing.T) {
	langs := []struct {
		code, accept, signIn, about, notFound string
	}{
		{"en", "en-GB,en;q=0.9", "Sign in", "Sluis is a secure-mail gateway", "Page not found"},
		{"nl", "nl-BE,nl;q=0.9,en;q=0.5", "Aanmelden", "Sluis is een gateway voor beveiligde e-mail", "Pagina niet gevonden"},
		{"fr", "fr-BE,fr;q=0.9", "Se connecter", "Sluis est une passerelle de messagerie sécurisée", "Page introuvable"},
	}
	e := newEnv(t, nil)
	for _, l := range langs {
		ways := []struct {
			name   string
			header map[string]string
			cookie *http.Cookie
			query  string
		}{
			{"accept-language", map[string]string{"Accept-Language": l.accept}, nil, ""},
			{"cookie", map[string]string{"Accept-Language": "de"}, &http.Cookie{Name: "lang", Value: l.code}, ""},
			{"query", map[string]string{"Accept-Language": "de"}, nil, "?lang=" + l.code},
		}
		for _, w := range ways {
			var cookies []*http.Cookie
			if w.cookie != nil {
				cookies = append(cookies, w.cookie)
			}
			html := `<html lang="` + l.code + `">`
			current := `hreflang="` + l.code + `" lang="` + l.code + `" aria-current="true"`
			for _, sc := range []scenario{
				{name: "sign-in", target: "/signin" + w.query, status: http.StatusOK,
					contains: []string{html, current, "<h1>" + l.signIn + "</h1>", `action="/signin"`, `name="csrf"`, `for="email"`, `for="password"`, `href="#main"`}},
				{name: "about", target: "/about" + w.query, status: http.StatusOK, contains: []string{html, l.about}},
				{name: "not found", target: "/no/such/page" + w.query, status: http.StatusNotFound, contains: []string{html, "<h1>" + l.notFound + "</h1>"}},
			} {
				t.Run(l.code+"/"+w.name+"/"+sc.name, func(t *testing.T) {
					sc.header, sc.cookies = w.header, cookies
					sc.headers = map[string]string{"Content-Language": l.code}
					rec := e.check(t, sc)
					set := cookie(rec, "lang")
					if w.query != "" && (set == nil || set.Value != l.code) {
						t.Errorf("?lang=%s did not set the lang cookie", l.code)
					}
					if w.query == "" && set != nil {
						t.Errorf("the lang cookie was set without ?lang=")
					}
				})
			}
		}
	}
}

func TestHomeRedirectsToSignIn(t *testing.T) {
	e := newEnv(t, nil)
	e.check(t, scenario{target: "/", status: http.StatusSeeOther, headers: map[string]string{"Location": "/signin"}})
}

func TestUnknownLangQueryIgnored(t *testing.T) {
	e := newEnv(t, nil)
	rec := e.check(t, scenario{target: "/about?lang=de", header: map[string]string{"Accept-Language": "fr"},
		status: http.StatusOK, contains: []string{`<html lang="fr">`}})
	if cookie(rec, "lang") != nil {
		t.Error("an unsupported ?lang= set the cookie")
	}
}

// TestTemplateKeysExist finds every key the templates and the error
// handler translate and checks each is in every catalogue.
func TestTemplateKeysExist(t *testing.T) {
	e := newEnv(t, nil)
	keyRE := regexp.MustCompile(`\.T "([^"]+)"`)
	var keys []string
	err := fs.WalkDir(views.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(views.Files(), path)
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in the templates", len(keys))
	}
	for _, code := range []int{400, 401, 403, 404, 405, 409, 413, 429, 500, 502, 503} {
		_, k := classify(echo.NewHTTPError(code))
		keys = append(keys, "error."+k, "error."+k+"_detail")
	}
	keys = append(keys, "error.csrf", "error.csrf_detail", "signin.title", "about.title", "outbox.title", "outbox.raw", "lang.self")
	for _, lang := range e.s.i18n.Languages() {
		for _, k := range keys {
			if got := e.s.i18n.T(lang, k, nil); got == k {
				t.Errorf("%s: no translation for %q", lang, k)
			}
		}
	}
}
