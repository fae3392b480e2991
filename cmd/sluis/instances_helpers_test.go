package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/vault"
	"sluis/portal/vault/s3test"
)

// cluster is what several `sluis serve` processes share, as on several
// machines behind a load balancer: one PostgreSQL schema, one bucket, one
// master key file, one relay and one SMS gateway (a webhook). Each node
// has its own data folder and ports.
type cluster struct {
	bin      string
	dsn      string
	blobsURL string
	keyFile  string
	s3       *s3test.Server
	relay    *testRelay
	texts    *smsBox
	baseURL  string // every node's links point at the first node
	nodes    []*node
}

// node is one instance of a cluster.
type node struct {
	name, data, http, smtp string
	c                      *cluster
	logs                   []string
	proc                   *serveProc
}

// newCluster prepares n nodes (not started) on a fresh schema and a fresh
// prefix of the test bucket, migrated once with `sluis migrate`, with the
// organisation zkh.test, the sender arts@zkh.test and an address book
// that gives crashRcpts and patient@example.com mobile numbers. It skips
// (or, under CI=true, fails) without PostgreSQL or SeaweedFS.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	dsn := dbtest.PostgresDSN(t)
	srv := s3test.Start(t)
	keyDir := t.TempDir()
	if _, err := vault.LoadOrCreateKey(keyDir, ""); err != nil {
		t.Fatal(err)
	}
	c := &cluster{bin: buildSluis(t), dsn: dsn, blobsURL: srv.URL(srv.Prefix(t)), s3: srv,
		keyFile: filepath.Join(keyDir, vault.DefaultKeyFile), texts: newSMSBox(t)}
	c.relay = startRelay(t, "")
	for i := range n {
		c.nodes = append(c.nodes, &node{name: string(rune('A' + i)), data: t.TempDir(),
			http: "127.0.0.1:" + freePort(t), smtp: "127.0.0.1:" + freePort(t), c: c})
	}
	c.baseURL = "http://" + c.nodes[0].http
	c.setUp(t)
	return c
}

// env is the environment every node and command gets.
func (c *cluster) env() map[string]string {
	return map[string]string{
		"SLUIS_DATABASE": c.dsn, "SLUIS_BLOBS": c.blobsURL, "SLUIS_MASTER_KEY_FILE": c.keyFile,
		"AWS_ACCESS_KEY_ID": c.s3.AccessKey, "AWS_SECRET_ACCESS_KEY": c.s3.SecretKey,
		"SLUIS_SMS": "webhook", "SLUIS_SMS_WEBHOOK_URL": c.texts.srv.URL, "SLUIS_RELAY": "smtp://" + c.relay.addr,
		"SLUIS_MAIL_FROM": "sluis@zkh.test", "SLUIS_BASE_URL": c.baseURL, "SLUIS_SHUTDOWN_GRACE": "10s",
	}
}

// setUp runs the one-off commands an operator runs before the first start.
func (c *cluster) setUp(t *testing.T) {
	t.Helper()
	env := c.env()
	env["SLUIS_DATA"] = t.TempDir() // the commands' own; nothing of it is shared
	run := func(args ...string) {
		t.Helper()
		if code, out, errs := sluis(t, env, "", args...); code != 0 {
			t.Fatalf("sluis %v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	run("migrate")
	run("org", "create", "--name", "Ziekenhuis Test", "--domain", "zkh.test")
	run("user", "add", "--email", "arts@zkh.test", "--name", "Dr. Arts", "--language", "en", "--password", e2ePassword)
	run("user", "add", "--email", "balie@zkh.test", "--name", "Balie", "--language", "en", "--password", e2ePassword)
	rows := "email_address,full_name,phone_number\npatient@example.com,Patient,+31612345678\n"
	for i, a := range crashRcpts {
		rows += fmt.Sprintf("%s,Recipient %d,+3161234567%d\n", a, i, i)
	}
	book := filepath.Join(env["SLUIS_DATA"], "book.csv")
	writeFile(t, book, rows)
	run("contacts", "import", "--org", "zkh.test", book)
}

// store opens the cluster's database in the test, for checks.
func (c *cluster) store(t *testing.T) *db.Store {
	t.Helper()
	s, err := db.Open(context.Background(), c.dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing the database: %v", err)
		}
	})
	return s
}

// vault opens the shared key and bucket in the test, as a node does.
func (c *cluster) vault(t *testing.T) (*vault.Keys, *vault.Vault) {
	t.Helper()
	keys, err := vault.LoadOrCreateKey("", c.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env := c.env()
	blobs, err := openS3(context.Background(), c.blobsURL, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return keys, vault.New(keys, blobs)
}

// start runs the node's `sluis serve` as its own process and waits until
// it is ready.
func (n *node) start(t *testing.T) {
	t.Helper()
	logName := filepath.Join(t.TempDir(), fmt.Sprintf("serve-%s-%d.log", n.name, len(n.logs)))
	n.logs = append(n.logs, logName)
	var env []string
	for k, v := range n.c.env() {
		env = append(env, k+"="+v)
	}
	env = append(env, "SLUIS_DATA="+n.data)
	n.proc = launch(t, n.c.bin, logName, env, "serve", "--http", n.http, "--smtp", n.smtp, "--reply-batch", "2s")
	n.proc.waitReady(t, n.http, func() string { return n.log(t) })
}

// log returns the tail of the node's serve logs.
func (n *node) log(t *testing.T) string {
	return (&crashServer{logs: n.logs}).log(t)
}

// logs returns the tails of every node's logs, for a failure message.
func (c *cluster) logs(t *testing.T) string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "=== node %s\n%s\n", n.name, n.log(t))
	}
	return b.String()
}

