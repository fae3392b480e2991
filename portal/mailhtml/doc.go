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
//  1. bluemonday's user-content policy keeps only inert markup: no
//     script, style, form, meta, base, object, svg or event handler; link
//     targets only http, https and mailto (cid for images).
//  2. A second pass rewrites every image: cid: images point at the URLs
//     the caller gives for the message's inline parts, remote images are
//     dropped unless the reader asked to see them, and anything else
//     that could load is removed.
//  3. The page's CSP (the portal's) forbids scripts without its nonce,
//     inline styles and, unless images were asked for, any remote load.
//
// The output is a pure function of the body and the options, so it may be
// computed once and kept (encrypted, like the body) instead of on every
// view.
package mailhtml
