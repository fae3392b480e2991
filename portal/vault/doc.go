// Package vault owns encryption at rest: the server's age key, the blob
// stores that hold message bodies and attachments (a local folder, [FS], or
// a bucket of any S3-compatible object store, [S3]), and sealing of small
// values (subjects) for database columns.
//
// # Threat model
//
// At-rest encryption protects the content of messages when the blobs and the
// database are read without the key: a stolen or discarded disk, a leaked
// backup or snapshot, a mis-shared volume. Every body and attachment is an
// age file (X25519, ChaCha20-Poly1305 STREAM in 64 KiB chunks) written to a
// temp file and renamed into place, so no plaintext byte of a message ever
// reaches the disk, temp files included; in an object store, the objects
// hold the same ciphertext and are named by random ids, so the store's
// operator sees neither content nor who wrote to whom. Chunks are
// authenticated: a
// tampered or truncated blob fails on read rather than returning altered
// bytes.
//
// It does not protect against a compromised running server, which holds the
// key in memory, nor against swap: run with encrypted swap or none. Nor does
// it bind a ciphertext to the row that references it: someone who can write
// to the database can point one message at another message's blob.
//
// By default the key lives in the data folder (master.key, mode 0600), so a
// thief who takes the whole folder takes the key with it. Operators should
// keep the key elsewhere with --master-key-file: a separate volume, a secret
// store mount, a hardware-backed file system. Losing the key loses every
// stored message; back it up apart from the data.
//
// # Durability and orphans
//
// [BlobWriter.Commit] returns only after the blob's file and its directory
// are fsynced, or after the object store has acknowledged the whole object.
// The caller then commits the database transaction that references the
// blob, and only then answers SMTP 250. A crash can leave two kinds of
// orphan, and both are cleaned up:
//
//   - an unfinished write (crash before Commit): a temp file, or an
//     unfinished multipart upload that holds parts but is no object;
//     [TempSweeper.SweepTemp] removes those older than a cutoff;
//   - a committed blob that no row references (crash, or a failed
//     transaction, between Commit and the database commit): a job lists blobs
//     with [BlobStore.List] and deletes every blob older than an hour that no
//     row references.
//
// The hour is the contract: a writer must commit its transaction within an
// hour of committing the blob, and the sweeper must never delete a younger
// blob, since its transaction may still be open. In an object store a
// blob's age is the store's Last-Modified time, so the store's clock and
// the instances' clocks must agree to well within that hour. Purging works
// the other way round: delete the row, commit, then delete the blob; a
// crash in between leaves an orphan for the same sweeper.
package vault
