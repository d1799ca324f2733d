package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"tidings/reader"
	"tidings/store"
)

// sessionCookie holds the session's secret.
const sessionCookie = "tidings_session"

// errNoLogin means the request carries no way in: no session, no trusted
// proxy's word, and not the loopback single user.
var errNoLogin = errors.New("not logged in")

// proxyUserError is a trusted proxy naming a user this database does not
// have.
type proxyUserError struct{ header, name string }

func (e *proxyUserError) Error() string {
	return fmt.Sprintf("the proxy signed you in as %q (%s), and tidings has no user of that name; add one with `tidings user add %s`",
		e.name, e.header, e.name)
}

// authenticate finds who r acts for: the user a trusted proxy names, the
// user of the session cookie, or, on a loopback listen address, the only
// user when they have no password. It returns errNoLogin when none is,
// a *proxyUserError for a proxy's unknown user, or the store's error. It
// may set cookies on w: the pre-session cookie, or an expired session's
// removal.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (actingUser, error) {
	ctx := r.Context()
	if name := s.proxyUser(r); name != "" {
		u, err := s.rd.User(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return actingUser{}, &proxyUserError{header: s.proxyHdr, name: name}
		}
		if err != nil {
			return actingUser{}, err
		}
		return actingUser{user: u, csrf: csrfToken(s.preSession(w, r))}, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		u, sess, err := s.rd.SessionUser(ctx, c.Value)
		switch {
		case err == nil:
			return actingUser{user: u, session: sess, csrf: csrfToken(c.Value)}, nil
		case errors.Is(err, reader.ErrNoSession):
			s.clearSession(w, r)
		default:
			return actingUser{}, err
		}
	}
	if s.loopback && !forwarded(r) && loopbackHost(r.Host) {
		users, err := s.rd.Users(ctx)
		if err != nil {
			return actingUser{}, err
		}
		if len(users) == 1 && users[0].PasswordHash == "" {
			return actingUser{user: users[0], csrf: csrfToken(s.preSession(w, r))}, nil
		}
	}
	return actingUser{}, errNoLogin
}

// authed lets in the requests of a signed-in user and hands the handler
// the user, CSRF token and session in the request's context.
func (s *Server) authed(h http.Handler) http.Handler {
	return s.public(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed: only POST changes anything here", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Cookie")
		a, err := s.authenticate(w, r)
		var pe *proxyUserError
		switch {
		case errors.Is(err, errNoLogin):
			if r.Method == http.MethodPost {
				http.Error(w, "you are not logged in, or your session ended; log in again and repeat what you did", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case errors.As(err, &pe):
			http.Error(w, pe.Error(), http.StatusForbidden)
			return
		case err != nil:
			s.fail(w, r, "authenticate", err)
			return
		}
		if r.Method == http.MethodPost {
			if err := s.checkCSRF(r, a.csrf); err != nil {
				formError(w, err)
				return
			}
		} else if a.session.ID != 0 {
			// The session slides with each use; so does its cookie.
			s.setSession(w, r, cookieValue(r, sessionCookie))
		}
		ctx := WithUser(r.Context(), a.user)
		ctx = WithCSRFToken(ctx, a.csrf)
		if a.session.ID != 0 {
			ctx = WithSessionID(ctx, a.session.ID)
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// cookieValue returns the value of the request's cookie name, "" if none.
func cookieValue(r *http.Request, name string) string {
	if ck, err := r.Cookie(name); err == nil {
		return ck.Value
	}
	return ""
}

// setSession sets the session cookie to secret, lasting the session's
// lifetime.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/",
		MaxAge:   int(s.rd.SessionLifetime().Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.isSecure(r),
	})
}

// clearSession removes the session cookie.
func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.isSecure(r),
	})
}
