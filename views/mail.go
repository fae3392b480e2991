package views

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Mail templates are kept apart from the pages: a mail is read outside the
// portal's CSP, and mail programs ignore style sheets, so these carry
// inline styles the pages may not.
//
//go:embed mail/*.txt mail/*.html
var mailFiles embed.FS

// Mails are the parsed templates of the mail Sluis writes itself. Each kind
// ("notify", "held", …) is a plain-text and an HTML body, both calling "t"
// to translate a key into the mail's language. Mails is immutable after
// ParseMails and safe for concurrent use.
type Mails struct {
	text  *texttemplate.Template
	html  *htmltemplate.Template
	kinds []string
	// sets are copies of the templates for one Render at a time. Cloning
	// per mail (to bind its "t") also escaped the HTML copy again on its
	// first use, about half of a notification's rendering; a kept copy is
	// escaped once and its "t" reads the translator of the Render that
	// holds it.
	sets sync.Pool // of *mailSet
}

// mailSet is one copy of the templates, used by one Render at a time.
type mailSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
	t    func(key string) string // the translator of the Render using it
}

// set takes a copy of the templates from the pool, or makes one.
func (m *Mails) set() (*mailSet, error) {
	if s, ok := m.sets.Get().(*mailSet); ok {
		return s, nil
	}
	s := &mailSet{}
	t := func(key string) string { return s.t(key) }
	tt, err := m.text.Clone()
	if err != nil {
		return nil, err
	}
	ht, err := m.html.Clone()
	if err != nil {
		return nil, err
	}
	s.text, s.html = tt.Funcs(texttemplate.FuncMap{"t": t}), ht.Funcs(htmltemplate.FuncMap{"t": t})
	return s, nil
}

// ParseMails parses every mail template; call it once at start-up.
func ParseMails() (*Mails, error) {
	nop := func(string) string { return "" }
	tt, err := texttemplate.New("mail").Funcs(texttemplate.FuncMap{"t": nop}).ParseFS(mailFiles, "mail/*.txt")
	if err != nil {
		return nil, fmt.Errorf("parsing text mail: %w", err)
	}
	ht, err := htmltemplate.New("mail").Funcs(htmltemplate.FuncMap{"t": nop}).ParseFS(mailFiles, "mail/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing HTML mail: %w", err)
	}
	m := &Mails{text: tt, html: ht}
	names, err := fs.Glob(mailFiles, "mail/*.txt")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		kind := strings.TrimSuffix(path.Base(name), ".txt")
		if ht.Lookup(kind+".html") == nil {
			return nil, fmt.Errorf("mail %s has no HTML body", kind)
		}
		m.kinds = append(m.kinds, kind)
	}
	return m, nil
}

// Kinds lists the kinds of mail, sorted.
func (m *Mails) Kinds() []string { return slices.Clone(m.kinds) }

// Render executes both bodies of kind with data; t translates a key into
// the mail's language. HTML is escaped by html/template; the text body is
// not, as it is sent as text/plain.
func (m *Mails) Render(kind string, t func(key string) string, data any) (text, html string, err error) {
	set, err := m.set()
	if err != nil {
		return "", "", err
	}
	set.t = t
	defer func() {
		set.t = nil // keeps no caller's translator (nor what it holds) alive
		if err == nil {
			m.sets.Put(set) // a copy that failed is not used again
		}
	}()
	var tb, hb bytes.Buffer
	if err := set.text.ExecuteTemplate(&tb, kind+".txt", data); err != nil {
		return "", "", fmt.Errorf("rendering mail %s: %w", kind, err)
	}
	if err := set.html.ExecuteTemplate(&hb, kind+".html", data); err != nil {
		return "", "", fmt.Errorf("rendering mail %s: %w", kind, err)
	}
	return tb.String(), hb.String(), nil
}
