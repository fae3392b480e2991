package mailer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relayOpts configures a test relay.
type relayOpts struct {
	startTLS    bool                       // advertise STARTTLS
	implicitTLS bool                       // TLS from the first byte
	insecureOK  bool                       // allow AUTH without TLS
	users       map[string]string          // enables AUTH PLAIN (and LOGIN with loginOnly)
	loginOnly   bool                       // offer AUTH LOGIN but not PLAIN
	mail        *smtp.SMTPError            // reply to MAIL FROM
	rcpt        map[string]*smtp.SMTPError // reply per RCPT TO
	data        *smtp.SMTPError            // reply to DATA
	cert        *tls.Certificate           // defaults to a fresh self-signed one
}

// received is one message the test relay accepted.
type received struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool
	AuthUser string
}

// testRelay is a real go-smtp server on a loopback port.
type testRelay struct {
	opts  relayOpts
	addr  *net.TCPAddr
	roots *x509.CertPool // trusts the relay's certificate

	mu    sync.Mutex
	mails []received
	auths int
	// Connections: how many were opened, are open now, were open at most
	// at once; the open ones (for drop) and all ever seen.
	sessions, open, maxOpen int
	conns, seen             map[*smtp.Conn]bool
}

func startRelay(t *testing.T, opts relayOpts) *testRelay {
	t.Helper()
	cert, roots := selfSigned(t)
	if opts.cert != nil {
		cert = *opts.cert
	}
	r := &testRelay{opts: opts, roots: roots}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 10
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = opts.insecureOK
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if opts.startTLS {
		srv.TLSConfig = tlsCfg
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS {
		l = tls.NewListener(l, tlsCfg)
	}
	r.addr = l.Addr().(*net.TCPAddr)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

// config returns a RelayConfig pointing at the test relay.
func (r *testRelay) config() RelayConfig {
	return RelayConfig{
		Host:        "127.0.0.1",
		Port:        r.addr.Port,
		ImplicitTLS: r.opts.implicitTLS,
		TLSConfig:   &tls.Config{RootCAs: r.roots},
		Timeout:     10 * time.Second,
	}
}

func (r *testRelay) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.mails...)
}

func (r *testRelay) authCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.auths
}

// NewSession implements smtp.Backend.
func (r *testRelay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	r.mu.Lock()
	if r.conns == nil {
		r.conns, r.seen = map[*smtp.Conn]bool{}, map[*smtp.Conn]bool{}
	}
	if !r.seen[c] { // go-smtp starts a new Session after STARTTLS, on the same connection
		r.seen[c] = true
		r.sessions++
	}
	if !r.conns[c] {
		r.conns[c] = true
		r.open++
		r.maxOpen = max(r.maxOpen, r.open)
	}
	r.mu.Unlock()
	return &testSession{relay: r, conn: c, msg: received{TLS: isTLS}}, nil
}

// counts reports sessions opened, open now and open at most at once.
func (r *testRelay) counts() (sessions, open, maxOpen int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions, r.open, r.maxOpen
}

// drop closes every open connection from the relay's side, as a relay
// does with sessions idle too long.
func (r *testRelay) drop() {
	r.mu.Lock()
	var conns []*smtp.Conn
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, c := range conns { // outside the lock: Close calls Logout
		_ = c.Close()
	}
}

type testSession struct {
	relay *testRelay
	conn  *smtp.Conn
	msg   received
}

func (s *testSession) AuthMechanisms() []string {
	switch {
	case s.relay.opts.users == nil:
		return nil
	case s.relay.opts.loginOnly:
		return []string{sasl.Login}
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	s.relay.mu.Lock()
	s.relay.auths++
	s.relay.mu.Unlock()
	check := func(user, pass string) error {
		if want, ok := s.relay.opts.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.msg.AuthUser = user
		return nil
	}
	if mech == sasl.Login {
		return &loginServer{check: check}, nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.relay.opts.mail != nil {
		return s.relay.opts.mail
	}
	s.msg.From = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.relay.opts.rcpt[to]; err != nil {
		return err
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *testSession) Data(body io.Reader) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if s.relay.opts.data != nil {
		return s.relay.opts.data
	}
	s.msg.Data = b
	s.relay.mu.Lock()
	s.relay.mails = append(s.relay.mails, s.msg)
	s.relay.mu.Unlock()
	return nil
}

func (s *testSession) Reset() {
	s.msg = received{TLS: s.msg.TLS, AuthUser: s.msg.AuthUser}
}

func (s *testSession) Logout() error {
	s.relay.mu.Lock()
	defer s.relay.mu.Unlock()
	if s.relay.conns[s.conn] {
		delete(s.relay.conns, s.conn)
		s.relay.open--
	}
	return nil
}

// loginServer is the server side of AUTH LOGIN with the username sent as
// the initial response, as go-sasl's LOGIN client does.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch {
	case l.step == 1 && resp != nil:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case l.step == 2:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, errors.New("unexpected AUTH LOGIN exchange")
}

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "relay.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// silentListener accepts connections and never says a word.
func silentListener(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}
