package portal

import "github.com/labstack/echo/v4"

// routes is the one route table: every URL the portal answers, grouped by
// who may call it. To find a page's code, find its URL here and follow the
// handler's name; handlers live in files named after their audience and
// feature (recipient_*.go, sender_*.go, auth_*.go, admin_*.go, book_*.go,
// api_*.go), and what they share in files named after what it is
// (forms.go, format.go, audit.go, limits.go, render.go, errors.go).
//
// Every request, matched or not, passes the middleware in this order:
//
//	recover → request id and log → security headers → body limit → session → language → CSRF → handler
//
// recoverPanic is outermost so that nothing escapes it; logRequest renders
// errors itself so that the status it logs and counts is the one sent;
// limitBody precedes everything that reads a form (CSRF does), so an
// oversized upload is refused unread; checkCSRF runs after the session so
// that tokens are bound to it. Routes that need a session or a role add
// their guard (requireRecipientSession, requireUser, requireAdmin,
// requireAPIKey) after CSRF.
func (s *Server) routes() {
	e := s.e
	e.Use(s.recoverPanic, s.logRequest, s.secureHeaders, s.limitBody, s.loadSession, s.chooseLanguage, s.checkCSRF)

	// Public: anyone, signed in or not (pages.go, auth_signin.go).
	e.GET("/", redirectHome)
	e.GET("/signin", s.showSignIn)
	e.POST("/signin", s.signIn)
	e.GET("/about", s.showAbout)
	e.GET("/accessibility", s.showAccessibility) // the accessibility statement (accessibility.go)
	e.GET(assetRoute, s.serveAsset)
	e.GET("/look/:look/logo", s.serveLogo)         // an organisation's logo (look_pages.go)
	e.GET("/look/:look/accent.css", s.serveAccent) // and its accent colour

	// Operations: probes and metrics, for the orchestrator and Prometheus
	// (ops.go). No cookies, logged at debug level (see quietRoute).
	e.GET("/healthz", s.showHealth)
	e.GET("/readyz", s.showReadiness)
	e.GET("/metrics", s.showMetrics)

	// Secure channel in: anyone writes to an organisation after proving
	// their address with a mailed code (channel_pages.go).
	s.channelRoutes(e)

	// Recipient: one external recipient of one message, by the link's
	// token (recipient_*.go). Verifying is public; reading needs the
	// recipient session an SMS or access code starts.
	s.recipientRoutes(e.Group("/m/:token", s.loadRecipient))

	// Signing in (auth_*.go): the steps after the password, and enrolling
	// the second factor a unit requires.
	s.signInRoutes(e)

	// Signed-in user: senders' held drafts, sent messages, replies,
	// personal address book and account (sender_*.go, auth_account.go).
	// Guards are per route, not a group: a group at "/" would catch every
	// unknown path.
	s.userRoutes(e)

	// Admin: units, users, locked recipients, policies, audit log
	// (admin_*.go), the organisation's address book, its import, export,
	// flagged entries and API keys (book_*.go, api_keys.go). A user without
	// the role gets the same 404 as an unknown path.
	s.adminRoutes(e)

	// Contact-sync API: the organisation's other systems, by API key
	// (Authorization: Bearer) only: no session, no CSRF token (checkCSRF
	// skips requests with a bearer key or without cookies). Answers and
	// errors are JSON (api_*.go).
	s.apiRoutes(e.Group(apiPrefix, s.requireAPIKey))

	// Development and demo mode only: mail and texts kept instead of sent
	// (outbox.go).
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
	g.POST("/device", s.openWithDevice)      // recipient_device.go
	g.POST("/forget-device", s.forgetDevice) // recipient_device.go
	g.POST("/number", s.reportWrongNumber)   // recipient_number.go
	for _, p := range []string{"/code", "/check", "/access", "/forgot", "/close", "/device", "/forget-device", "/number"} {
		g.GET(p, s.redirectLanding) // a language switch on a re-rendered form
	}
	r := g.Group("", s.requireRecipientSession)
	r.GET("/read", s.showMessage)
	r.GET("/body", s.showMessageBody)
	r.GET("/files/:n", s.downloadAttachment)
	r.GET("/inline/:n", s.showInlineImage)
	r.GET("/reply", s.showReply)
	r.POST("/reply", s.sendReply)
	r.POST("/close", s.closeMessage)
	r.POST("/receipt", s.answerReceipt)
	r.GET("/message.eml", s.downloadCopy) // the own copy and print view (recipient_copy.go)
	r.GET("/print", s.showPrint)
}