// smsBox is the operator's SMS service behind --sms webhook: it records
// every text it is asked to send.
type smsBox struct {
	mu    sync.Mutex
	texts []smsText
	srv   *httptest.Server
}

type smsText struct{ To, Text string }

func newSMSBox(t *testing.T) *smsBox {
	t.Helper()
	b := &smsBox{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m smsText
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil || m.To == "" {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		b.texts = append(b.texts, m)
		b.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// sent returns the codes texted to number, oldest first.
func (b *smsBox) sent(number string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.texts {
		if m.To == number {
			out = append(out, sixDigits.FindString(m.Text))
		}
	}
	return out
}

// mailbox drains a relay from the start and keeps every message, so that
// a test can wait for the one it expects among the others.
type mailbox struct {
	mu      sync.Mutex
	got     []relayed
	arrived chan struct{}
}

func newMailbox(t *testing.T, r *testRelay) *mailbox {
	t.Helper()
	mb := &mailbox{arrived: make(chan struct{}, 1)}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case m := <-r.ch:
				mb.mu.Lock()
				mb.got = append(mb.got, m)
				mb.mu.Unlock()
				select {
				case mb.arrived <- struct{}{}:
				default:
				}
			case <-done:
				return
			}
		}
	}()
	return mb
}

// find waits for a message to the address to whose text (quoted-printable
// soft breaks removed) re matches, and returns re's first group.
func (mb *mailbox) find(t *testing.T, to string, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		mb.mu.Lock()
		for _, m := range mb.got {
			text := strings.ReplaceAll(string(m.Data), "=\r\n", "")
			if sm := re.FindStringSubmatch(text); sm != nil && len(m.To) == 1 && m.To[0] == to {
				mb.mu.Unlock()
				return sm[1]
			}
		}
		n := len(mb.got)
		mb.mu.Unlock()
		select {
		case <-mb.arrived:
		case <-deadline:
			t.Fatalf("no mail to %s matching %s within %s (%d mails arrived)", to, re, timeout, n)
		}
	}
}

// webClient is one browser: one cookie jar for every node (cookies do
// not depend on the port, as under a load balancer's one host name), the
// CSRF token of the last page it saw, redirects not followed.
type webClient struct {
	t    *testing.T
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newWebClient(t *testing.T) *webClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, c: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// webPage is one answer.
type webPage struct {
	status   int
	body     string
	location string
}

func (w *webClient) do(req *http.Request) webPage {
	w.t.Helper()
	res, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	p := webPage{status: res.StatusCode, body: string(body), location: res.Header.Get("Location")}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		w.csrf = m[1]
	}
	return p
}

// get fetches path from node n.
func (w *webClient) get(n *node, path string) webPage {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+n.http+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.do(req)
}

// post sends a form to node n with the CSRF token of the last page.
func (w *webClient) post(n *node, path string, form url.Values) webPage {
	w.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", w.csrf)
	req, err := http.NewRequest(http.MethodPost, "http://"+n.http+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(req)
}

// verifyBySMS asks for a code at node ask and enters it at node check;
// it returns the recipient's path /m/<token>.
func (w *webClient) verifyBySMS(c *cluster, token, number string, ask, check *node) string {
	w.t.Helper()
	link := "/m/" + token
	w.get(ask, link)
	before := len(c.texts.sent(number))
	if pg := w.post(ask, link+"/code", nil); pg.status != http.StatusSeeOther {
		w.t.Fatalf("asking for a code at %s: %d\n%s", ask.name, pg.status, pg.body)
	}
	codes := c.texts.sent(number)
	if len(codes) != before+1 || codes[len(codes)-1] == "" {
		w.t.Fatalf("after asking at %s, %d texts to %s (%d before)", ask.name, len(codes), number, before)
	}
	w.get(check, link)
	if pg := w.post(check, link+"/check", url.Values{"code": {codes[len(codes)-1]}}); pg.location != link+"/read" {
		w.t.Fatalf("the code from %s entered at %s: %d to %q\n%s", ask.name, check.name, pg.status, pg.location, pg.body)
	}
	return link
}

// authAnswer is how a node answered one SMTP AUTH.
type authAnswer int

const (
	authOK      authAnswer = iota
	authRefused            // 535: wrong password, counted
	authLocked             // 454 "too many failed": the address is locked
)

// tryAuth dials node n afresh (no per-connection slow-down carries over)
// and tries one password.
func tryAuth(t *testing.T, n *node, user, password string) authAnswer {
	t.Helper()
	c, err := smtp.Dial(n.smtp)
	if err != nil {
		t.Fatalf("dialling %s: %v", n.name, err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	err = c.Auth(sasl.NewPlainClient("", user, password))
	var reply *smtp.SMTPError
	switch {
	case err == nil:
		return authOK
	case errors.As(err, &reply) && reply.Code == 535:
		return authRefused
	case errors.As(err, &reply) && reply.Code == 454 && strings.Contains(reply.Message, "Too many failed"):
		return authLocked
	}
	t.Fatalf("AUTH at %s: %v", n.name, err)
	return 0
}
