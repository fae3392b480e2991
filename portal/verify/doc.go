// Package verify owns how an external recipient proves who they are before
// reading a message: SMS codes, codes mailed to the recipient's own address
// (method mail, mail.go), access codes, the limits on them, the
// lockout, and the recipient sessions a successful check starts. It knows
// nothing of HTTP; portal calls it, and the state lives in the database
// (db), so that several instances on one PostgreSQL share every count.
//
// Threat model. The attacker holds a recipient's link (a forwarded mail, a
// mail scanner's log, a shoulder) but not the recipient's phone or access
// code, and may send requests from many addresses and instances at once.
//
//   - Guessing a 6-digit code: 5 wrong entries end a code, and 20
//     consecutive wrong entries of any kind (SMS codes and access codes
//     alike) lock the recipient until an admin unlocks; a new code never
//     resets that count. An attacker therefore gets at most 20 guesses in
//     10^6 per lock, about 1 in 50,000. The limits are per recipient, not
//     per IP, so spreading guesses over addresses gains nothing.
//   - Racing the limits: every entry is counted (charged) in the database
//     before it is checked, with a conditional UPDATE, so concurrent
//     guesses on any number of instances cannot together exceed them; a
//     right guess undoes its charge.
//   - Reading the database: codes are stored only as HMAC-SHA256 under a
//     key derived from the master key and bound to the recipient, access
//     codes only as argon2id hashes, session ids and link tokens only as
//     SHA-256. Codes are compared in constant time, are valid 10 minutes,
//     single use, and only the latest is valid.
//   - Burning CPU: limits are checked before any hashing, and a semaphore
//     caps the argon2id checks running at once, so a flood of access-code
//     guesses cannot starve the server.
//   - SMS pumping (making us pay for texts to premium numbers): a new code
//     at most once a minute and a few times an hour per recipient, a daily
//     cap per organisation, and an allowlist of destination countries.
//   - A gateway failure costs the person nothing: the code is withdrawn and
//     no limit counts it. The same holds for a relay that does not take a
//     mailed code; mailed codes keep every limit of an SMS code but the
//     daily text cap, which only caps what texts cost.
//   - Sessions: a 256-bit random token in a cookie, stored hashed, with an
//     idle and an absolute expiry, bound to one recipient of one message;
//     it opens nothing else.
//
// Nothing here logs a code, a token or a full phone number.
package verify
