package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is an embedded file, ready to serve: its ETag is a digest of its
// content, and a gzipped copy is kept when it is smaller.
type asset struct {
	body  []byte
	gz    []byte
	etag  string
	ctype string
}

// assets are the embedded files by name, read once: they are constant
// data compiled in, not state.
var assets = func() map[string]*asset {
	out := map[string]*asset{}
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		a := &asset{body: b, etag: hex.EncodeToString(sum[:8])}
		a.ctype = mime.TypeByExtension(path.Ext(e.Name()))
		switch path.Ext(e.Name()) {
		case ".webmanifest":
			a.ctype = "application/manifest+json"
		case ".js":
			a.ctype = "text/javascript; charset=utf-8"
		case ".css":
			a.ctype = "text/css; charset=utf-8"
		case ".svg":
			a.ctype = "image/svg+xml"
		}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			a.gz = buf.Bytes()
		}
		out[e.Name()] = a
	}
	return out
}()

// AssetURL returns the address of one of the page's files (app.css,
// app.js, icon.svg, ...) with its content's digest in the query, so that
// browsers keep it until it changes. The login page of package web links
// /static/app.css as is: that is served too, checked by ETag.
func AssetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + a.etag
}

// serveStatic serves /static/{name} and /manifest.webmanifest.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if r.URL.Path == "/manifest.webmanifest" {
		name = "manifest.webmanifest"
	}
	a, ok := assets[name]
	if !ok {
		http.Error(w, "There is no file "+name+" here.", http.StatusNotFound)
		return
	}
	hd := w.Header()
	etag := `"` + a.etag + `"`
	hd.Set("ETag", etag)
	hd.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.etag {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", a.ctype)
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
