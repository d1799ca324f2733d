// Package greader serves the Google Reader API as FreshRSS serves it, so
// that apps made for a Google Reader or FreshRSS server (NetNewsWire,
// Reeder, Read You, FeedMe, Fluent Reader, Liferea, NewsFlash...) read
// tidings. It is a thin translation onto the reader package: every answer
// is what reader says for the user of the app password the request
// carries.
//
// The API is served under /api/greader/ and under FreshRSS's
// /api/greader.php/, so an app set up for a FreshRSS server only needs the
// host changed. An app signs in at accounts/ClientLogin with the user's
// name and an app password (tidings token add), and gets back an Auth
// token "name/app-password": revoking the app password signs the app out.
//
// Google Reader's labels are tidings' tags, which belong to feeds: a feed's
// tags are its folders, and an item's labels are the tags of its feed.
package greader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tidings/reader"
	"tidings/store"
)

// Limits of a request.
const (
	// MaxBody caps a form body: 10,000 item IDs in their long form fit.
	MaxBody = 2 << 20
	// MaxImport caps an OPML document sent to subscription/import.
	MaxImport = 10 << 20
	// MaxIDs caps n of stream/items/ids.
	MaxIDs = 10000
	// MaxContents caps n of stream/contents and the items of one
	// stream/items/contents.
	MaxContents = 1000
	// MaxEdit caps the items of one edit-tag.
	MaxEdit = 10000
	// DefaultN is n when a request gives none, as Google Reader's.
	DefaultN = 20
)

// Prefixes are the paths the handler serves under.
var Prefixes = []string{"/api/greader/", "/api/greader.php/"}

// Options configure the handler. Reader is required.
type Options struct {
	Reader *reader.Reader
	// Logger receives the failures of requests; nil discards them.
	Logger *slog.Logger
	// Now is the clock of the login throttle; nil means time.Now.
	Now func() time.Time
	// Throttle limits failed ClientLogins; the zero value means
	// DefaultThrottle.
	Throttle ThrottleOptions
}

type handler struct {
	r      *reader.Reader
	log    *slog.Logger
	now    func() time.Time
	logins *throttle
	routes map[string]route
}

// route is one endpoint of reader/api/0/.
type route struct {
	fn func(*call) error
	// post is true for the calls that change something: POST only, and
	// the action token T checked.
	post bool
}

