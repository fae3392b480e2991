package portal

import (
	"crypto/rand"

	"github.com/labstack/echo/v4"
)

// Security headers sent on every response, pages and errors alike.
const (
	// permissionsPolicy turns off the powerful features no page uses.
	// Passkeys (publickey-credentials-*) keep their default: this origin.
	permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=()"
	// hsts is sent only over TLS or when the base URL is https: over plain
	// HTTP on a development machine it would break the next http:// visit.
	hsts = "max-age=31536000; includeSubDomains"
)

// csp is the Content-Security-Policy: nothing is allowed unless listed;
// scripts only with this response's nonce (so no inline or injected
// script runs), styles, images and fonts only from this origin, forms
// post only here, and no framing.
func csp(nonce string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// secureHeaders sets the security headers and makes a fresh CSP nonce for
// the page. Responses are not stored by default: pages carry CSRF tokens
// and, later, personal data; immutable assets override this.
func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// 26 base32 characters, 130 bits: valid in a CSP nonce-source and
		// needing no escaping in an HTML attribute.
		nonce := rand.Text()
		c.Set(keyNonce, nonce)
		h := c.Response().Header()
		h.Set(echo.HeaderContentSecurityPolicy, csp(nonce))
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		h.Set(echo.HeaderReferrerPolicy, "no-referrer")
		h.Set(echo.HeaderXFrameOptions, "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set(echo.HeaderCacheControl, "no-store")
		if c.Request().TLS != nil || s.httpsBase {
			h.Set(echo.HeaderStrictTransportSecurity, hsts)
		}
		return next(c)
	}
}
