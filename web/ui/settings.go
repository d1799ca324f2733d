package ui

import (
	"net/http"
	"strings"

	"tidings/reader"
	"tidings/store"
	"tidings/web"
)

// settingsPage is what the settings template shows.
type settingsPage struct {
	*page
	Prefs    store.Prefs
	Tokens   []store.Token
	Sessions []sessionRow
	// NewToken is the app password just made, shown this once.
	NewToken *reader.NewToken
	// HasPassword tells whether the user has a password to give as the
	// current one.
	HasPassword bool
	Saved       string
}

type sessionRow struct {
	store.Session
	Current bool
}

// settings is /settings.
func (h *handler) settings(c *call) error {
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	sp := &settingsPage{}
	switch c.req.URL.Query().Get("saved") {
	case "prefs":
		sp.Saved = "Settings saved."
	case "password":
		sp.Saved = "Password changed; your other sessions were ended."
	}
	return h.settingsWith(c, http.StatusOK, sp)
}

func (h *handler) settingsWith(c *call, status int, sp *settingsPage) error {
	toks, err := h.r.Tokens(c.ctx, c.user.Name)
	if err != nil {
		return err
	}
	sess, err := h.r.Sessions(c.ctx, c.user.ID)
	if err != nil {
		return err
	}
	u, err := h.r.User(c.ctx, c.user.Name)
	if err != nil {
		return err
	}
	cur := web.SessionID(c.req)
	sp.page = h.basePage(c, "Settings")
	sp.Prefs, sp.Tokens, sp.HasPassword = c.prefs, toks, u.PasswordHash != ""
	for _, s := range sess {
		sp.Sessions = append(sp.Sessions, sessionRow{Session: s, Current: s.ID == cur})
	}
	h.render(c, status, "settings", sp)
	return nil
}

// savePrefs saves the theme, the order and whether opening marks read.
func (h *handler) savePrefs(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	p := store.Prefs{Theme: c.req.PostForm.Get("theme")}
	switch o := c.req.PostForm.Get("order"); o {
	case "newest", "":
	case "oldest":
		p.Oldest = true
	default:
		return badRequest("The order %q is neither newest nor oldest.", clip(o, 20))
	}
	switch m := c.req.PostForm.Get("mark_on_open"); m {
	case "on", "1", "true":
		p.MarkOnOpen = true
	case "", "0", "false":
	default:
		return badRequest("Mark on open %q? Tick the box or leave it empty.", clip(m, 20))
	}
	if len(p.Theme) > 20 {
		return badRequest("The theme is none of auto, light or dark.")
	}
	if err := h.r.SetPrefs(c.ctx, c.user.ID, p); err != nil {
		return err
	}
	return c.done("/settings?saved=prefs")
}

// changePassword checks the current password and sets the new one, twice
// typed; the other sessions end.
func (h *handler) changePassword(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	cur, next, again := c.req.PostForm.Get("current"), c.req.PostForm.Get("new"), c.req.PostForm.Get("repeat")
	if next != again {
		return badRequest("The new password and its repetition differ; type them again.")
	}
	if err := h.r.ChangePassword(c.ctx, c.user.ID, cur, next, web.SessionID(c.req)); err != nil {
		return err
	}
	return c.done("/settings?saved=password")
}

// addToken makes an app password and shows it once.
func (h *handler) addToken(c *call) error {
	if err := c.form(); err != nil {
		return err
	}
	label, err := c.value("label")
	if err != nil {
		return err
	}
	t, err := h.r.AddToken(c.ctx, c.user.Name, strings.TrimSpace(label))
	if err != nil {
		return err
	}
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	return h.settingsWith(c, http.StatusOK, &settingsPage{NewToken: &t})
}

// revokeToken deletes an app password.
func (h *handler) revokeToken(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	if err := c.form(); err != nil {
		return err
	}
	if err := h.r.RevokeToken(c.ctx, c.user.Name, id); err != nil {
		return err
	}
	return c.done("/settings")
}

// endSession signs one of the user's browsers out.
func (h *handler) endSession(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	if err := c.form(); err != nil {
		return err
	}
	if err := h.r.EndSession(c.ctx, c.user.ID, id); err != nil {
		return err
	}
	return c.done("/settings")
}
