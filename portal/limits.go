package portal

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Request body limits. Every form is small; the routes that carry
// files say so here, beside the one middleware that enforces it.
const (
	maxFormBody  = 1 << 20
	maxReplyBody = 26 << 20 // 25 MB of files and the form around them
)

// bodyLimits are the routes whose bodies may exceed maxFormBody.
var bodyLimits = map[string]int64{replyRoute: maxReplyBody, channelWriteRoute: maxReplyBody, bookImportRoute: maxBookImport, lookRoute: maxLookBody}

// limitBody refuses request bodies larger than the route takes: replies
// carry files, every other form is small. A declared length over the
// limit is refused unread; a body that grows past it fails while read.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if safeMethod(req.Method) {
			return next(c)
		}
		limit, ok := bodyLimits[routeOf(c)]
		if !ok {
			limit = maxFormBody
		}
		if req.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body of "+strconv.FormatInt(req.ContentLength, 10)+" bytes")
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}
