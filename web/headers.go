package web

import (
	"net/http"
	"strings"
)

// contentSecurityPolicy is the policy of every response. No script runs
// but the server's own files, so nothing in a feed's content can run even
// if the sanitiser missed it; images and media come from anywhere (feeds
// link them), frames only from the video hosts allowed, over https.
func contentSecurityPolicy(frameHosts []string) string {
	frames := "'none'"
	if len(frameHosts) > 0 {
		srcs := make([]string, 0, 2*len(frameHosts))
		for _, h := range frameHosts {
			srcs = append(srcs, "https://"+h, "https://*."+h)
		}
		frames = strings.Join(srcs, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data: blob:; media-src *; " +
		"frame-src " + frames + "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; " +
		"manifest-src 'self'; connect-src 'self'"
}

// headers sets the security headers on every response, errors and 404s
// included.
func (s *Server) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", s.csp)
		// The page's address would tell every image host what one reads.
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}
