// Package assets holds the portal's static files (CSS, JavaScript, icons),
// embedded in the binary and served under content-hashed URLs
// (/assets/<hash>/<name>) so that browsers may cache them forever: a new
// file has a new hash and therefore a new URL.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
)

//go:embed app.css app.js icon.svg passkey.js print.css look.css ui.css
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/assets/"

// contentTypes is fixed here rather than taken from the system's MIME
// table, which differs from one machine to the next.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".woff2": "font/woff2",
}

// File is one embedded asset.
type File struct {
	Name        string
	Hash        string // first 20 hex digits of the SHA-256 of Body
	ContentType string
	Body        []byte
}

// URL is the fingerprinted path of f.
func (f File) URL() string { return Prefix + f.Hash + "/" + f.Name }

// Set is every embedded asset, hashed once by Load; it is immutable after.
type Set struct {
	byName map[string]File
}

// Load reads and hashes the embedded files.
func Load() (*Set, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("listing assets: %w", err)
	}
	s := &Set{byName: map[string]File{}}
	for _, e := range entries {
		body, err := fs.ReadFile(files, e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading asset %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ctype, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			return nil, fmt.Errorf("asset %s: no content type for its extension", e.Name())
		}
		s.byName[e.Name()] = File{Name: e.Name(), Hash: hex.EncodeToString(sum[:10]), ContentType: ctype, Body: body}
	}
	return s, nil
}

// URL returns the fingerprinted URL of the named asset; an unknown name is
// an error, so a template that names a missing file fails to render.
func (s *Set) URL(name string) (string, error) {
	f, ok := s.byName[name]
	if !ok {
		return "", fmt.Errorf("no asset named %q", name)
	}
	return f.URL(), nil
}

// Lookup returns the asset called name if hash is its current hash. An old
// or made-up hash is not found: serving old URLs with new content under an
// immutable cache header would pin the wrong file in browsers.
func (s *Set) Lookup(hash, name string) (File, bool) {
	f, ok := s.byName[name]
	if !ok || f.Hash != hash {
		return File{}, false
	}
	return f, true
}
