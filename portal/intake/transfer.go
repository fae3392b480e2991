package intake

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/portal/mime"
)

// dataReader sits between go-smtp's DATA reader and the parser. It counts
// the bytes, keeps the input's first failure (so that a too-large message or
// a dropped connection is not taken for broken mail, however the parser or
// the sink wrapped it), and keeps the read deadline moving while bytes
// arrive: go-smtp sets it once per command, which would otherwise bound a
// whole 50 MB upload by the idle timeout. The total session timeout still
// bounds a sender who trickles. It also applies the size limit, exactly
// (see widenDataLimit).
type dataReader struct {
	r       io.Reader
	conn    net.Conn
	idle    time.Duration
	max     int64 // bytes a message may have
	renewed time.Time
	n       int64
	err     error
}

// Read implements io.Reader.
func (d *dataReader) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.renewed) > time.Second {
		_ = d.conn.SetReadDeadline(now.Add(d.idle))
		d.renewed = now
	}
	n, err := d.r.Read(p)
	if over := d.n + int64(n) - d.max; over > 0 {
		n, err = n-int(min(over, int64(n))), smtp.ErrDataTooLarge // pass on only what fits
	}
	d.n += int64(n)
	if err != nil && err != io.EOF && d.err == nil {
		d.err = err
	}
	return n, err
}

// logTransaction writes one line per DATA: who, how many recipients, how
// big, the outcome and how long it took. Never addresses, subjects, bodies
// or the parser's detail (which may quote the mail): only its key.
func (srv *Server) logTransaction(s *session, t transaction, size int64, reply *smtp.SMTPError, err error, took time.Duration) {
	attrs := []any{
		"remote", s.remote.String(),
		"user_id", t.user.ID,
		"org_id", t.user.OrgID,
		"recipients", len(t.rcpts),
		"size", size,
		"duration", took.Round(time.Millisecond),
	}
	if reply == nil {
		srv.log.Info("smtp message accepted", append(attrs, "code", 250)...)
		return
	}
	attrs = append(attrs, "code", reply.Code, "reason", reason(err))
	level := slog.LevelInfo
	if reply.Code/100 == 4 {
		level = slog.LevelWarn
	}
	srv.log.Log(srv.ctx, level, "smtp message refused", attrs...)
}

// reason describes a failure for the log without quoting the mail.
func reason(err error) string {
	var merr *mime.Error
	if errors.As(err, &merr) {
		return "mime: " + merr.Key
	}
	return err.Error()
}
