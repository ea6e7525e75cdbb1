package web

import "time"

// HTTPS is what pages tell people about how the server serves HTTPS: whether it does, and
// which certificate authority a phone installs to open it without a warning (and so to use
// the camera inside a page).
type HTTPS struct {
	On          bool
	CA          []byte    // DER of the server's own authority; nil on plain HTTP and with the office's certificate
	CAName      string    // the authority's name, as phones list it
	Fingerprint string    // SHA-256 of CA, colon-separated hex, to compare on the phone
	Subject     string    // the server certificate's subject
	NotAfter    time.Time // when the server certificate expires
	// GuideURL is where a phone that does not trust the server yet reads how to: plain HTTP
	// on the HTTPS port, which serves that page and the authority without a redirect.
	GuideURL string
}
