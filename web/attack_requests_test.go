package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Attacks with the request itself: methods, bodies and JSON types.

// TestAttackMethodTricks: GET and HEAD never change anything, whatever the
// route, _method or override header says; _method counts only in a POST
// body, and only as DELETE on an item.
func TestAttackMethodTricks(t *testing.T) {
	e := newAPIEnv(t)
	c, token := e.sessionClient("owner")
	before := e.snapshot()
	for _, p := range e.srv.patterns {
		_, path, _ := strings.Cut(p, " ")
		if path == "/api/v1/events" {
			continue // note: a stream, which never ends by itself; api_events_test.go holds it
		}
		path = strings.ReplaceAll(path, "{$}", "")
		if strings.HasSuffix(path, "/") && path != "/" {
			path += "x"
		}
		kind := "{item}"
		if strings.Contains(path, "/trash/") {
			kind = "{trashed}"
		} else if strings.Contains(path, "/notes/") {
			kind = "{note}"
		} else if strings.Contains(path, "/categories/") {
			kind = "{cat}"
		} else if strings.Contains(path, "/loans/") {
			kind = "{loan}"
		}
		path = strings.Replace(path, "{id}", kind, 1)
		for _, method := range []string{"GET", "HEAD"} {
			for _, q := range []string{"", "?_method=DELETE", "?_method=POST&csrf_token=" + url.QueryEscape(token)} {
				var res response
				if strings.HasPrefix(path, "/api/") {
					res = e.raw("owner", method, path+q, "", "X-HTTP-Method-Override", "DELETE", "X-Method-Override", "DELETE")
				} else {
					res = e.sessionReq(c, method, path+q, "", "X-HTTP-Method-Override", "DELETE")
				}
				if res.status == http.StatusMethodNotAllowed && res.header.Get("Allow") == "" {
					t.Errorf("%s %s: 405 without Allow", method, path)
				}
			}
		}
	}
	if e.snapshot() != before {
		t.Fatal("a GET or HEAD changed the database")
	}
	// _method in the query string of a POST, or an override header, does not
	// make an edit a delete: the form has no version, so it is refused.
	for _, tc := range []struct {
		path, form string
		headers    []string
	}{
		{"/items/{item}?_method=DELETE", "", nil},
		{"/items/{item}", "", []string{"X-HTTP-Method-Override", "DELETE"}},
		{"/items/{item}", "_method=PUT", nil},
		{"/items/{item}", "_method=GET", nil},
	} {
		res := stateChange{"POST", tc.path, tc.form, 0}.send(e, c, token, tc.headers...)
		if res.status < 400 {
			t.Errorf("POST %s %q %v: status %d, want a refusal", tc.path, tc.form, tc.headers, res.status)
		}
	}
	if e.snapshot() != before || !e.exists("item") || e.isTrashed("item") {
		t.Fatal("a method trick changed the database")
	}
	// A DELETE on the item's HTML page is not a route either.
	if res := e.sessionReq(c, "DELETE", "/items/{item}", "", "X-CSRF-Token", token); res.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /items/{id}: %d, want 405", res.status)
	}
	if e.snapshot() != before {
		t.Fatal("the database changed")
	}
}

