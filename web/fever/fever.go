// Package fever serves the Fever API (version 3) at /api/fever/ and
// /api/fever.php, so that apps made for a Fever server (Reeder, Unread,
// FeedMe, Fiery Feeds and others) read tidings. It is a thin translation
// onto the reader package: every answer is what reader says for the user
// whose API key the request carries.
//
// The API key is the hex MD5 of "user:token", where token is one of the
// user's app passwords (tidings token add). Fever's groups are tidings'
// tags; a feed is in the group of each of its tags, and feeds without tags
// are in none (apps show them under "All" / Kindling). Fever's "saved" is
// tidings' "starred".
//
// Fever has one URL for everything: the query (and the form body) name
// what to answer (groups, feeds, favicons, items, unread_item_ids,
// saved_item_ids, links) and what to change (mark, as, id, before), and
// one request may ask for several. Every answer carries api_version 3,
// auth (1 or 0) and last_refreshed_on_time; a wrong key is answered with
// HTTP 200 and auth 0, as Fever did. Input that breaks a rule is answered
// with a status other than 200 and an "error" member saying what is
// wrong.
package fever

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
	"strings"

	"tidings/reader"
	"tidings/store"
)

// APIVersion is the version of the Fever API served.
const APIVersion = 3

// Limits of a request.
const (
	// MaxBody caps the form body of a request. A Fever request carries
	// an API key and a few short parameters; a with_ids list of
	// MaxWithIDs IDs fits many times over.
	MaxBody = 64 << 10
	// MaxItems is the most items one items request returns, as Fever.
	MaxItems = 50
	// MaxWithIDs caps the IDs of a with_ids list: Fever's own limit.
	MaxWithIDs = MaxItems
)

// Options configure the handler. Reader is required.
type Options struct {
	Reader *reader.Reader
	// Logger receives the failures of requests; nil discards them.
	Logger *slog.Logger
}

type handler struct {
	r   *reader.Reader
	log *slog.Logger
}

// New returns the Fever API handler. It serves the paths /api/fever/,
// /api/fever and /api/fever.php (mount it there without stripping the
// prefix) and answers 404 to any other.
func New(o Options) http.Handler {
	if o.Reader == nil {
		panic("fever: Options.Reader is required")
	}
	h := &handler{r: o.Reader, log: o.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
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

// call is one request: its parameters, and once authenticated its user
// and the answer being built.
type call struct {
	ctx    context.Context
	query  url.Values
	form   url.Values
	user   store.User
	answer map[string]any
	// totals sum up the user's subscriptions; subs are the subscriptions,
	// read when a section lists them (handler.subscriptions); icons their
	// icons, read when feeds or favicons are asked for.
	totals store.SubscriptionTotals
	subs   []store.Subscription
	icons  []store.Icon
}

// has reports whether the request names the parameter, in its query or
// its body, with or without a value (Fever's "?api&items").
func (c *call) has(name string) bool {
	_, inQuery := c.query[name]
	_, inForm := c.form[name]
	return inQuery || inForm
}

// param returns a parameter's value: the body's first, else the query's.
func (c *call) param(name string) string {
	if v, ok := c.form[name]; ok && len(v) > 0 {
		return v[0]
	}
	return c.query.Get(name)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/fever/", "/api/fever", "/api/fever.php":
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"api_version": APIVersion, "auth": 0,
			"last_refreshed_on_time": 0, "error": "no such path: the Fever API is at /api/fever/?api"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"api_version": APIVersion, "auth": 0,
			"last_refreshed_on_time": 0, "error": "the Fever API answers GET and POST, not " + r.Method})
		return
	}
	c := &call{ctx: r.Context(), query: r.URL.Query(), answer: map[string]any{
		"api_version": APIVersion, "auth": 0, "last_refreshed_on_time": int64(0)}}
	form, err := readForm(w, r)
	if err != nil {
		h.fail(w, c, err)
		return
	}
	c.form = form
	u, _, err := h.r.AuthenticateFever(c.ctx, c.param("api_key"))
	if errors.Is(err, reader.ErrBadLogin) {
		writeJSON(w, http.StatusOK, c.answer)
		return
	}
	if err != nil {
		h.fail(w, c, err)
		return
	}
	c.user = u
	c.answer["auth"] = 1
	if err := h.serve(c); err != nil {
		h.fail(w, c, err)
		return
	}
	writeJSON(w, http.StatusOK, c.answer)
}

// readForm reads the form body of a POST: URL-encoded or multipart, at
// most MaxBody bytes. A body announced larger is refused before any of it
// is read; an empty body is no form.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if r.ContentLength > MaxBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "the request body has %d bytes; a Fever request has at most %d", r.ContentLength, MaxBody)
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return url.Values{}, nil
	}
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	if err != nil {
		return nil, errorf(http.StatusUnsupportedMediaType, "the Content-Type %q cannot be read (%v); send the form as application/x-www-form-urlencoded", ct, err)
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, bodyError(err)
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "the form body is not URL-encoded as its Content-Type says: %v", err)
		}
		return v, nil
	case "multipart/form-data":
		r.Body = body
		if params["boundary"] == "" {
			return nil, errorf(http.StatusBadRequest, "the multipart form has no boundary in its Content-Type")
		}
		if err := r.ParseMultipartForm(MaxBody); err != nil {
			return nil, bodyError(err)
		}
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
		if r.MultipartForm == nil {
			return url.Values{}, nil
		}
		return url.Values(r.MultipartForm.Value), nil
	case "":
		// Some clients POST an empty-looking body without a type; a body
		// that is there must still say what it is.
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, bodyError(err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return url.Values{}, nil
		}
		return nil, errorf(http.StatusUnsupportedMediaType, "the request body has no Content-Type; send the form as application/x-www-form-urlencoded")
	}
	return nil, errorf(http.StatusUnsupportedMediaType, "the request body is %s; the Fever API reads application/x-www-form-urlencoded or multipart/form-data forms", mt)
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes, the most a Fever request has", mbe.Limit)
	}
	return errorf(http.StatusBadRequest, "the form body could not be read: %v", err)
}

// fail answers err: an apiError as it says, reader's errors with the
// status they mean, anything else 500.
func (h *handler) fail(w http.ResponseWriter, c *call, err error) {
	var ae *apiError
	status := http.StatusInternalServerError
	msg := "the server failed: " + err.Error()
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.msg
	case errors.Is(err, reader.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, store.ErrQueryTimeout):
		status, msg = http.StatusServiceUnavailable, err.Error()+"; try again"
	case c.ctx.Err() != nil:
		// The client went away: nobody reads the answer.
		return
	default:
		h.log.Error("fever: request failed", slog.String("user", c.user.Name), slog.String("error", err.Error()))
	}
	ans := map[string]any{"api_version": APIVersion, "auth": c.answer["auth"],
		"last_refreshed_on_time": c.answer["last_refreshed_on_time"], "error": msg}
	writeJSON(w, status, ans)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
