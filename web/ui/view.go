package ui

import (
	"embed"
	"html/template"

	"strings"
	"time"

	"tidings/store"
	"tidings/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the page templates, each drawn inside layout.html.
var pageNames = []string{"list", "feeds", "feed", "settings", "error"}

// parseTemplates parses every page with the layout; a broken template is
// a programming error, found by every test.
func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"static": AssetURL,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2 Jan 2006 15:04")
		},
		"iso": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"join": strings.Join,
	}
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

// page is what every page shows around its own part.
type page struct {
	Title string
	CSRF  string
	Theme string
	User  string
	// Here is the page's own address, where its forms come back to.
	Here string
	Nav  *navView
}

func (h *handler) basePage(c *call, title string) *page {
	theme := c.prefs.Theme
	if theme == "" {
		theme = store.ThemeAuto
	}
	return &page{Title: title, CSRF: web.CSRFToken(c.req), Theme: theme, User: c.user.Name,
		Here: localPath(c.req.URL.RequestURI(), "/")}
}

// errorPage is a refusal or failure, in a sentence.
type errorPage struct {
	*page
	Status  int
	Message string
}
