// Package ui serves tidings' reading page: server-rendered HTML
// (html/template) with a little plain JavaScript for the keys, every page
// usable without it. It is a thin front end over the reader package: each
// handler parses the request, calls reader for the acting user, and
// renders the answer.
//
// The handler never checks passwords or CSRF tokens: web.Server wraps it,
// lets in only authenticated requests (web.User) and refuses a POST
// without the session's token. Every form here sends that token in
// web.CSRFField, and every script request in web.CSRFHeader. Only POST
// changes anything; a form's POST answers with a 303 back to the page.
package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
	"tidings/web"
)

// Limits of a request.
const (
	// PageSize is how many items a list shows at once; "load more" shows
	// the next as many.
	PageSize = 50
	// MaxIDs caps the item IDs of one mark request.
	MaxIDs = 10000
	// MaxForm caps a form body (but an OPML upload).
	MaxForm = 1 << 20
	// MaxOPML caps an uploaded OPML document.
	MaxOPML = 10 << 20
	// MaxParam caps one query or form value; longer is refused.
	MaxParam = 2048
)

// Options configure the handler. Reader is required.
type Options struct {
	Reader *reader.Reader
	// Fetcher is the one Reader was made with; nil means the page offers
	// no subscribing by fetching and no refresh.
	Fetcher *fetch.Fetcher
	// Logger receives the failures of requests; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type handler struct {
	r     *reader.Reader
	f     *fetch.Fetcher
	log   *slog.Logger
	now   func() time.Time
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New returns the reading page's handler, serving "/" and everything
// under it: the lists, the item, feeds, search, settings and /static/.
// Every request but /static/ must carry its user (web.User).
func New(o Options) http.Handler {
	if o.Reader == nil {
		panic("ui: Options.Reader is required")
	}
	h := &handler{r: o.Reader, f: o.Fetcher, log: o.Logger, now: o.Now, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.pages = parseTemplates()
	routes := []struct {
		pattern string
		fn      func(*call) error
	}{
		{"GET /{$}", h.list},
		{"GET /all", h.list},
		{"GET /starred", h.list},
		{"GET /history", h.list},
		{"GET /search", h.list},
		{"GET /item/{id}", h.itemPage},
		{"POST /mark", h.mark},
		{"POST /mark-all", h.markAll},
		{"GET /feeds", h.feeds},
		{"GET /feeds/{id}", h.feedPage},
		{"POST /feeds/subscribe", h.subscribe},
		{"POST /feeds/{id}/edit", h.editFeed},
		{"POST /feeds/{id}/unsubscribe", h.unsubscribe},
		{"POST /feeds/refresh", h.refresh},
		{"POST /feeds/import", h.importOPML},
		{"GET /feeds/export", h.exportOPML},
		{"GET /settings", h.settings},
		{"POST /settings/prefs", h.savePrefs},
		{"POST /settings/password", h.changePassword},
		{"POST /settings/tokens", h.addToken},
		{"POST /settings/tokens/{id}/revoke", h.revokeToken},
		{"POST /settings/sessions/{id}/end", h.endSession},
	}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.authed(rt.fn))
		if path, ok := strings.CutPrefix(rt.pattern, "POST "); ok {
			h.mux.Handle("GET "+path, h.authed(postOnly))
		}
	}
	h.mux.Handle("GET /static/{name}", http.HandlerFunc(serveStatic))
	h.mux.Handle("GET /manifest.webmanifest", http.HandlerFunc(serveStatic))
	h.mux.Handle("/", h.authed(func(c *call) error {
		if c.req.Method != http.MethodGet && c.req.Method != http.MethodHead {
			return errorf(http.StatusMethodNotAllowed, "%s is not a method of %s", c.req.Method, c.req.URL.Path)
		}
		return errorf(http.StatusNotFound, "there is no page at %s", c.req.URL.Path)
	}))
	return h.mux
}

// postOnly answers a GET of an address that changes state.
func postOnly(c *call) error {
	c.w.Header().Set("Allow", http.MethodPost)
	return errorf(http.StatusMethodNotAllowed, "%s changes something, so it takes a POST from a form; go back to the page and use its button.", c.req.URL.Path)
}

// call is one request of a user.
type call struct {
	w     http.ResponseWriter
	req   *http.Request
	ctx   context.Context
	user  store.User
	prefs store.Prefs
}

// pageError is an answer other than 200: a status and a sentence.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &pageError{status: status, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, format, args...)
}

