package intake

import (
	"io"
	"reflect"
	"unsafe"
)

// widenDataLimit gives go-smtp's DATA reader one byte more than
// MaxMessageBytes, so that dataReader can apply the limit exactly.
//
// go-smtp v0.25 stops reading as soon as MaxMessageBytes octets have passed,
// before it has seen the end-of-data line, so it refuses a message of
// exactly the size it advertises with SIZE (RFC 1870 counts the message's
// octets, not the final "."). The limit is the same field as the
// advertisement, so it cannot be raised server-wide without advertising one
// more; only the reader of this one DATA command is changed. BDAT's pipe is
// left alone: go-smtp counts its chunks right.
//
// If go-smtp's reader is not the shape this expects (another version),
// nothing is changed: a message of exactly the limit is then refused, never
// a larger one accepted, and TestExactSize fails.
func widenDataLimit(r io.Reader) {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	e := v.Elem()
	t := e.Type()
	if t.Kind() != reflect.Struct || t.Name() != "dataReader" || t.PkgPath() != "github.com/emersion/go-smtp" {
		return
	}
	limited, left := e.FieldByName("limited"), e.FieldByName("n")
	if limited.Kind() != reflect.Bool || !limited.Bool() || left.Kind() != reflect.Int64 {
		return
	}
	*(*int64)(unsafe.Pointer(left.UnsafeAddr()))++
}
