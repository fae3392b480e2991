package intake

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-smtp"
)

func fingerprint(t *testing.T, c *tls.Config) [32]byte {
	t.Helper()
	if len(c.Certificates) != 1 {
		t.Fatalf("%d certificates", len(c.Certificates))
	}
	return sha256.Sum256(c.Certificates[0].Certificate[0])
}

// TestSelfSignedTLS generates a certificate once, keeps its key private,
// and reuses it on the next start.
func TestSelfSignedTLS(t *testing.T) {
	dir := t.TempDir()
	hosts := []string{"mail.example.com", "127.0.0.1"}
	first, err := LoadOrCreateTLS(dir, "", "", hosts)
	must(t, err)
	second, err := LoadOrCreateTLS(dir, "", "", hosts)
	must(t, err)
	if fingerprint(t, first) != fingerprint(t, second) {
		t.Error("a second start made a new certificate")
	}
	fi, err := os.Stat(filepath.Join(dir, "smtp-key.pem"))
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode().Perm())
	}
	leaf := first.Certificates[0].Leaf
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || len(leaf.DNSNames) != 1 || len(leaf.IPAddresses) != 1 {
		t.Errorf("leaf %T %v %v", leaf.PublicKey, leaf.DNSNames, leaf.IPAddresses)
	}
	if first.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x", first.MinVersion)
	}

	// The operator's own files are used as given; nothing is generated.
	other := t.TempDir()
	given, err := LoadOrCreateTLS(other, filepath.Join(dir, "smtp-cert.pem"), filepath.Join(dir, "smtp-key.pem"), nil)
	must(t, err)
	if fingerprint(t, given) != fingerprint(t, first) {
		t.Error("given files not used")
	}
	if _, err := os.Stat(filepath.Join(other, "smtp-key.pem")); !os.IsNotExist(err) {
		t.Error("a key was generated although files were given")
	}
	if _, err := LoadOrCreateTLS(other, filepath.Join(dir, "smtp-cert.pem"), "", nil); err == nil {
		t.Error("a certificate without its key was accepted")
	}

	// A damaged self-signed pair is made anew.
	must(t, os.WriteFile(filepath.Join(dir, "smtp-key.pem"), []byte("junk"), 0o600))
	third, err := LoadOrCreateTLS(dir, "", "", hosts)
	must(t, err)
	if fingerprint(t, third) == fingerprint(t, first) {
		t.Error("damaged pair kept")
	}
}

// TestStartTLSThenAuth upgrades a connection from a remote peer (where
// plaintext AUTH is refused) with the self-signed certificate, then signs
// in and sends.
func TestStartTLSThenAuth(t *testing.T) {
	cfg, err := LoadOrCreateTLS(t.TempDir(), "", "", []string{"127.0.0.1"})
	must(t, err)
	e := newEnv(t, func(o *Options) { o.TLSConfig = cfg }, func(s *Server) {
		s.isLoopback = func(net.Addr) bool { return false }
	})
	plain := e.dial(t)
	if ok, _ := plain.Extension("STARTTLS"); !ok || plain.SupportsAuth("PLAIN") {
		t.Fatal("want STARTTLS and no AUTH before TLS")
	}
	roots := x509.NewCertPool()
	roots.AddCert(cfg.Certificates[0].Leaf)
	c, err := smtp.DialStartTLS(e.addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	must(t, err)
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS after STARTTLS")
	}
	must(t, c.Auth(saslPlain(alice, password)))
	must(t, send(c, alice, []string{"carol@client.example"}, mail(alice, "over TLS", "hello")))
	if subs, _, _ := e.sub.state(); len(subs) != 1 {
		t.Errorf("%d submissions", len(subs))
	}
}