// New returns the Google Reader API handler. It serves the paths under
// Prefixes (mount it without stripping them): accounts/ClientLogin and
// reader/api/0/... under each.
func New(o Options) http.Handler {
	if o.Reader == nil {
		panic("greader: Options.Reader is required")
	}
	h := &handler{r: o.Reader, log: o.Logger, now: o.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.logins = newThrottle(o.Throttle, h.now)
	h.routes = map[string]route{
		"token":                  {fn: h.token},
		"user-info":              {fn: h.userInfo},
		"tag/list":               {fn: h.tagList},
		"subscription/list":      {fn: h.subscriptionList},
		"subscription/export":    {fn: h.export},
		"unread-count":           {fn: h.unreadCount},
		"stream/contents":        {fn: h.streamContents},
		"stream/items/ids":       {fn: h.itemIDs},
		"stream/items/contents":  {fn: h.itemContents},
		"subscription/edit":      {fn: h.subscriptionEdit, post: true},
		"subscription/quickadd":  {fn: h.quickAdd, post: true},
		"subscription/import":    {fn: h.importOPML, post: true},
		"edit-tag":               {fn: h.editTag, post: true},
		"rename-tag":             {fn: h.renameTag, post: true},
		"disable-tag":            {fn: h.disableTag, post: true},
		"mark-all-as-read":       {fn: h.markAllRead, post: true},
		"stream/contents/<path>": {fn: h.streamContents},
	}
	return h
}

// call is one authenticated request.
type call struct {
	w    http.ResponseWriter
	req  *http.Request
	ctx  context.Context
	user store.User
	// auth is the Auth token the request carried.
	auth string
	// form holds the query and, for a form POST, the body's fields.
	form url.Values
	// stream is the stream named in the path of stream/contents/<stream>.
	stream string
}

// apiError is an answer other than 200: a status and a message.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, format, args...)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := "", false
	path := r.URL.EscapedPath()
	for _, p := range Prefixes {
		if strings.HasPrefix(path, p) {
			rest, ok = path[len(p):], true
			break
		}
	}
	if !ok {
		writeText(w, http.StatusNotFound, "no such Google Reader API call: "+r.URL.Path)
		return
	}
	if rest == "accounts/ClientLogin" {
		h.clientLogin(w, r)
		return
	}
	api, ok := strings.CutPrefix(rest, "reader/api/0/")
	if !ok {
		writeText(w, http.StatusNotFound, "no such Google Reader API call: "+r.URL.Path)
		return
	}
	name, stream := api, ""
	if s, ok := strings.CutPrefix(api, "stream/contents/"); ok {
		un, err := url.PathUnescape(s)
		if err != nil || un == "" {
			writeText(w, http.StatusBadRequest, "the stream in the path is not a valid escaped stream ID")
			return
		}
		name, stream = "stream/contents/<path>", un
	} else if strings.Contains(api, "%") {
		name, _ = url.PathUnescape(api)
	}
	rt, ok := h.routes[name]
	if !ok {
		writeText(w, http.StatusNotFound, "no such Google Reader API call: "+r.URL.Path)
		return
	}
	if rt.post && r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeText(w, http.StatusMethodNotAllowed, name+" changes things: send it as a POST")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, POST")
		writeText(w, http.StatusMethodNotAllowed, "the Google Reader API takes GET and POST")
		return
	}
	c := &call{w: w, req: r, ctx: r.Context(), stream: stream}
	if err := h.serve(c, name, rt); err != nil {
		h.fail(c, err)
	}
}

// serve reads the request's form, authenticates it and runs the route.
func (h *handler) serve(c *call, name string, rt route) error {
	raw := name == "subscription/import"
	if err := readForm(c, raw); err != nil {
		return err
	}
	auth := authHeader(c.req)
	// Liferea 1.14 sends a POST's T in its body and no Authorization: the
	// action token is the Auth token, so it signs the request in.
	if auth == "" && c.req.Method == http.MethodPost {
		auth = strings.TrimSpace(c.form.Get("T"))
	}
	if auth == "" {
		return errBadToken
	}
	u, err := h.authenticate(c.ctx, auth)
	if err != nil {
		return err
	}
	c.user, c.auth = u, auth
	if rt.post {
		// FeedMe sends an empty T and Reeder "x", as FreshRSS accepts;
		// any other must be this user's.
		if t := strings.TrimSpace(c.form.Get("T")); t != "" && t != "x" && t != auth {
			tu, err := h.authenticate(c.ctx, t)
			if err != nil || tu.ID != u.ID {
				return errBadToken
			}
		}
	}
	return rt.fn(c)
}

// errBadToken answers 401 with X-Reader-Google-Bad-Token, on which apps
// sign in again.
var errBadToken = errors.New("bad token")

// authHeader returns the Auth token of "Authorization: GoogleLogin
// auth=TOKEN" (or Bearer TOKEN), "" if there is none.
func authHeader(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "googlelogin":
		if t, ok := strings.CutPrefix(rest, "auth="); ok {
			return strings.TrimSpace(t)
		}
		return ""
	case "bearer":
		return rest
	}
	return ""
}

// authenticate returns the user of an Auth token "name/app-password".
func (h *handler) authenticate(ctx context.Context, auth string) (store.User, error) {
	name, secret, ok := strings.Cut(auth, "/")
	if !ok || name == "" || secret == "" {
		return store.User{}, errBadToken
	}
	u, _, err := h.r.AuthenticateToken(ctx, secret)
	if errors.Is(err, reader.ErrBadLogin) || (err == nil && u.Name != name) {
		return store.User{}, errBadToken
	}
	return u, err
}