func (h *handler) authed(fn func(*call) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := web.User(r)
		if !ok {
			// web.Server lets no such request through; a wiring mistake.
			http.Error(w, "this page needs a login; the server is not set up to ask for one", http.StatusUnauthorized)
			return
		}
		c := &call{w: w, req: r, ctx: r.Context(), user: u}
		if err := fn(c); err != nil {
			h.fail(c, err)
		}
	})
}

// fail answers err: a pageError as it says, reader's and store's errors
// with the status they mean, anything else 500.
func (h *handler) fail(c *call, err error) {
	var pe *pageError
	var mbe *http.MaxBytesError
	var declared *store.DeclaredError
	var notAdded *reader.NotAddedError
	status, msg := http.StatusInternalServerError, ""
	switch {
	case errors.As(err, &pe):
		status, msg = pe.status, pe.msg
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than %d bytes.", mbe.Limit)
	case errors.Is(err, reader.ErrInvalid), errors.Is(err, store.ErrSearchTooLong), errors.Is(err, reader.ErrWrongPassword):
		status, msg = http.StatusBadRequest, sentence(err.Error())
	case errors.As(err, &declared):
		status, msg = http.StatusForbidden, sentence(err.Error())
	case errors.As(err, &notAdded):
		status, msg = http.StatusBadRequest, sentence(err.Error())
	case errors.Is(err, store.ErrExists):
		status, msg = http.StatusConflict, sentence(err.Error())
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, sentence(err.Error())
	case errors.Is(err, store.ErrQueryTimeout):
		status, msg = http.StatusServiceUnavailable, "The database took too long to answer; try again in a moment."
	case c.ctx.Err() != nil:
		// The client went away: nobody reads the answer.
		return
	default:
		h.log.Error("ui: request failed", slog.String("path", c.req.URL.Path),
			slog.String("user", c.user.Name), slog.String("error", err.Error()))
		msg = "The server failed: " + sentence(err.Error())
	}
	if c.req.Header.Get(web.CSRFHeader) != "" {
		// A script's request: it shows the text itself.
		http.Error(c.w, msg, status)
		return
	}
	h.render(c, status, "error", &errorPage{page: h.basePage(c, "Error"), Status: status, Message: msg})
}

// sentence makes an error text a sentence: capitalised, with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// render executes the named page template into a buffer, so that a
// failure half-way sends a clean error instead of half a page.
func (h *handler) render(c *call, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("ui: render", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(c.w, "The server failed to draw this page.", http.StatusInternalServerError)
		return
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(buf.Bytes())
}

// done answers a state change: 204 to a script, else a 303 back to the
// page the form names (a local path), or to fallback.
func (c *call) done(fallback string) error {
	if c.req.Header.Get(web.CSRFHeader) != "" {
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(c.w, c.req, localPath(c.req.PostFormValue("back"), fallback), http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this server, else fallback: a
// form's "back" must not send anyone elsewhere.
func localPath(p, fallback string) string {
	if p == "" || len(p) > MaxParam || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return p
}

// form parses a form body of at most MaxForm bytes.
func (c *call) form() error {
	if c.req.ContentLength > MaxForm {
		return errorf(http.StatusRequestEntityTooLarge, "The form is larger than %d bytes.", MaxForm)
	}
	c.req.Body = http.MaxBytesReader(c.w, c.req.Body, MaxForm)
	if err := c.req.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("The form could not be read: %v.", err)
	}
	return nil
}

// value returns a form or query value, refusing one longer than MaxParam
// or not valid text.
func (c *call) value(name string) (string, error) {
	v := c.req.Form.Get(name)
	if len(v) > MaxParam {
		return "", badRequest("The value of %q is longer than %d bytes.", name, MaxParam)
	}
	if !validText(v) {
		return "", badRequest("The value of %q has control characters or is not valid UTF-8.", name)
	}
	return v, nil
}

// pathID reads the path value name as a positive ID.
func (c *call) pathID(name string) (int64, error) {
	return parseID(name, c.req.PathValue(name))
}

func parseID(name, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return 0, badRequest("%s %q is not an ID: an ID is a whole number above 0.", name, s)
	}
	return id, nil
}

// loadPrefs reads the user's settings into c.prefs.
func (h *handler) loadPrefs(c *call) error {
	p, err := h.r.Prefs(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	c.prefs = p
	return nil
}

// Mount serves the reading page h (from New) on s: its pages behind the
// login, its files (/static/, the manifest) public, since the login page
// needs the stylesheet too.
func Mount(s *web.Server, h http.Handler) {
	s.Handle("/", h)
	s.HandlePublic("GET /static/", h)
	s.HandlePublic("GET /manifest.webmanifest", h)
}
