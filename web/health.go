// Package web serves tidings over HTTP. This file holds the operational
// endpoints of `tidings run`: the health check.
package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// HealthCheck reports the daemon's state for GET /healthz: the fields to
// show, and an error when the daemon cannot do its work (its database does
// not answer).
type HealthCheck func(ctx context.Context) (map[string]any, error)

// healthTimeout bounds one health check, so a stuck database gives a 503
// instead of a hanging probe.
const healthTimeout = 5 * time.Second

// Health returns the handler of GET /healthz: 200 with
// {"status":"ok", ...fields} when check succeeds, 503 with
// {"status":"error","error":"...", ...fields} when it fails. Any other
// method than GET or HEAD gets 405.
func Health(check HealthCheck) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		fields, err := check(ctx)
		body := map[string]any{}
		for k, v := range fields {
			body[k] = v
		}
		code := http.StatusOK
		body["status"] = "ok"
		if err != nil {
			code = http.StatusServiceUnavailable
			body["status"] = "error"
			body["error"] = err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if r.Method == http.MethodHead {
			return
		}
		// Encoding a map of plain values cannot fail; a write error means
		// the client went away.
		_ = json.NewEncoder(w).Encode(body)
	})
}