// TestAttackBodies sends bodies that are too large, of the wrong type, or
// of the right type with wrongly typed or hostile contents.
func TestAttackBodies(t *testing.T) {
	big := strings.Repeat("a", 1<<20)
	deep := strings.Repeat("[", 100_000)
	for _, tc := range []struct {
		name, method, path, body, ctype string
		want                            []int
	}{
		{"JSON over 1 MiB", "POST", "/api/v1/items", `{"name":"x","description":"` + big + `"}`, "application/json", []int{413}},
		{"bulk over 1 MiB", "POST", "/api/v1/items/bulk-delete", `{"ids":[` + strings.Repeat("1,", 600_000) + `1]}`, "application/json", []int{413}},
		{"text/plain", "POST", "/api/v1/items/bulk-delete", `{"ids":[{item}]}`, "text/plain", []int{415}},
		{"form to the API", "POST", "/api/v1/items/bulk-delete", `ids={item}`, "application/x-www-form-urlencoded", []int{415}},
		{"no content type", "POST", "/api/v1/items/bulk-delete", `{"ids":[{item}]}`, "", []int{415}},
		{"ids a string", "POST", "/api/v1/items/bulk-delete", `{"ids":"{item}"}`, "application/json", []int{422}},
		{"ids of strings", "POST", "/api/v1/items/bulk-delete", `{"ids":["{item}"]}`, "application/json", []int{422}},
		{"ids of fractions", "POST", "/api/v1/items/bulk-delete", `{"ids":[1.5]}`, "application/json", []int{422}},
		{"ids past int64", "POST", "/api/v1/items/bulk-delete", `{"ids":[9223372036854775808]}`, "application/json", []int{422}},
		{"ids of 1e400", "POST", "/api/v1/items/bulk-delete", `{"ids":[1e400]}`, "application/json", []int{400, 422}},
		{"ids an object", "POST", "/api/v1/items/bulk-delete", `{"ids":{"0":1}}`, "application/json", []int{422}},
		{"a list, not an object", "POST", "/api/v1/items/bulk-delete", `[{item}]`, "application/json", []int{400, 422}},
		{"nested 100,000 deep", "POST", "/api/v1/items/bulk-delete", `{"ids":` + deep, "application/json", []int{400}},
		{"two objects", "POST", "/api/v1/items/bulk-delete", `{"ids":[{item}]}{"ids":[{lent}]}`, "application/json", []int{400}},
		{"unknown field", "POST", "/api/v1/items/bulk-delete", `{"ids":[{item}],"all":true}`, "application/json", []int{422}},
		{"NUL in a name", "POST", "/api/v1/items", `{"name":"a\u0000b"}`, "application/json", []int{422}},
		{"quantity a string", "PATCH", "/api/v1/items/{item}", `{"quantity":"1; DROP TABLE items"}`, "application/json", []int{422}},
		{"quantity huge", "PATCH", "/api/v1/items/{item}", `{"quantity":99999999999999999999}`, "application/json", []int{422}},
		{"category a list", "PATCH", "/api/v1/items/{item}", `{"category_id":[1]}`, "application/json", []int{422}},
		{"cohort a number", "POST", "/api/v1/trash/restore", `{"cohort":1}`, "application/json", []int{422}},
		{"restore name not text", "POST", "/api/v1/trash/{trashed}/restore", `{"name":{"x":1}}`, "application/json", []int{422}},
		{"invalid UTF-8 JSON", "POST", "/api/v1/items/bulk-delete", "{\"ids\":[\xff]}", "application/json", []int{400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAPIEnv(t)
			before := e.snapshot()
			headers := []string{"Content-Type", tc.ctype}
			res := e.raw("owner", tc.method, tc.path, tc.body, headers...)
			if !slices.Contains(tc.want, res.status) {
				t.Errorf("status %d, want one of %v: %s", res.status, tc.want, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if e.snapshot() != before {
				t.Error("the database changed")
			}
		})
	}
	// The HTML side: too large, and not a form.
	e := newAPIEnv(t)
	c, token := e.sessionClient("owner")
	before := e.snapshot()
	for _, tc := range []struct {
		name, body, ctype string
		want              int
	}{
		{"form over 1 MiB", "csrf_token=" + token + "&ids={item}&pad=" + big, "application/x-www-form-urlencoded", 413},
		{"multipart", "--x\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n{item}\r\n--x--\r\n", "multipart/form-data; boundary=x", 403},
		{"JSON to a form", `{"ids":[{item}]}`, "application/json", 403},
	} {
		res := e.sessionReq(c, "POST", "/items/bulk-delete", tc.body, "Content-Type", tc.ctype)
		if res.status != tc.want && res.status != http.StatusUnsupportedMediaType {
			t.Errorf("%s: status %d, want %d or 415", tc.name, res.status, tc.want)
		}
	}
	if e.snapshot() != before {
		t.Error("the database changed")
	}
}

// TestWrongJSONTypesNameTheField: a body of the wrong JSON type names what
// is wrong in words a client can show.
func TestWrongJSONTypesNameTheField(t *testing.T) {
	for _, tc := range []struct{ body, field, want string }{
		{`[1]`, "body", "must be an object"},
		{`{"ids":"1"}`, "ids", "must be a list"},
		{`{"ids":["1"]}`, "ids", "must be a number"},
	} {
		var v struct {
			IDs []int64 `json:"ids"`
		}
		err := unmarshalStrict([]byte(tc.body), &v)
		if got := shelfError(err); got[tc.field] != tc.want {
			t.Errorf("%s: fields %v, want %s: %q", tc.body, got, tc.field, tc.want)
		}
	}
}
