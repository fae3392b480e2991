package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/i18n"
)

// /messages/<uid>/proof: the sender's proof of delivery, as a printable
// page, a PDF and JSON. Each is built by delivery.ProofOf, which also
// writes the request to the audit log.

// proofView is the proof page.
type proofView struct {
	baseView
	Proof delivery.Proof
}

// When writes a proof's moment to the second, in the organisation's zone.
func (v proofView) When(t time.Time) string { return proofTime(t) }

// Detail is an event's detail in the page's language.
func (v proofView) Detail(e delivery.ProofEvent) string {
	return delivery.EventDetail(e, func(key string) string { return v.T(key) })
}

func proofTime(t time.Time) string { return i18n.Local(t).Format("2006-01-02 15:04:05 -07:00") }

// loadProof builds the proof of the signed-in sender's message; anyone
// else's message, or one never sent, is not found.
func (s *Server) loadProof(c echo.Context, kind string) (delivery.Proof, error) {
	p, err := s.delivery.ProofOf(c.Request().Context(), *currentUser(c), c.Param("uid"), kind, c.RealIP())
	if errors.Is(err, db.ErrNotFound) {
		return delivery.Proof{}, echo.ErrNotFound
	}
	return p, err
}

// showProof shows the proof as a page that prints on A4.
func (s *Server) showProof(c echo.Context) error {
	p, err := s.loadProof(c, delivery.KindProofView)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_proof", proofView{baseView: s.base(c, "proof.title"), Proof: p})
}

// downloadProofPDF sends the proof as a PDF in the page's language.
func (s *Server) downloadProofPDF(c echo.Context) error {
	p, err := s.loadProof(c, delivery.KindProofPDF)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	labels := delivery.ProofLabels{T: func(key string) string { return s.i18n.T(lang, key, nil) }, When: proofTime,
		Bytes: func(n int64) string { return s.i18n.T(lang, "proof.bytes", map[string]any{"Count": n}) }}
	var buf bytes.Buffer // a few kilobytes; a failure still gets the error page
	if err := delivery.WriteProofPDF(&buf, p, labels); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, contentDisposition("attachment", "proof-"+p.UID+".pdf"))
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

// downloadProofJSON sends the proof as JSON (times in UTC, RFC 3339).
func (s *Server) downloadProofJSON(c echo.Context) error {
	p, err := s.loadProof(c, delivery.KindProofJSON)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, contentDisposition("attachment", "proof-"+p.UID+".json"))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(b, '\n'))
}
