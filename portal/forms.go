package portal

// Forms: what every page with a form shares. A form struct parses and
// checks its own fields; an invalid field becomes a fieldError, which the
// page shows beside the field and links to from the summary.

// fieldError is a form error: the message and the id of the field it is
// about, which the page links to and marks invalid.
type fieldError struct {
	Field, Text string
}