func (s *Server) channelRoutes(e *echo.Echo) {
	e.GET("/to/:domain", s.showChannel)
	e.POST("/to/:domain/code", s.sendChannelCode)
	e.POST("/to/:domain/resend", s.resendChannelCode)
	e.POST("/to/:domain/check", s.checkChannelCode)
	for _, p := range []string{"/code", "/resend", "/check"} {
		e.GET("/to/:domain"+p, s.redirectChannel) // a language switch on a re-rendered form
	}
	e.GET(channelWriteRoute, s.showChannelWrite)
	e.POST(channelWriteRoute, s.sendChannelMessage)
	e.GET("/to/:domain/sent", s.showChannelSent)
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
	get("/messages/:uid/proof", s.showProof) // proof of delivery (sender_proof.go)
	get("/messages/:uid/proof.pdf", s.downloadProofPDF)
	get("/messages/:uid/proof.json", s.downloadProofJSON)
	get("/drafts/:uid", s.showDraft)
	post("/drafts/:uid", s.completeDraft)
	get("/replies/:uid", s.showSenderReply)
	get("/replies/:uid/files/:n", s.downloadReplyFile)
	post("/replies/:uid/answer", s.answerReply)
	get("/inbox", s.listInbox) // the secure inbox (sender_inbox.go)
	get("/inbox/:uid", s.showInboxMessage)
	get("/inbox/:uid/files/:n", s.downloadInboxFile)
	post("/inbox/:uid/answer", s.answerInboxMessage)
	get("/requests/:uid", s.showNumberRequest)    // sender_number.go
	post("/requests/:uid", s.answerNumberRequest) // sender_number.go
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

func (s *Server) adminRoutes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) { e.GET(path, h, s.requireAdmin) }
	post := func(path string, h echo.HandlerFunc) { e.POST(path, h, s.requireAdmin) }
	get("/admin", redirectTo("/admin/units"))
	get("/admin/units", s.listUnits)
	post("/admin/units", s.createUnit)
	post("/admin/units/:id/rename", s.renameUnit)
	post("/admin/units/:id/move", s.moveUnit)
	post("/admin/units/:id/delete", s.deleteUnit)
	get("/admin/units/:id/policy", s.showPolicy)
	post("/admin/units/:id/policy", s.changePolicy)
	get("/admin/users", s.listUsers)
	post("/admin/users", s.addUser)
	post("/admin/users/:id/disable", s.disableUser)
	post("/admin/users/:id/enable", s.enableUser)
	post("/admin/users/:id/move", s.moveUserToUnit)
	post("/admin/users/:id/reset-factor", s.resetSecondFactor)
	post("/admin/users/:id/unlock-factor", s.unlockSecondFactor)
	get("/admin/recipients", s.listLockedRecipients)
	post("/admin/recipients/:id/unlock", s.unlockRecipient)
	post("/admin/devices/:id/revoke", s.revokeDevice) // admin_devices.go
	get("/admin/audit", s.showAudit)
	get("/admin/audit.csv", s.exportAudit)
	get("/admin/audit/:id", s.showAuditEvent)

	get("/admin/book", s.listBook)
	get("/admin/book/new", s.showNewBookEntry)
	post("/admin/book", s.createBookEntry)
	get("/admin/book/import", s.showBookImport)
	post(bookImportRoute, s.importBook)
	get("/admin/book/export", s.exportBook)
	get("/admin/book/flags", s.listBookFlags)
	post("/admin/book/flags/:id/dismiss", s.dismissBookFlag)
	get("/admin/book/:id", s.showBookEntry)
	post("/admin/book/:id", s.updateBookEntry)
	post("/admin/book/:id/delete", s.deleteBookEntry)
	get("/admin/api-keys", s.listAPIKeys)
	post("/admin/api-keys", s.createAPIKey)
	post("/admin/api-keys/:id/revoke", s.revokeAPIKey)
	get(lookRoute, s.showLook) // the organisation's look (admin_look.go)
	post(lookRoute, s.saveLook)
	get("/admin/channel", s.showChannelSettings) // the secure channel's page (admin_channel.go)
	post("/admin/channel", s.saveChannelSettings)
}

func (s *Server) apiRoutes(g *echo.Group) {
	g.GET("/contacts", s.apiListContacts)
	g.GET("/contacts/:email", s.apiGetContact)
	g.PUT("/contacts/:email", s.apiPutContact)
	g.DELETE("/contacts/:email", s.apiDeleteContact)
}
