package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
)

// maxRedirects is how many redirects one fetch follows.
const maxRedirects = 5

// maxCodings is how many content codings one body may stack. Real servers
// use one (a proxy may add a second); more is a broken or hostile server, and
// each coding costs a decoder and its buffers.
const maxCodings = 2

// maxHeaderBytes bounds the response headers: a feed's answer needs a few
// KiB of them, and huge headers only cost memory before the body is read.
const maxHeaderBytes = 64 << 10

// maxConnectTimeout bounds the connect and TLS handshake phases, which
// should never take long; the rest of fetch.timeout is for the answer.
const maxConnectTimeout = 10 * time.Second

// acceptHeader prefers feeds but takes anything: a feed served as
// text/plain or text/html is still parsed.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// newClient builds the fetcher's HTTP client: every connection goes through
// the checking dialer, bodies are decoded by the fetcher (so the size cap
// applies after decompression), and redirects follow checkRedirect.
func newClient(o Options, check addrCheck) *http.Client {
	connect := min(maxConnectTimeout, o.Timeout)
	tr := &http.Transport{
		// No proxy: the safety check must see the address really
		// connected to, and a proxy would hide it.
		Proxy:                  nil,
		DialContext:            newDialer(connect, check).DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  o.Timeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxIdleConns:           max(256, 4*o.Concurrency),
		MaxIdleConnsPerHost:    o.PerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}
}

// checkRedirect allows at most maxRedirects redirects, to http and https
// URLs only, and stops at the first URL seen twice. The address of each
// target is checked by the dialer when it connects.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("%w: more than %d in a row, the last to %s", ErrTooManyRedirects, maxRedirects, req.URL)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s: %w", req.URL, errUnsupportedScheme)
	}
	// The request was built from the URL as the server wrote it: an IPv4
	// address in a legacy form is connected to (and checked) as itself.
	if _, ok := legacyIPv4(req.URL.Hostname()); ok {
		canonicalHost(req.URL)
		req.Host = req.URL.Host
	}
	target := req.URL.String()
	for _, v := range via {
		if v.URL.String() == target {
			return fmt.Errorf("%w: %s redirects back to %s", ErrRedirectLoop, via[len(via)-1].URL, target)
		}
	}
	return nil
}

// response is what one GET brought back.
type response struct {
	Status int
	Header http.Header
	// Body is the decoded body of a 200 or 203 answer; nil otherwise.
	Body []byte
	// URL is the URL finally answered, after redirects.
	URL string
	// Hops are the redirects followed, in order.
	Hops []hop
	// release gives back the large-body slot Body holds, if any (see
	// done).
	release func()
}

// hop is one redirect followed: its status and where it led.
type hop struct {
	Status int
	To     string
}

// permanentTarget returns where the permanent redirects at the start of the
// chain lead: the URL after the last of the leading 301/308 hops, or "" when
// the first hop is not permanent (a 302 or 307 says nothing lasting, and
// neither does whatever follows it).
func (r *response) permanentTarget() string {
	target := ""
	for _, h := range r.Hops {
		if h.Status != http.StatusMovedPermanently && h.Status != http.StatusPermanentRedirect {
			break
		}
		target = h.To
	}
	return target
}

// validators are the conditional GET headers' values.
type validators struct {
	ETag, LastModified string
}

