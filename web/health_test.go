package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"tidings/web"
)

func TestHealth(t *testing.T) {
	tests := []struct {
		name   string
		method string
		check  web.HealthCheck
		code   int
		want   map[string]any
	}{{
		name:   "healthy",
		method: http.MethodGet,
		check: func(context.Context) (map[string]any, error) {
			return map[string]any{"database": "ok", "in_flight": 3}, nil
		},
		code: http.StatusOK,
		want: map[string]any{"status": "ok", "database": "ok", "in_flight": float64(3)},
	}, {
		name:   "database down",
		method: http.MethodGet,
		check: func(context.Context) (map[string]any, error) {
			return map[string]any{"database": "unreachable"}, errors.New("database: disk I/O error")
		},
		code: http.StatusServiceUnavailable,
		want: map[string]any{"status": "error", "database": "unreachable", "error": "database: disk I/O error"},
	}, {
		name:   "a field cannot hide the status",
		method: http.MethodGet,
		check: func(context.Context) (map[string]any, error) {
			return map[string]any{"status": "fine"}, errors.New("broken")
		},
		code: http.StatusServiceUnavailable,
		want: map[string]any{"status": "error", "error": "broken"},
	}, {
		name:   "post refused",
		method: http.MethodPost,
		check:  func(context.Context) (map[string]any, error) { return nil, nil },
		code:   http.StatusMethodNotAllowed,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(web.Health(tt.check))
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.code, body)
			}
			if tt.want == nil {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("body %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}
