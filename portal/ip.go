package portal

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// ipExtractor decides where a client's address comes from. Without
// trusted proxies it is the TCP peer and X-Forwarded-For is ignored: any
// client can write that header. With trusted proxies it is the right-most
// X-Forwarded-For entry not in those ranges, and only those ranges: Echo's
// default trust of loopback and private networks is switched off, since a
// neighbour on the same private network is not necessarily our proxy.
func ipExtractor(trusted []netip.Prefix) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
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
