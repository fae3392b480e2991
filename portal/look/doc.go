// Package look owns an organisation's look: the display name, the support
// line, the accent colour and the logo that recipient pages and the
// organisation's mail show. It checks what an admin sends and saves it with
// its audit event in one transaction.
//
// Threat model. An admin's upload is shown to every recipient, who has not
// signed in and trusts the page because it carries their care provider's
// name. So a logo must not be able to run anything: a PNG is checked to be
// one; an SVG is rebuilt from an allowlist of drawing elements and
// attributes (no script, no foreignObject, no event attributes, no
// reference outside the file, no style that loads anything), and the
// portal serves it only as an image, under a CSP that forbids scripts even
// when the file is opened on its own. The accent colour must keep text
// readable on white (WCAG 2.1 AA, 4.5:1), as buttons in that colour carry
// white text. Names and lines are plain text, escaped where shown.
package look
