package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// checkLoopbackURL refuses any target that is not an http URL on a loopback
// address: load is only ever generated against this machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%q: want an http:// URL such as http://127.0.0.1:8080", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return fmt.Errorf("%q: give the base URL only, without a path", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("%q: refusing a target that is not a loopback address (127.0.0.0/8, ::1 or localhost)", raw)
	}
	return nil
}

// loopbackDialer dials loopback addresses only, whatever a name resolves to
// or a redirect points at.
func loopbackDialer() *net.Dialer {
	return &net.Dialer{
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !ap.Addr().Unmap().IsLoopback() {
				return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
			}
			return nil
		},
	}
}

// dialLoopback is a DialContext for http.Transport.
func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	return loopbackDialer().DialContext(ctx, network, addr)
}
