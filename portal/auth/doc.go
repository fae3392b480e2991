// Package auth owns how an organisation's users sign in: to the web app
// with passwords, TOTP second factors with recovery codes, passkeys, and
// the server-side sessions all of them start; to the SMTP intake with the
// same password check (CheckPassword) under the same limits, and Recheck
// for a connection that outlives a change to the account. It knows
// nothing of HTTP or SMTP; portal and intake call it with what the client
// sent. All state lives in the database (db), so several instances behind
// a load balancer share every session, counter and ceremony.
//
// Threat model. The attacker may know or guess users' addresses, try
// passwords from many addresses at once, replay what they saw on the wire
// or a shoulder (a TOTP code, a recovery code, a WebAuthn response), steal
// a copy of the database, or plant a session id in a victim's browser.
//
//   - Guessing passwords: failures are counted per typed address and per
//     client network, in the database, whether at the web or at SMTP AUTH;
//     past a few, the key is locked for a time that doubles with each
//     further failure (up to 15 minutes). Locks are checked before any
//     hashing. Only wrong passwords count, but checks in progress are held
//     in the database too, and a key's checks in progress plus its
//     failures never exceed its limit (the rest wait their turn), so a
//     burst of parallel guesses, on any instance, cannot slip past them,
//     while a burst of right passwords all gets through.
//   - Locking an owner out on purpose: a locked address still takes the
//     right password, after a delay, from a client network that has not
//     failed in the window; a network that failed stays refused, so a
//     guesser gets one try per network, and every wrong try counts.
//   - Finding out which addresses exist: an unknown address, a disabled
//     user and a wrong password get the same error, after the same
//     argon2id work (a dummy hash), and are counted and locked the same
//     way, because the key is the address as typed.
//   - Burning CPU: a semaphore caps the argon2id checks running at once.
//   - Replaying a TOTP code: the last accepted time step is stored and only
//     a later step is accepted, with a conditional UPDATE, so two instances
//     racing with the same code cannot both accept it. pquerna/otp is used
//     only to compute codes: it keeps no memory of used ones.
//   - Guessing a TOTP code: a half-signed-in session dies after 5 wrong
//     codes, and every code counts on the user's second-factor run, apart
//     from the password's counters so that a right password never resets
//     it: from the 5th wrong code on, the next is checked only after a
//     wait that doubles (refused meanwhile, nothing sleeps), and the 20th
//     locks the second factor until an admin unlocks it (factor.go).
//   - Recovery codes: ten per enrolment, 80 random bits each, stored as
//     SHA-256, each usable once (a conditional UPDATE marks it used);
//     wrong ones count on the same second-factor run as TOTP codes.
//   - Reading the database: passwords are argon2id hashes, TOTP secrets are
//     sealed with the vault's field key, session ids, recovery codes and
//     ceremony ids are stored only as SHA-256 of 256-bit (80-bit for
//     recovery codes) random values.
//   - Session fixation and theft: a session id is a 256-bit random token,
//     stored hashed, replaced by a new one at every step of signing in
//     (password, second factor, passkey), with an idle and an absolute
//     expiry; users can end all their sessions, and changing the password
//     ends every other session. A half-signed-in session opens nothing but
//     the next step.
//   - Passkeys: the WebAuthn challenge data is kept server-side, bound to a
//     random id in a cookie, deleted on first use and refused after five
//     minutes; the relying party id and origins are fixed by configuration.
//
// Nothing here logs a password, a code, a secret or a token.
package auth
