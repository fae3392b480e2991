package intake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Where the self-signed certificate lives in the data folder, and for how
// long one is made. It is renewed when it has less than renewBefore left.
const (
	selfCertName = "smtp-cert.pem"
	selfKeyName  = "smtp-key.pem"
	selfCertLife = 5 * 365 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
)

// LoadOrCreateTLS returns the STARTTLS configuration (TLS 1.2 or later): the
// given certificate and key, or else a self-signed ECDSA P-256 certificate
// for hosts, generated into dataDir on first use and reused afterwards.
func LoadOrCreateTLS(dataDir, certFile, keyFile string, hosts []string) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("intake: give both a TLS certificate and its key, or neither")
	}
	if certFile == "" {
		certFile, keyFile = filepath.Join(dataDir, selfCertName), filepath.Join(dataDir, selfKeyName)
		if err := ensureSelfSigned(certFile, keyFile, hosts); err != nil {
			return nil, err
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("intake: loading TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ensureSelfSigned keeps a usable self-signed pair at the two paths.
func ensureSelfSigned(certFile, keyFile string, hosts []string) error {
	// A pair that is missing, half written, mismatched or near its end is
	// made anew: it is ours, and nobody else's setup depends on it.
	if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && time.Until(cert.Leaf.NotAfter) > renewBefore {
		return nil
	}
	certPEM, keyPEM, err := selfSigned(hosts, time.Now())
	if err != nil {
		return fmt.Errorf("intake: generating a TLS certificate: %w", err)
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certFile, certPEM, 0o644)
}

// selfSigned makes a certificate and key in PEM for the given host names
// and IP addresses ("localhost" when none is given).
func selfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	if len(hosts) == 0 {
		hosts = []string{"localhost"}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"Sluis (self-signed)"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfCertLife),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileAtomic writes a file through a temporary file in the same
// folder, so that a crash never leaves half a file. The temporary file is
// created 0600, so a key is never readable by others, even for a moment.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	_, err = f.Write(data)
	err = errors.Join(err, f.Chmod(mode), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("intake: writing %s: %w", path, err)
	}
	return nil
}
