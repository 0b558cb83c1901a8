package web

import (
	"net/http"
	"testing"
)

// TestAPIIfMatch holds If-Match to RFC 9110 on both engines: a list matches
// when any strong tag in it is the item's version, "*" matches any current
// item, a weak tag never matches, and no match is 412 with nothing changed.
// ("item" is at version 1.)
func TestAPIIfMatch(t *testing.T) {
	trashed := func(t *testing.T, e *apiEnv) {
		t.Helper()
		n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'item.trash' AND entity_id = ?`, e.ids["item"])
		if !e.isTrashed("item") || n != 1 {
			t.Errorf("want the item in the Trash with its audit event; trashed %v, %d item.trash events", e.isTrashed("item"), n)
		}
	}
	renamed := func(t *testing.T, e *apiEnv) {
		t.Helper()
		if n := e.count(`SELECT count(*) FROM items WHERE id = ? AND name = 'Drill 2' AND version = 2`, e.ids["item"]); n != 1 {
			t.Errorf("want the item renamed at version 2")
		}
	}
	del := func(name, ifMatch string, status int, after func(*testing.T, *apiEnv)) apiScenario {
		return apiScenario{name: "DELETE " + name, as: "owner", method: "DELETE", path: "/api/v1/items/{item}",
			headers: []string{"If-Match", ifMatch}, status: status, after: after, unchanged: status != http.StatusNoContent}
	}
	patch := func(name, ifMatch string, status int, after func(*testing.T, *apiEnv)) apiScenario {
		return apiScenario{name: "PATCH " + name, as: "owner", method: "PATCH", path: "/api/v1/items/{item}",
			body: `{"name":"Drill 2"}`, headers: []string{"If-Match", ifMatch}, status: status, after: after,
			unchanged: status != http.StatusOK}
	}
	runAPIScenarios(t, []apiScenario{
		del("strong tag that matches", `"1"`, http.StatusNoContent, trashed),
		del("weak tag never matches", `W/"1"`, http.StatusPreconditionFailed, nil),
		del("list with the strong tag last", `"7", "1"`, http.StatusNoContent, trashed),
		del("list with the strong tag first", `"1","7"`, http.StatusNoContent, trashed),
		del("list whose only match is weak", `"7", W/"1"`, http.StatusPreconditionFailed, nil),
		del("list without a match", `"7", "8"`, http.StatusPreconditionFailed, nil),
		del("star matches any current item", `*`, http.StatusNoContent, trashed),
		del("a tag that is not ours", `"abc"`, http.StatusPreconditionFailed, nil),
		del("a list that does not parse", `"1" junk`, http.StatusPreconditionFailed, nil),
		{name: "DELETE star on a missing item", as: "owner", method: "DELETE", path: "/api/v1/items/999999",
			headers: []string{"If-Match", "*"}, status: http.StatusNotFound, unchanged: true},
		{name: "DELETE a list on another's item is 404, not 412", as: "other", method: "DELETE", path: "/api/v1/items/{item}",
			headers: []string{"If-Match", `"7", "1"`}, status: http.StatusNotFound, unchanged: true},
		patch("strong tag that matches", `"1"`, http.StatusOK, renamed),
		patch("weak tag never matches", `W/"1"`, http.StatusPreconditionFailed, nil),
		patch("list with a match", `"5", "1"`, http.StatusOK, renamed),
		patch("list whose only match is weak", `W/"1", "5"`, http.StatusPreconditionFailed, nil),
		patch("star", `*`, http.StatusOK, renamed),
	})
}

func TestStrongVersions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int64
		ok   bool
	}{
		{`"1"`, []int64{1}, true},
		{`"1", "2" ,"3"`, []int64{1, 2, 3}, true},
		{`W/"1", "2"`, []int64{2}, true},
		{`"a,b", "4"`, []int64{4}, true}, // a comma inside a tag is part of it
		{`"01"`, nil, true},              // not how Shelf writes version 1
		{`"0"`, nil, true},
		{`1`, nil, false},
		{`"1`, nil, false},
		{`"1" "2"`, nil, false},
		{`w/"1"`, nil, false},
	} {
		got, ok := strongVersions(tc.in)
		if ok != tc.ok || len(got) != len(tc.want) {
			t.Errorf("strongVersions(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("strongVersions(%q) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}
