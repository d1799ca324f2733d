package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tidings/reader"
	"tidings/store"
)

//go:embed templates
var templateFS embed.FS

var loginTemplate = template.Must(template.ParseFS(templateFS, "templates/login.html"))

// The one message of a failed login: it never says which part was wrong.
const badLoginMessage = "Wrong user name or password."

// Bounds of the login form's fields, far above any real one.
const (
	maxLoginName     = 256
	maxLoginPassword = 1024
	maxNext          = 2048
)

// loginView is what the login template shows.
type loginView struct {
	CSRF  string
	Next  string
	User  string
	Error string
}

// renderLogin writes the login page with status code.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, v loginView) {
	v.CSRF = csrfToken(s.preSession(w, r))
	var buf bytes.Buffer
	if err := loginTemplate.Execute(&buf, v); err != nil {
		s.fail(w, r, "render the login page", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// loginPage is GET /login: the form, or, for someone let in already,
// where they were going.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	_, err := s.authenticate(w, r)
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	var pe *proxyUserError
	switch {
	case errors.As(err, &pe):
		http.Error(w, pe.Error(), http.StatusForbidden)
		return
	case !errors.Is(err, errNoLogin):
		s.fail(w, r, "authenticate", err)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginView{Next: next})
}

// login is POST /login: check the password, start a session, and go
// where the person was going.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		formError(w, err)
		return
	}
	if err := s.checkOrigin(r); err != nil {
		formError(w, err)
		return
	}
	pre := preSessionSecret(r)
	if pre == "" {
		http.Error(w, "refused: your browser sent the login form without its cookie; allow cookies for this site, reload the login page and try again",
			http.StatusForbidden)
		return
	}
	if err := s.checkCSRF(r, csrfToken(pre)); err != nil {
		formError(w, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("user"))
	password := r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	view := loginView{Next: next, User: name, Error: badLoginMessage}
	if len(name) > maxLoginName || len(password) > maxLoginPassword {
		view.User = ""
		s.renderLogin(w, r, http.StatusUnauthorized, view)
		return
	}
	addr := s.clientAddr(r)
	account, address := accountKey(name), addressKey(addr)
	if wait := s.limiter.try(account, address); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		view.Error = "Too many failed logins. Wait " + strconv.Itoa(secs) + " seconds, then try again."
		s.log.Warn("login refused: too many failures", slog.String("user", name), slog.String("address", addr),
			slog.Int("retry_after_s", secs))
		s.renderLogin(w, r, http.StatusTooManyRequests, view)
		return
	}
	u, ns, err := s.rd.SignIn(r.Context(), name, password, r.UserAgent(), addr)
	if errors.Is(err, reader.ErrBadLogin) {
		s.log.Info("login failed", slog.String("user", name), slog.String("address", addr))
		s.renderLogin(w, r, http.StatusUnauthorized, view)
		return
	}
	if err != nil {
		s.fail(w, r, "sign in", err)
		return
	}
	s.limiter.succeed(account, address)
	s.setSession(w, r, ns.Secret)
	s.log.Info("login", slog.String("user", u.Name), slog.String("address", addr), slog.Int64("session", ns.Session.ID))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout is POST /logout: end the session and show the login page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	a, err := s.authenticate(w, r)
	switch {
	case errors.Is(err, errNoLogin):
		// Nothing to end; only the origin matters.
		if err := s.checkOrigin(r); err != nil {
			formError(w, err)
			return
		}
	case err != nil:
		var pe *proxyUserError
		if errors.As(err, &pe) {
			http.Error(w, pe.Error(), http.StatusForbidden)
			return
		}
		s.fail(w, r, "authenticate", err)
		return
	default:
		if err := s.checkCSRF(r, a.csrf); err != nil {
			formError(w, err)
			return
		}
		if a.session.ID != 0 {
			// Ended already elsewhere is ended all the same.
			if err := s.rd.EndSession(r.Context(), a.user.ID, a.session.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.fail(w, r, "end the session", err)
				return
			}
			s.log.Info("logout", slog.String("user", a.user.Name), slog.Int64("session", a.session.ID))
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext returns where a login may send the person afterwards: next
// when it is a path of this site, "/" otherwise (an absolute URL, a
// scheme-relative //host, a backslash that browsers read as a slash,
// control characters, or the login page itself).
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}
