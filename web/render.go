package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"shelf"
	"shelf/service"
)

//go:embed ui
var uiFS embed.FS

// renderer holds every page's template, parsed once at start-up.
type renderer struct {
	pages  map[string]*template.Template
	assets map[string]string // file name → URL with a content hash
}

func newRenderer() (*renderer, error) {
	rd := &renderer{pages: map[string]*template.Template{}, assets: map[string]string{}}
	static, err := fs.Sub(uiFS, "ui/static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rd.assets[p] = "/static/" + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if u, ok := rd.assets[name]; ok {
				return u, nil
			}
			return "", fmt.Errorf("no asset %q", name)
		},
		// limits decided in the root package and the service, for the
		// forms' maxlength and the data attributes the browser script reads
		"limit":         formLimit,
		"purgeFriction": func() int { return shelf.PurgeFriction },
		"bulkFriction":  func() int { return shelf.BulkFriction },
		"undoNote":      shelf.UndoNote,
		"impactCap":     func() int { return shelf.ImpactCap },
		"bulkShown":     func() int { return bulkShown },
		"minPassword":   func() int { return service.MinPasswordLen },
		"when":          when,
		"day":           day,
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"plural": countPhrase,
		"atCap":  func(n int) bool { return n >= shelf.ImpactCap },
	}
	layouts, err := fs.Glob(uiFS, "ui/templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(uiFS, "ui/templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(uiFS, append(append([]string{}, layouts...), p)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		rd.pages[name] = t
	}
	return rd, nil
}

// pageData is what every page template gets.
type pageData struct {
	Title     string
	User      *shelf.User
	CSRFToken string
	Flash     *flash
	RequestID string
	Page      any // the page's own data
	InTrash   trashBadge
}

// trashBadge is the navigation's count of the user's Trash.
type trashBadge struct {
	Count string // "" when the Trash is empty
	Noun  string // "item" or "items", for screen readers
}

// pageBuffers keeps render's buffers between requests: a list page is tens of
// kilobytes, and growing a fresh buffer to that size for every request was
// most of the page's garbage.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept; a rare huge page is left to the
// garbage collector rather than held for ever.
const maxPooledBuffer = 1 << 20

// render writes a page with a status. It renders into a buffer first, so a
// template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := s.rd.pages[page]
	if !ok {
		s.htmlError(w, r, fmt.Errorf("no page %q", page))
		return
	}
	info := infoFrom(r)
	pd := pageData{Title: title, User: info.user, RequestID: info.id, Page: data}
	if info.session != nil {
		pd.CSRFToken = info.session.CSRFToken
	} else {
		pd.CSRFToken = info.loginToken
	}
	if status < 300 {
		pd.Flash = s.takeFlash(r)
	}
	if info.user != nil {
		pd.InTrash = s.trashCount(r)
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", pd); err != nil {
		s.log.Error("render", "request_id", info.id, "page", page, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Something went wrong on our side (request %s).\n", info.id)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// trashCount is the navigation's count of the user's Trash: none when it
// is empty (or cannot be counted: the page is worth more than its count),
// and "1,000+" where counting stops.
func (s *Server) trashCount(r *http.Request) trashBadge {
	n, err := s.svc.TrashCount(r.Context(), actor(r))
	switch {
	case err != nil:
		s.log.Warn("trash count", "request_id", infoFrom(r).id, "err", err)
		return trashBadge{}
	case n == 0:
		return trashBadge{}
	case n >= service.TrashCountCap:
		return trashBadge{Count: thousands(service.TrashCountCap) + "+", Noun: "items"}
	}
	return trashBadge{Count: thousands(n), Noun: shelf.Noun(n, "item", "items")}
}

// errorPage is the data of the error page.
type errorPage struct {
	Status   int
	Message  string
	Fields   map[string]string
	Blockers []shelf.Blocker
}

// htmlError renders err as an error page with its status; the message is the
// user-safe one, never the Go error text.
func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	p, he := s.problemFor(r, err)
	setErrorHeaders(w, he)
	s.render(w, r, p.Status, "error", http.StatusText(p.Status),
		errorPage{Status: p.Status, Message: p.Detail, Fields: p.Errors, Blockers: p.Blockers})
}

// csrfFailed answers a request whose CSRF token is missing or stale.
func (s *Server) csrfFailed(w http.ResponseWriter, r *http.Request) {
	msg := "This form has expired or did not come from Shelf, so nothing was changed. Go back, reload the page and try again."
	s.fail(w, r, &httpError{code: shelf.ECSRF, msg: msg})
}

// staticHandler serves the embedded static files; their URLs carry a content
// hash, so they can be cached for a year. Only files are served: a
// directory answers 404, never a listing.
func (s *Server) staticHandler() http.Handler {
	static, _ := fs.Sub(uiFS, "ui/static")
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(static, name); err != nil || st.IsDir() || !fs.ValidPath(name) {
			s.fail(w, r, shelf.Errorf(shelf.ENOTFOUND, "There is no file at this address."))
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		http.StripPrefix("/static/", files).ServeHTTP(w, r)
	})
}

// formLimit is the most characters a form field takes, as the rule that
// checks the field decides it.
func formLimit(field string) (int, error) {
	switch field {
	case "name": // items, categories, tokens, users, borrowers
		return shelf.MaxNameLen, nil
	case "description":
		return shelf.MaxDescriptionLen, nil
	case "note":
		return service.MaxNoteLen, nil
	case "reason":
		return shelf.MaxReasonLen, nil
	case "search":
		return shelf.MaxSearchLen, nil
	}
	return 0, fmt.Errorf("no limit for the field %q", field)
}
