package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// shelfTarget is a Shelf server and what its workloads need: credentials,
// the ids the delete workloads use up (oldest first, so the newest page
// stays the same), and the newest live ids, which are only read.
type shelfTarget struct {
	base     string
	cr       credentials
	ids      *ids
	newest   int64
	readable int64 // ids newest-readable+1 to newest are never deleted
	bulkSize int
	nonce    string       // makes created names unique across runs
	created  atomic.Int64 // items the mixed workload created
}

// newShelfTarget keeps the newest of the live ids first to last (up to
// 5,000, at most half) for reading, and lets the delete workloads use the rest.
func newShelfTarget(base string, cr credentials, first, last int64, bulkSize int) *shelfTarget {
	readable := max(1, min(5000, (last-first+1)/2))
	return &shelfTarget{base: base, cr: cr, ids: newIDs(first, last-readable), newest: last, readable: readable,
		bulkSize: bulkSize, nonce: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// workload returns the named workload on Shelf.
func (t *shelfTarget) workload(name string) workload {
	bearer := http.Header{"Authorization": {t.cr.bearer}}
	bearerJSON := http.Header{"Authorization": {t.cr.bearer}, "Content-Type": {"application/json"}}
	cookie := http.Header{"Cookie": {t.cr.cookie}}
	form := http.Header{"Cookie": {t.cr.cookie}, "Content-Type": {"application/x-www-form-urlencoded"}}
	csrfBody := []byte("csrf_token=" + url.QueryEscape(t.cr.csrf))
	w := workload{name: name, target: "shelf", base: t.base}
	switch name {
	case "api-delete":
		// DELETE of a distinct item per request: authorization, loan check,
		// soft delete, impact counts and an audit event, durably committed.
		w.worker = func(int) source {
			return func() (request, bool) {
				id, ok := t.ids.take(1)
				return request{method: http.MethodDelete, path: "/api/v1/items/" + itoa(id), header: bearer, want: http.StatusNoContent}, ok
			}
		}
	case "form-delete":
		// The no-JavaScript delete button: a form POST with the session and
		// its CSRF token, answered 303 to /items with an Undo flash.
		w.worker = func(int) source {
			return func() (request, bool) {
				id, ok := t.ids.take(1)
				return request{method: http.MethodPost, path: "/items/" + itoa(id) + "/delete", body: csrfBody,
					header: form, want: http.StatusSeeOther}, ok
			}
		}
	case "api-create":
		// POST of a new item with a name no other request uses: validation,
		// the live-name check and the insert, durably committed.
		w.worker = func(int) source {
			return func() (request, bool) {
				body := fmt.Sprintf(`{"name":"created %s-%d","quantity":1}`, t.nonce, t.created.Add(1))
				return request{method: http.MethodPost, path: "/api/v1/items", body: []byte(body), header: bearerJSON, want: http.StatusCreated}, true
			}
		}
	case "list-html":
		w.worker = func(int) source {
			return func() (request, bool) {
				return request{method: http.MethodGet, path: "/items", header: cookie, want: http.StatusOK}, true
			}
		}
	case "list-json":
		w.worker = func(int) source {
			return func() (request, bool) {
				return request{method: http.MethodGet, path: "/api/v1/items", header: bearer, want: http.StatusOK}, true
			}
		}
	case "trash-restore":
		// Each worker moves its own item to the Trash and back, again and
		// again: DELETE, then POST …/restore (each request counted).
		w.worker = func(int) source {
			id, ok := t.ids.take(1)
			trashed := false
			return func() (request, bool) {
				if !ok {
					return request{}, false
				}
				trashed = !trashed
				if trashed {
					return request{method: http.MethodDelete, path: "/api/v1/items/" + itoa(id), header: bearer, want: http.StatusNoContent}, true
				}
				return request{method: http.MethodPost, path: "/api/v1/trash/" + itoa(id) + "/restore", header: bearer, want: http.StatusOK}, true
			}
		}
	case "bulk-delete":
		w.perRequest = t.bulkSize
		w.worker = func(int) source {
			return func() (request, bool) {
				first, ok := t.ids.take(t.bulkSize)
				return request{method: http.MethodPost, path: "/api/v1/items/bulk-delete", body: idsBody(first, t.bulkSize),
					header: bearerJSON, want: http.StatusOK}, ok
			}
		}
	case "mixed":
		// 60% list pages, 20% single items, 10% deletes, 10% creates.
		w.worker = func(i int) source {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			return func() (request, bool) {
				switch p := rng.IntN(100); {
				case p < 60:
					return request{method: http.MethodGet, path: "/api/v1/items", header: bearer, want: http.StatusOK}, true
				case p < 80:
					id := t.newest - rng.Int64N(t.readable)
					return request{method: http.MethodGet, path: "/api/v1/items/" + itoa(id), header: bearer, want: http.StatusOK}, true
				case p < 90:
					id, ok := t.ids.take(1)
					return request{method: http.MethodDelete, path: "/api/v1/items/" + itoa(id), header: bearer, want: http.StatusNoContent}, ok
				default:
					body := fmt.Sprintf(`{"name":"mixed %s-%d","quantity":1}`, t.nonce, t.created.Add(1))
					return request{method: http.MethodPost, path: "/api/v1/items", body: []byte(body), header: bearerJSON, want: http.StatusCreated}, true
				}
			}
		}
	default:
		panic("no workload " + name)
	}
	return w
}

// floorWorkload is the floor: the api-delete request shape (method, path,
// Authorization header) sent to a handler that does nothing but answer 204.
func floorWorkload(base string) workload {
	hdr := http.Header{"Authorization": {"Bearer floor"}}
	return workload{name: "floor", target: "floor", base: base, worker: func(i int) source {
		n := int64(i) << 32
		return func() (request, bool) {
			n++
			return request{method: http.MethodDelete, path: "/api/v1/items/" + itoa(n), header: hdr, want: http.StatusNoContent}, true
		}
	}}
}

// baselineTarget is the Flask baseline of ../shared/bench: its session
// cookie and CSRF token (login.py prints them) and its seeded item ids.
type baselineTarget struct {
	base   string
	cookie string
	csrf   string
	ids    *ids
}

// workload returns the Flask counterpart of a Shelf workload, if it has one.
func (t *baselineTarget) workload(name string) (workload, bool) {
	cookie := http.Header{"Cookie": {t.cookie}}
	form := http.Header{"Cookie": {t.cookie}, "Content-Type": {"application/x-www-form-urlencoded"}}
	csrfBody := []byte("csrf_token=" + url.QueryEscape(t.csrf))
	w := workload{name: name, target: "baseline", base: t.base}
	switch name {
	case "api-delete":
		w.worker = func(int) source {
			return func() (request, bool) {
				id, ok := t.ids.take(1)
				return request{method: http.MethodDelete, path: "/api/items/" + itoa(id), header: cookie, want: http.StatusNoContent}, ok
			}
		}
	case "form-delete":
		w.worker = func(int) source {
			return func() (request, bool) {
				id, ok := t.ids.take(1)
				return request{method: http.MethodPost, path: "/items/" + itoa(id) + "/delete", body: csrfBody, header: form, want: http.StatusFound}, ok
			}
		}
	case "list-html":
		w.worker = func(int) source {
			return func() (request, bool) {
				return request{method: http.MethodGet, path: "/items", header: cookie, want: http.StatusOK}, true
			}
		}
	default:
		return w, false
	}
	return w, true
}

// customWorkload is --path on --base: any server, one request shape, a
// distinct id per request where the pattern has %d.
func customWorkload(c config) workload {
	hdr := http.Header{}
	if c.cookie != "" {
		hdr.Set("Cookie", c.cookie)
	}
	for _, h := range c.headers {
		hdr.Add(h[0], h[1])
	}
	var body []byte
	if c.body != "" {
		body = []byte(c.body)
		ct := c.ctype
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
		hdr.Set("Content-Type", ct)
	}
	first, last := c.ids.first, c.ids.last
	if first == 0 {
		first, last = 1, 1<<62
	}
	pool := newIDs(first, last)
	withID := strings.Contains(c.path, "%d")
	method := strings.ToUpper(c.method)
	return workload{name: "custom", target: "custom", base: strings.TrimSuffix(c.base, "/"), worker: func(int) source {
		return func() (request, bool) {
			path := c.path
			if withID {
				id, ok := pool.take(1)
				if !ok {
					return request{}, false
				}
				path = fmt.Sprintf(c.path, id)
			}
			return request{method: method, path: path, body: body, header: hdr, want: c.want}, true
		}
	}}
}

// idsBody is a bulk-delete body for n consecutive ids.
func idsBody(first int64, n int) []byte {
	b := make([]byte, 0, 8+n*8)
	b = append(b, `{"ids":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, first+int64(i), 10)
	}
	return append(b, "]}"...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