// get fetches rawURL once, following redirects, and reads and decodes the
// body of a 200 answer up to maxBody bytes. Any status is a response, not an
// error; errors are transport, redirect, size and decoding failures.
func (f *Fetcher) get(ctx context.Context, rawURL string, v validators) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: %w", rawURL, errUnsupportedScheme)
	}
	canonicalHost(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", acceptHeader)
	req.Header.Set("Accept-Encoding", "gzip, br, deflate")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	r := &response{Status: resp.StatusCode, Header: resp.Header, URL: resp.Request.URL.String(), Hops: hops(resp)}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNonAuthoritativeInfo {
		// Read a little of an error body so that the connection can be
		// reused; a large one is not worth reading.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return r, nil
	}
	r.Body, r.release, err = f.readBody(ctx, resp)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// smallBody is how much of a body is read without a large-body slot:
// feeds are rarely bigger, and that many bodies in flight at once cost
// little.
const smallBody = 1 << 20

// largeSlots is how many bodies larger than smallBody a Fetcher reads and
// parses at once, from the default concurrency's 32 fetches in flight:
// each such body may cost its cap and half of it while its buffer grows,
// then many times its size in parsing. 32 oversize bodies at once (endless
// ones, gzip bombs, 100,000-item feeds) took 1.9 GB before; this keeps the
// whole process near 250 MB (README, Performance).
func largeSlots(concurrency int) int { return max(1, concurrency/32) }

// done gives back the large-body slot of r, if it holds one: after the
// parse of its body. It may be called more than once, and on nil.
func (r *response) done() {
	if r != nil && r.release != nil {
		r.release()
		r.release = nil
	}
}

// hops lists the redirects that led to resp, oldest first. The client links
// each redirected request to the response that caused it.
func hops(resp *http.Response) []hop {
	var hs []hop
	for req := resp.Request; req != nil && req.Response != nil; req = req.Response.Request {
		hs = append(hs, hop{Status: req.Response.StatusCode, To: req.URL.String()})
	}
	for i, j := 0, len(hs)-1; i < j; i, j = i+1, j-1 {
		hs[i], hs[j] = hs[j], hs[i]
	}
	return hs
}

// readBody reads resp's body, undoing its Content-Encoding, and fails with
// ErrTooLarge as soon as either the encoded or the decoded body passes
// MaxBody: a gzip bomb is stopped after MaxBody bytes of output. Its buffer
// never grows past the cap (it costs at most the cap and half of it, while
// the last growth copies). A body that grows past smallBody, or any brotli
// body (its decoder's window alone may take 16 MiB), first takes one of the
// fetcher's large-body slots, waiting for one within ctx; release, when
// not nil, gives it back.
func (f *Fetcher) readBody(ctx context.Context, resp *http.Response) (body []byte, release func(), err error) {
	maxBody := f.opt.MaxBody
	tooLarge := fmt.Errorf("%w (%s)", ErrTooLarge, formatSize(maxBody))
	var r io.Reader = &capReader{r: resp.Body, left: maxBody, err: tooLarge}
	encodings, err := contentEncodings(resp.Header)
	if err != nil {
		return nil, nil, err
	}
	held := false
	take := func() error {
		if held {
			return nil
		}
		select {
		case f.large <- struct{}{}:
			held = true
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() {
		switch {
		case held && err != nil:
			<-f.large
		case held:
			release = func() { <-f.large }
		}
	}()
	if slices.Contains(encodings, "br") {
		if err := take(); err != nil {
			return nil, nil, err
		}
	}
	// Encodings are listed in the order applied: undo them last first.
	for i := len(encodings) - 1; i >= 0; i-- {
		dec, err := decoder(encodings[i], r)
		if err != nil {
			return nil, nil, err
		}
		defer dec.Close()
		r = dec
	}
	if len(encodings) > 0 {
		r = &capReader{r: r, left: maxBody, err: tooLarge}
	}
	size := int64(64 << 10)
	if n := resp.ContentLength; n > 0 && n <= maxBody && len(encodings) == 0 {
		// One more byte, to see the end without growing.
		size = n + 1
	}
	size = min(size, maxBody+1)
	if size > smallBody {
		if err := take(); err != nil {
			return nil, nil, err
		}
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			grown := min(2*int64(cap(buf)), maxBody+1)
			if grown > smallBody {
				if err := take(); err != nil {
					return nil, nil, err
				}
			}
			buf = append(make([]byte, 0, grown), buf...)
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			return buf, nil, nil
		}
		if rerr != nil {
			if len(encodings) > 0 && !errors.Is(rerr, ErrTooLarge) && !isTimeout(rerr) {
				return nil, nil, &decodeError{encoding: strings.Join(encodings, ", "), err: rerr}
			}
			return nil, nil, rerr
		}
	}
}

// contentEncodings lists the codings of the body, lowercased, without
// "identity". It fails, before any decoder is built, on a coding tidings
// cannot undo and on more than maxCodings codings, so that a header listing
// thousands of them costs no more than the header itself.
func contentEncodings(h http.Header) ([]string, error) {
	var encs []string
	for _, v := range h.Values("Content-Encoding") {
		for e := range strings.SplitSeq(v, ",") {
			e = strings.ToLower(strings.TrimSpace(e))
			if e == "" || e == "identity" {
				continue
			}
			if !knownCoding(e) {
				return nil, &codingError{msg: fmt.Sprintf("server sent the body in an unsupported encoding %q", e)}
			}
			if len(encs) == maxCodings {
				return nil, &codingError{msg: fmt.Sprintf(
					"server sent the body in more than %d content codings (%s, …); tidings refuses it — the server is misconfigured",
					maxCodings, strings.Join(encs, ", "))}
			}
			encs = append(encs, e)
		}
	}
	return encs, nil
}

// knownCoding reports whether decoder undoes the content coding e.
func knownCoding(e string) bool {
	switch e {
	case "gzip", "x-gzip", "br", "deflate":
		return true
	}
	return false
}

// codingError is a Content-Encoding header tidings refuses: an unknown
// coding, or too many.
type codingError struct{ msg string }

func (e *codingError) Error() string { return e.msg }

// decoder returns a reader that undoes one content coding.
func decoder(encoding string, r io.Reader) (io.ReadCloser, error) {
	switch encoding {
	case "gzip", "x-gzip":
		// Some servers label a plain body gzip: without gzip's magic
		// number, take the body as it is.
		br := bufio.NewReader(r)
		if h, err := br.Peek(2); err != nil || h[0] != 0x1f || h[1] != 0x8b {
			return io.NopCloser(br), nil
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &decodeError{encoding: "gzip", err: err}
		}
		return zr, nil
	case "br":
		return io.NopCloser(brotli.NewReader(r)), nil
	case "deflate":
		// "deflate" means zlib (RFC 9110 8.4.1.2), but some servers send a
		// raw deflate stream: a zlib header tells them apart.
		br := bufio.NewReader(r)
		if h, err := br.Peek(2); err == nil && isZlibHeader(h[0], h[1]) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, &decodeError{encoding: "deflate", err: err}
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	}
	return nil, fmt.Errorf("server sent the body in an unsupported encoding %q", encoding)
}

// decodeError is a body that does not decode as its Content-Encoding says.
type decodeError struct {
	encoding string
	err      error
}

func (e *decodeError) Error() string {
	return "server sent a broken " + e.encoding + " body: " + e.err.Error()
}

func (e *decodeError) Unwrap() error { return e.err }

func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// capReader reads at most left bytes from r, and fails with err on the
// first byte beyond them.
type capReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err
	}
	// Ask for one byte more than allowed, to tell "exactly the cap" from
	// "more than the cap".
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, c.err
	}
	return n, err
}

// formatSize writes a byte count the way the config takes it: "16 MiB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