// readForm parses the query and, for a POST, its body: a form, or with
// raw the body is left to the call. A body over the limit is refused with
// 413 before it is read.
func readForm(c *call, raw bool) error {
	r := c.req
	q, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return badRequest("the query string is malformed: %v", err)
	}
	c.form = q
	if r.Method != http.MethodPost || raw {
		return nil
	}
	if r.ContentLength > MaxBody {
		return errorf(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", MaxBody)
	}
	if r.ContentLength == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || (err == nil && mt == "application/x-www-form-urlencoded") {
		body, err := io.ReadAll(http.MaxBytesReader(c.w, r.Body, MaxBody))
		if err != nil {
			return err
		}
		f, err := parseForm(string(body))
		if err != nil {
			return badRequest("the form in the body is malformed: %v", err)
		}
		// The body's fields come first, as net/http orders them.
		for k, vs := range q {
			f[k] = append(f[k], vs...)
		}
		c.form = f
		return nil
	}
	return errorf(http.StatusUnsupportedMediaType, "send the fields as application/x-www-form-urlencoded, not %s", ct)
}

// maxFields caps the fields of a query or form: an edit-tag of MaxEdit
// items and its other fields. net/url stops at 10,000 by default, so the
// form is read here.
const maxFields = MaxEdit + 100

// parseForm reads an application/x-www-form-urlencoded string.
func parseForm(s string) (url.Values, error) {
	v := url.Values{}
	n := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if n++; n > maxFields {
			return nil, fmt.Errorf("more than %d fields", maxFields)
		}
		k, val, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		val, err = url.QueryUnescape(val)
		if err != nil {
			return nil, err
		}
		v[k] = append(v[k], val)
	}
	return v, nil
}

// fail answers err: an apiError as it says, reader's errors with the
// status they mean, anything else 500.
func (h *handler) fail(c *call, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	var declared *store.DeclaredError
	var notAdded *reader.NotAddedError
	switch {
	case errors.Is(err, errBadToken):
		c.w.Header().Set("X-Reader-Google-Bad-Token", "true")
		writeText(c.w, http.StatusUnauthorized, "Unauthorized: sign in again with your user name and an app password (tidings token add)")
	case errors.As(err, &ae):
		writeText(c.w, ae.status, ae.msg)
	case errors.As(err, &mbe):
		writeText(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &declared):
		writeText(c.w, http.StatusConflict, declared.Error())
	case errors.As(err, &notAdded):
		status := http.StatusBadRequest
		if notAdded.Unreachable {
			status = http.StatusBadGateway
		}
		writeText(c.w, status, notAdded.Error())
	case errors.Is(err, reader.ErrInvalid):
		writeText(c.w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeText(c.w, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrExists):
		writeText(c.w, http.StatusConflict, err.Error())
	case errors.Is(err, context.Canceled):
		// The app went away; nobody reads the answer.
	default:
		h.log.Error("greader: request failed", slog.String("path", c.req.URL.Path),
			slog.String("user", c.user.Name), slog.String("error", err.Error()))
		writeText(c.w, http.StatusInternalServerError, "the server failed to answer; try again later")
	}
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode the answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(append(b, '\n'))
	return nil
}

func writeOK(w http.ResponseWriter) error {
	writeText(w, http.StatusOK, "OK")
	return nil
}

// intParam returns the form's integer field, def when absent.
func intParam(c *call, name string, def, minimum, maximum int64) (int64, error) {
	v := strings.TrimSpace(c.form.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < minimum || n > maximum {
		return 0, badRequest("%s=%q: want a whole number from %d to %d", name, v, minimum, maximum)
	}
	return n, nil
}
