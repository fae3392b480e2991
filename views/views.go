// Package views holds the portal's HTML templates and the templates of the
// mail Sluis writes itself (mail/, see Mails), embedded in the binary. It
// imports nothing of Sluis: callers hand in their functions and data.
//
// Every page is its own template set, parsed once at start-up from the
// layout, the partials and that page alone, so that pages cannot redefine
// each other's blocks. A page defines "content"; the layout renders the
// rest from the base view model every page carries (see portal). Templates
// contain no inline scripts or styles: the CSP forbids them.
package views

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed layout.html partials/*.html pages/*.html
var files embed.FS

// Files returns the embedded template sources, for tests that read them.
func Files() fs.FS { return files }

// Pages is the parsed template set of every page, by page name (the file
// name under pages/ without ".html"). It is immutable after Parse.
type Pages struct {
	sets map[string]*template.Template
}

// Parse parses every page with the layout and partials; funcs must define
// every function the templates call (such as "asset").
func Parse(funcs template.FuncMap) (*Pages, error) {
	pages, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("listing pages: %w", err)
	}
	p := &Pages{sets: map[string]*template.Template{}}
	for _, file := range pages {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html", file)
		if err != nil {
			return nil, fmt.Errorf("parsing page %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("page %s defines no \"content\"", name)
		}
		p.sets[name] = t
	}
	return p, nil
}

// Names lists the pages, sorted.
func (p *Pages) Names() []string {
	names := make([]string, 0, len(p.sets))
	for n := range p.sets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Execute renders page with data through the layout. It writes to w as it
// goes: callers that must not send half a page render into a buffer.
func (p *Pages) Execute(w io.Writer, page string, data any) error {
	t, ok := p.sets[page]
	if !ok {
		return fmt.Errorf("no page named %q", page)
	}
	if err := t.ExecuteTemplate(w, "layout", data); err != nil {
		return fmt.Errorf("rendering page %s: %w", page, err)
	}
	return nil
}
