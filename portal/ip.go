package portal

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"

	"github.com/labstack/echo/v4"
)

// ipExtractor decides where a client's address comes from. Without
// trusted proxies it is the TCP peer and X-Forwarded-For is ignored: any
// client can write that header. With trusted proxies it is the right-most
// X-Forwarded-For entry not in those ranges, and only those ranges: Echo's
// default trust of loopback and private networks is switched off, since a
// neighbour on the same private network is not necessarily our proxy.
//
// A request with X-Forwarded-For but no trusted proxies most likely came
// through a proxy nobody told us of: every client then has the proxy's
// address, and shares one network key of the sign-in limits. That is
// logged once, as a warning to set --trusted-proxies.
func ipExtractor(trusted []netip.Prefix, log *slog.Logger) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		direct, warn := echo.ExtractIPDirect(), sync.Once{}
		return func(r *http.Request) string {
			if r.Header.Get(echo.HeaderXForwardedFor) != "" {
				warn.Do(func() {
					log.Warn("requests carry X-Forwarded-For but no trusted proxies are set: if Sluis runs behind a proxy, " +
						"every client has the proxy's address and shares one network key for sign-in limits; set --trusted-proxies")
				})
			}
			return direct(r)
		}, nil
	}
	opts := []echo.TrustOption{
		echo.TrustLoopback(false),
		echo.TrustLinkLocal(false),
		echo.TrustPrivateNet(false),
	}
	for _, p := range trusted {
		if !p.IsValid() {
			return nil, fmt.Errorf("trusted proxy range %v is not a valid CIDR prefix", p)
		}
		opts = append(opts, echo.TrustIPRange(ipNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// ipNet converts a prefix to the net.IPNet Echo wants. An IPv4-mapped IPv6
// prefix (::ffff:10.0.0.0/104) becomes the IPv4 prefix it means, because
// Echo parses peers and header entries into their IPv4 form.
func ipNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	addr, bits := p.Addr(), p.Bits()
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	return &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(bits, addr.BitLen())}
}
