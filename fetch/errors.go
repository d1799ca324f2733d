package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors of a fetch, checked with errors.Is on Outcome.Err or on
// the error of Probe.
var (
	// ErrTooLarge means the body, after decompression, is larger than
	// fetch.max_body.
	ErrTooLarge = errors.New("feed larger than fetch.max_body")
	// ErrTimeout means the server did not answer in time.
	ErrTimeout = errors.New("timed out")
	// ErrRedirectLoop means a redirect led back to a URL already visited.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrTooManyRedirects means more than 5 redirects in a row.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrGone means the server answered 410 Gone.
	ErrGone = errors.New("gone")
	// ErrNotFeed means the body is not an RSS, Atom or JSON feed.
	ErrNotFeed = errors.New("not a feed")
	// ErrNoFeed means Probe found no feed at the URL, nor linked from it.
	ErrNoFeed = errors.New("no feed found")
	// ErrCanceled means the caller's context ended the fetch; nothing about
	// the feed was learned.
	ErrCanceled = errors.New("fetch canceled")
)

// Error is the failure of one fetch of one feed. Message is what to show the
// user next to the feed (it is FeedState.LastError); Error() adds the URL.
// Unwrap gives the cause, for errors.Is and errors.As.
type Error struct {
	URL     string
	Message string
	Err     error
}

func (e *Error) Error() string { return "feed " + redact(e.URL) + ": " + e.Message }

// redact hides the password of a URL with credentials.
func redact(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// StatusError is an HTTP answer that is not a feed: its status code and what
// it means for the user.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string { return statusMessage(e.Code) }

// Is reports whether target is ErrGone for a 410.
func (e *StatusError) Is(target error) bool { return target == ErrGone && e.Code == http.StatusGone }

// statusText is "404 Not Found", or just the code for unknown ones.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// statusMessage says what an HTTP status means for a feed, and what to do.
func statusMessage(code int) string {
	s := "server answered " + statusText(code)
	switch {
	case code == http.StatusGone:
		return s + "; it will not be fetched again unless asked for by name (refresh it to try once more), or remove it"
	case code == http.StatusNotFound:
		return s + "; check the URL"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return s + "; the feed needs a login, or the server refuses tidings"
	case code == http.StatusTooManyRequests:
		return s + " without a valid Retry-After; tidings will back off"
	case code >= 500:
		return s + "; tidings will retry later, backing off"
	case code >= 300 && code < 400:
		return s + " without a usable Location"
	}
	return s
}

// newError builds the feed error for a failed request, with a message the
// user understands: which step failed and what to do about it.
func newError(feedURL string, err error, timeout time.Duration) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return &Error{URL: feedURL, Message: describe(err, timeout), Err: err}
}

// describe turns a transport, redirect or body error into a user-readable
// message. The order matters: the most specific causes first.
func describe(err error, timeout time.Duration) string {
	var (
		blocked *BlockedAddressError
		status  *StatusError
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		uerr    *url.Error
		decode  *decodeError
		coding  *codingError
	)
	switch {
	case errors.As(err, &blocked):
		return blocked.Error()
	case errors.As(err, &status):
		return status.Error()
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrRedirectLoop), errors.Is(err, ErrTooManyRedirects),
		errors.Is(err, ErrNotFeed):
		return innermost(err)
	case errors.As(err, &decode) && !isTimeout(err):
		return decode.Error()
	case errors.As(err, &coding):
		return coding.Error()
	case strings.Contains(err.Error(), "server response headers exceeded"):
		// The transport's error for headers over MaxResponseHeaderBytes is
		// a plain string.
		return fmt.Sprintf("server sent more than %s of response headers; tidings refuses them — the server is misconfigured",
			formatSize(maxHeaderBytes))
	case errors.Is(err, ErrCanceled), errors.Is(err, context.Canceled):
		return "fetch canceled"
	case isTimeout(err) && isDial(err):
		return fmt.Sprintf("could not connect within %s; the server is down or unreachable", min(maxConnectTimeout, timeout))
	case isTimeout(err):
		return fmt.Sprintf("no complete answer within %s (fetch.timeout); the server is too slow or not answering", timeout)
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("host name %s not found (DNS); check the URL", dnsErr.Name)
		}
		return fmt.Sprintf("DNS lookup of %s failed: %s; check the network", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused; the server is down or the URL's port is wrong"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection before the answer was complete"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable; check the network"
	case errors.As(err, &unknown):
		return "TLS certificate signed by an unknown authority; the server's certificate is not trusted"
	case errors.As(err, &host):
		return "TLS certificate is not valid for " + host.Host + "; check the URL"
	case errors.As(err, &invalid):
		return "TLS certificate is not valid: " + invalid.Error()
	case errors.As(err, &record), errors.Is(err, http.ErrSchemeMismatch):
		return "TLS handshake failed: the server does not speak TLS on this port; try http://"
	case errors.As(err, &alert):
		return "TLS handshake failed: " + alert.Error()
	case errors.Is(err, errUnsupportedScheme):
		return innermost(err)
	case errors.As(err, &uerr):
		return "request failed: " + uerr.Err.Error()
	}
	return err.Error()
}

// innermost returns the message of the first error in err's chain that is
// one of ours, which already reads well, without the url.Error prefix.
func innermost(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}

// isDial reports whether err happened while connecting.
func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func isTimeout(err error) bool {
	if errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// The transport's "timeout awaiting response headers" is a plain error
	// in some paths; match its text as a last resort.
	return strings.Contains(err.Error(), "timeout awaiting response headers")
}

// errUnsupportedScheme is returned for a feed or redirect URL that is not
// http or https.
var errUnsupportedScheme = errors.New("only http and https URLs can be fetched")
