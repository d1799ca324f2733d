package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// CSRF tokens are derived from a secret the browser holds in an HttpOnly
// cookie: the session's secret, or, before a login and for users let in
// without a session, the pre-session cookie's. A page of another site can
// neither read the cookie nor compute the token, and every process that
// shares the database computes the same token for a session, with no key
// to share. The store keeps the SHA-256 of the session secret; the token
// is the SHA-256 of a different message, so the database does not give
// it away either.

// csrfCookie holds the pre-session secret.
const csrfCookie = "tidings_csrf"

// csrfToken derives the CSRF token of a secret.
func csrfToken(secret string) string {
	sum := sha256.Sum256([]byte("tidings csrf token\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// preSession returns the pre-session secret of the request's cookie, or
// makes one and sets its cookie on w.
func (s *Server) preSession(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCookieSecret(c.Value) {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: secret, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.isSecure(r),
	})
	// Later code of this request reads it as if it came in.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: secret})
	return secret
}

// preSessionSecret returns the pre-session secret the request carries,
// "" if none.
func preSessionSecret(r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCookieSecret(c.Value) {
		return c.Value
	}
	return ""
}

// validCookieSecret reports whether v has the form of the secrets this
// server makes: 43 URL-safe base64 characters.
func validCookieSecret(v string) bool {
	if len(v) != 43 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// csrfError is why a state-changing request was refused.
type csrfError string

func (e csrfError) Error() string { return string(e) }

// checkOrigin refuses a request that the browser says came from another
// site: Sec-Fetch-Site other than same-origin or none (typed by the
// person), or an Origin whose host is not the request's (its Host, or
// the X-Forwarded-Host a trusted proxy passed on).
func (s *Server) checkOrigin(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return csrfError("this request came from another site (" + site + "); tidings only takes changes from its own pages")
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, s.requestHost(r)) {
		return csrfError("this request came from another site (" + clipText(origin, 100) + "); tidings only takes changes from its own pages")
	}
	return nil
}

// checkCSRF checks a state-changing request: its origin, and the token in
// the CSRFHeader header or CSRFField form field against want.
func (s *Server) checkCSRF(r *http.Request, want string) error {
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		if err := parseForm(r); err != nil {
			return err
		}
		got = r.PostForm.Get(CSRFField)
	}
	switch {
	case got == "":
		return csrfError("the form came without its CSRF token; reload the page and try again")
	case want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
		return csrfError("the form's CSRF token does not match this session (the page may be from before a login or logout); reload the page and try again")
	}
	return nil
}

// clipText cuts s to n bytes for a message.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// maxMemory is how much of a multipart form is held in memory; the rest
// (an uploaded file) goes to a temporary file. The body cap bounds both.
const maxMemory = 8 << 20

// formReadError is a form body that could not be read.
type formReadError struct{ err error }

func (e *formReadError) Error() string { return "the form could not be read: " + e.err.Error() }
func (e *formReadError) Unwrap() error { return e.err }

// parseForm reads the request's form, multipart or not.
func parseForm(r *http.Request) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(maxMemory)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return &formReadError{err: err}
	}
	return nil
}

// formError answers a refused form: 413 for a body over the cap, 400 for
// one that could not be read, 403 for a CSRF refusal.
func formError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	var fe *formReadError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit), http.StatusRequestEntityTooLarge)
	case errors.As(err, &fe):
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		http.Error(w, "refused: "+err.Error(), http.StatusForbidden)
	}
}
