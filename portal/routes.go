package portal

import "github.com/labstack/echo/v4"

// routes is the one route table, grouped by who may call each route.
//
// Every request, matched or not, passes the middleware in this order:
//
//	recover → request id and log → security headers → session → language → CSRF → handler
//
// recoverPanic is outermost so that nothing escapes it; logRequest renders
// errors itself so that the status it logs and counts is the one sent;
// checkCSRF runs after the session so a later session rotation can bind
// tokens to it. Groups that need a session or a role add their guard
// (auth) as group middleware, after CSRF.
func (s *Server) routes() {
	e := s.e
	e.Use(s.recoverPanic, s.logRequest, s.secureHeaders, s.loadSession, s.chooseLanguage, s.checkCSRF)

	// Public: anyone, signed in or not.
	e.GET("/", redirectHome)
	e.GET("/signin", s.showSignIn)
	e.POST("/signin", s.signIn)
	e.GET("/about", s.showAbout)
	e.GET(assetRoute, s.serveAsset)

	// Operations: probes and metrics, for the orchestrator and Prometheus.
	// No cookies, logged at debug level (see quietRoute).
	e.GET("/healthz", s.showHealth)
	e.GET("/readyz", s.showReadiness)
	e.GET("/metrics", s.showMetrics)

	// Recipient session: one external recipient of one message, after an
	// SMS or access code (the message page, attachments, reply, receipt).
	// None yet.

	// Signed-in user: senders (held drafts, address book, message status).
	// None yet.

	// Admin: the organisation's units, users, address book, policies and
	// audit log. None yet.

	// Development and demo mode only: mail kept instead of sent.
	if s.dev {
		s.devRoutes(e.Group("/dev/outbox"))
	}
}

func (s *Server) devRoutes(g *echo.Group) {
	g.GET("", s.listOutbox)
	g.GET("/:id", s.showOutboxMessage)
}
