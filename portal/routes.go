package portal

import "github.com/labstack/echo/v4"

// routes is the one route table, grouped by who may call each route.
//
// Every request, matched or not, passes the middleware in this order:
//
//	recover → request id and log → security headers → body limit → session → language → CSRF → handler
//
// recoverPanic is outermost so that nothing escapes it; logRequest renders
// errors itself so that the status it logs and counts is the one sent;
// limitBody precedes everything that reads a form (CSRF does), so an
// oversized upload is refused unread; checkCSRF runs after the session so
// a later session rotation can bind tokens to it. Groups that need a session or a role add their guard
// (auth) as group middleware, after CSRF.
func (s *Server) routes() {
	e := s.e
	e.Use(s.recoverPanic, s.logRequest, s.secureHeaders, s.limitBody, s.loadSession, s.chooseLanguage, s.checkCSRF)

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

	// Recipient: one external recipient of one message, by the link's
	// token. Verifying is public; reading needs the recipient session an
	// SMS or access code starts (the message page, attachments, reply).
	s.recipientRoutes(e.Group("/m/:token", s.loadRecipient))

	// Signed-in user: senders (held drafts, address book, message status).
	// Signing in itself is public (signInRoutes); every other route takes
	// requireUser (a full session) or, for setting up the second factor
	// a unit requires, requireEnrolment. Per route, not as a group: a
	// group at "/" would catch every unknown path.
	s.signInRoutes(e)
	s.userRoutes(e)

	// Admin: the organisation's units, users, locked recipients, policies
	// and audit log (admin*.go); signed-in admins only (requireAdmin, per
	// route like the user routes).
	s.adminRoutes(e)

	// The organisation's address book, its CSV import and export, the
	// flagged entries and the API keys: admins only (book_admin.go).
	s.bookRoutes(e)

	// Contact-sync API: the organisation's other systems, by API key
	// (Authorization: Bearer) only: no session, no CSRF token (checkCSRF
	// skips requests with a bearer key or without cookies). Answers and
	// errors are JSON (api_auth.go).
	s.apiRoutes(e.Group(apiPrefix, s.requireAPIKey))

	// Development and demo mode only: mail kept instead of sent.
	if s.dev {
		s.devRoutes(e.Group("/dev/outbox"))
	}
}

func (s *Server) recipientRoutes(g *echo.Group) {
	g.GET("", s.showLanding)
	g.POST("/code", s.sendCode)
	g.POST("/check", s.checkCode)
	g.POST("/access", s.checkAccessCode)
	g.POST("/forgot", s.forgotAccessCode)
	for _, p := range []string{"/code", "/check", "/access", "/forgot", "/close"} {
		g.GET(p, s.redirectLanding) // a language switch on a re-rendered form
	}
	r := g.Group("", s.requireRecipientSession)
	r.GET("/read", s.showMessage)
	r.GET("/files/:n", s.downloadAttachment)
	r.GET("/inline/:n", s.showInlineImage)
	r.GET("/reply", s.showReply)
	r.POST("/reply", s.sendReply)
	r.POST("/close", s.closeMessage)
	r.POST("/receipt", s.answerReceipt)
}

func (s *Server) devRoutes(g *echo.Group) {
	g.GET("", s.listOutbox)
	g.GET("/:id", s.showOutboxMessage)
}

func (s *Server) signInRoutes(e *echo.Echo) {
	e.GET("/signin/code", s.showSecondFactor)
	e.POST("/signin/code", s.checkSecondFactor)
	e.POST("/signin/passkey/begin", s.beginPasskeySignIn)
	e.POST("/signin/passkey/finish", s.finishPasskeySignIn)
	e.POST("/signout", s.signOut)
	e.GET("/account/totp", s.showTOTPEnrolment, s.requireEnrolment)
	e.POST("/account/totp", s.confirmTOTP, s.requireEnrolment)
}

func (s *Server) userRoutes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) { e.GET(path, h, s.requireUser) }
	post := func(path string, h echo.HandlerFunc) { e.POST(path, h, s.requireUser) }
	get("/messages", s.listMessages)
	get("/messages/:uid", s.showSentMessage)
	post("/messages/:uid/revoke", s.revokeMessage)
	get("/drafts/:uid", s.showDraft)
	post("/drafts/:uid", s.completeDraft)
	get("/replies/:uid", s.showSenderReply)
	get("/replies/:uid/files/:n", s.downloadReplyFile)
	post("/replies/:uid/answer", s.answerReply)
	get("/contacts", s.listContacts)
	get("/contacts/new", s.showNewContact)
	post("/contacts", s.createContact)
	get("/contacts/:id", s.showContact)
	post("/contacts/:id", s.updateContact)
	post("/contacts/:id/delete", s.deleteContact)
	get("/account", s.showAccount)
	post("/account/password", s.changePassword)
	post("/account/signout-all", s.signOutEverywhere)
	post("/account/totp/disable", s.disableTOTP)
	post("/account/recovery", s.renewRecoveryCodes)
	post("/account/passkeys/begin", s.beginPasskeyRegistration)
	post("/account/passkeys/finish", s.finishPasskeyRegistration)
	post("/account/passkeys/:id/rename", s.renamePasskey)
	post("/account/passkeys/:id/delete", s.removePasskey)
}
