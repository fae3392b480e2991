package mime

import "strconv"

// Defect is a flaw in a message's structure that Parse recovered from, as
// mail readers do, instead of refusing the mail. It names a kind and a
// place, never content, so it may be stored and shown.
type Defect struct {
	Kind  string `json:"kind"`  // one of the Defect… constants
	Where string `json:"where"` // "message", or a part as "part 1.2" (IMAP section numbering)
}

// String returns "part 1.2: closing_boundary_missing".
func (d Defect) String() string { return d.Where + ": " + d.Kind }

// Kinds of defect.
const (
	DefectMboxFromLine       = "mbox_from_line"            // the message starts with an mbox "From " line; skipped
	DefectHeaderStartsFolded = "header_starts_folded"      // the header starts with a continuation line; skipped
	DefectNoBlankLine        = "header_without_blank_line" // a header runs into the body; it ends at the first line that is not a field
	DefectNoHeader           = "part_without_header"       // a part starts with its body; read as text
	DefectEmptyPart          = "empty_part"                // a delimiter line right after another; skipped
	DefectNoBoundary         = "boundary_missing"          // a multipart without a usable boundary; its content read as text
	DefectBoundaryNotFound   = "boundary_not_found"        // a multipart whose boundary never appears; its content read as text
	DefectNoParts            = "no_parts"                  // a multipart closed before its first part; its preamble read as text
	DefectBoundaryReused     = "boundary_reused"           // a multipart reuses the boundary of one around it
	DefectUnclosed           = "closing_boundary_missing"  // a multipart ended by its parent or the input, not by its closing line
	DefectUnknownCharset     = "unknown_charset"           // a text in a charset Parse does not know; unreadable bytes shown as U+FFFD
	DefectUnknownEncoding    = "unknown_transfer_encoding" // a part in a transfer encoding Parse does not know; kept as written
)

// maxDefects bounds the list a message carries: a mail broken five hundred
// times over tells the reader nothing more than one broken thirty times.
const maxDefects = 32

// defects collects a message's defects, up to maxDefects.
type defects []Defect

func (d *defects) add(kind, where string) {
	if len(*d) < maxDefects {
		*d = append(*d, Defect{Kind: kind, Where: where})
	}
}

// rootPath names the message itself in a Defect.
const rootPath = "message"

// partPath names the n-th part (from 1) of the entity at path.
func partPath(path string, n int) string {
	if path == rootPath {
		return "part " + strconv.Itoa(n)
	}
	return path + "." + strconv.Itoa(n)
}
