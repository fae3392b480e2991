package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestLoadHashesEveryFile(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.css", "app.js", "icon.svg"} {
		u, err := s.URL(name)
		if err != nil {
			t.Fatalf("URL(%q): %v", name, err)
		}
		m := regexp.MustCompile(`^/assets/([0-9a-f]{20})/` + regexp.QuoteMeta(name) + `$`).FindStringSubmatch(u)
		if m == nil {
			t.Fatalf("URL(%q) = %q, not /assets/<hash>/<name>", name, u)
		}
		f, ok := s.Lookup(m[1], name)
		if !ok {
			t.Fatalf("Lookup(%q, %q) found nothing", m[1], name)
		}
		sum := sha256.Sum256(f.Body)
		if got := hex.EncodeToString(sum[:10]); got != m[1] {
			t.Errorf("%s: hash %s does not match its content (%s)", name, m[1], got)
		}
		if f.ContentType == "" || len(f.Body) == 0 {
			t.Errorf("%s: empty content type or body", name)
		}
	}
}

func TestLookupRefusesWrongHashOrName(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.URL("app.css")
	hash := strings.Split(u, "/")[2]
	if _, ok := s.Lookup(strings.Repeat("0", 20), "app.css"); ok {
		t.Error("a wrong hash was accepted")
	}
	if _, ok := s.Lookup(hash, "app.js"); ok {
		t.Error("another file's hash was accepted")
	}
	if _, ok := s.Lookup(hash, "assets.go"); ok {
		t.Error("a file that is not an asset was found")
	}
	if _, err := s.URL("missing.css"); err == nil {
		t.Error("URL of a missing asset gave no error")
	}
}
