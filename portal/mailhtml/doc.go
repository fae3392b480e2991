// Package mailhtml turns the body of an untrusted mail into HTML that a
// page of ours can show: it owns the sanitizer of HTML bodies and the
// escaping of plain-text ones. It knows nothing of HTTP, of the store or
// of where the parts of a message are served; the caller says that.
//
// Threat model: anyone can mail a sender, and the sender's mail is shown
// to recipients on Sluis's own origin, next to their session. A body may
// try to run script, to submit or overlay forms, to load remote content
// that tells its author when and where it was read (tracking pixels), or
// to navigate the page. The defence has three layers:
//
//  1. The mail's style blocks are applied to the elements they select
//     (InlineStyles) and every declaration passes the CSS allowlist
//     (FilterStyle): colours, fonts, text, box and table properties stay;
//     positioning, url(), expression(), at-rules and anything unparseable
//     go. bluemonday's user-content policy then keeps only inert markup:
//     no script, style element, form, meta, base, object, svg or event
//     handler; link targets only http, https and mailto (cid and raster
//     data: URLs for images).
//  2. A second pass rewrites every element: a style attribute stays only
//     as FilterStyle's canonical text, cid: images point at the URLs the
//     caller gives for the message's inline parts, remote images are
//     dropped unless the reader asked to see them (and then send no
//     Referer), every image has an alt, and anything else that could load
//     is removed.
//  3. The caller shows the result in a sandboxed frame of its own, under
//     a CSP that allows the mail's style attributes and no script, and
//     images only from itself and data: unless the reader asked (see
//     docs/architecture.md, "How a letter is rendered").
//
// The output is a pure function of the body and the options, so it is
// computed once and kept (encrypted, like the body; Version names what it
// keeps) instead of on every view.
package mailhtml
