package web

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Attacks with ids: other people's, and malformed ones.

// idRoutes lists every route with an {id}, and the fixture whose id it
// takes: the owner's thing of the right kind.
func idRoutes(t *testing.T, e *apiEnv) []struct {
	pattern string
	kind    string
} {
	t.Helper()
	var out []struct {
		pattern string
		kind    string
	}
	for _, p := range e.srv.patterns {
		if !strings.Contains(p, "{id}") {
			continue
		}
		_, path, _ := strings.Cut(p, " ")
		kind := "item"
		switch {
		case strings.Contains(path, "/trash/"):
			kind = "trashed"
		case strings.Contains(path, "/notes/"):
			kind = "note"
		case strings.Contains(path, "/loans/"):
			kind = "loan"
		case strings.Contains(path, "/categories/"):
			kind = "cat"
		case strings.Contains(path, "/tokens/"):
			kind = "token"
		case adminOnly(path):
			kind = "owner_id"
		}
		out = append(out, struct {
			pattern string
			kind    string
		}{p, kind})
	}
	if len(out) < 30 {
		t.Fatalf("only %d routes with an id", len(out))
	}
	return out
}

// adminOnly reports whether a route with an id is for admins only (members
// get 403 before the id is read): users, holds, audit events, and retrying
// a job.
func adminOnly(path string) bool {
	return strings.Contains(path, "/users/") || strings.Contains(path, "/holds/") || strings.HasPrefix(path, "/admin/audit/") ||
		strings.HasSuffix(path, "/retry")
}

// bodyFor is a body that would be valid for a route, so that the id alone
// decides the answer.
func bodyFor(method, path string) string {
	switch {
	case strings.HasPrefix(path, "/api/"):
		switch {
		case strings.HasSuffix(path, "/notes") && method == "POST":
			return `{"body":"hello"}`
		case strings.HasSuffix(path, "/loans") && method == "POST":
			return `{"borrower":"Eve"}`
		case method == "PATCH":
			return `{"quantity":7}`
		case strings.HasSuffix(path, "/transfer"):
			return `{"to":{admin_id}}`
		}
		return ""
	case strings.HasSuffix(path, "/notes"):
		return "body=hello"
	case strings.HasSuffix(path, "/loans"):
		return "borrower=Eve"
	case strings.HasSuffix(path, "/transfer"):
		return "to={admin_id}"
	case strings.HasPrefix(path, "/items/") && strings.Count(path, "/") == 2 && method == "POST":
		return "_method=DELETE"
	}
	return ""
}

var requestIDPattern = requestIDs

// TestAttackOthersIDsEverywhere sends, as a member, every route that takes
// an id with another member's id and with an id that names nothing. Both
// answer the same status (404; 403 on admin routes) and the same body but
// for the request id, and nothing changes.
func TestAttackOthersIDsEverywhere(t *testing.T) {
	e := newAPIEnv(t)
	c, token := e.sessionClient("other")
	var tokenID int64
	if err := e.queryRow(e.rebind(`SELECT id FROM api_tokens WHERE user_id = ?`), e.users["owner"].ID).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}
	e.ids["token"] = tokenID
	before := e.snapshot()
	for _, rt := range idRoutes(t, e) {
		method, path, _ := strings.Cut(rt.pattern, " ")
		send := func(id string) response {
			p := strings.Replace(path, "{id}", id, 1)
			body := bodyFor(method, path)
			if strings.HasPrefix(path, "/api/") {
				return e.raw("other", method, p, body)
			}
			if method == "GET" {
				return e.sessionReq(c, method, p, "")
			}
			return stateChange{method, p, body, 0}.send(e, c, token)
		}
		theirs, missing := send("{"+rt.kind+"}"), send("999999")
		want := http.StatusNotFound
		if adminOnly(path) {
			want = http.StatusForbidden
		}
		if theirs.status != want || missing.status != want {
			t.Errorf("%s with another's id: %d, with a missing id: %d; want %d for both", rt.pattern, theirs.status, missing.status, want)
			continue
		}
		a := requestIDPattern.ReplaceAllString(string(theirs.body), "")
		b := requestIDPattern.ReplaceAllString(string(missing.body), "")
		if a != b {
			t.Errorf("%s: another's id and a missing one answer differently:\n%s\n---\n%s", rt.pattern, a, b)
		}
	}
	if e.snapshot() != before {
		t.Fatal("a request with another member's id changed the database")
	}
}

// TestAttackOthersIDsTiming checks that another member's id costs about
// what a missing id costs, so that timing does not tell which ids exist.
// Requests alternate and the medians are compared with a wide margin
// (3× plus 2 ms), which holds on a busy machine; the bodies are compared
// exactly by TestAttackOthersIDsEverywhere.
func TestAttackOthersIDsTiming(t *testing.T) {
	e := newAPIEnv(t)
	for _, path := range []string{"/api/v1/items/%s", "/api/v1/items/%s/impact", "/api/v1/items/%s/notes"} {
		var theirs, missing []time.Duration
		for i := range 41 {
			for _, id := range []string{"{foreign}", "999999"} {
				if i%2 == 1 {
					id = map[string]string{"{foreign}": "999999", "999999": "{foreign}"}[id]
				}
				start := time.Now()
				res := e.raw("owner", "GET", strings.Replace(path, "%s", id, 1), "")
				d := time.Since(start)
				if res.status != http.StatusNotFound {
					t.Fatalf("%s: %d", path, res.status)
				}
				if i == 0 {
					continue // warm-up
				}
				if id == "999999" {
					missing = append(missing, d)
				} else {
					theirs = append(theirs, d)
				}
			}
		}
		mt, mm := median(theirs), median(missing)
		t.Logf("%s: median %s for another's id, %s for a missing one", path, mt, mm)
		if lo, hi := min(mt, mm), max(mt, mm); hi > 3*lo+2*time.Millisecond {
			t.Errorf("%s: median %s for another's id vs %s for a missing one: timing tells them apart", path, mt, mm)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// malformedIDs are ids that are not positive whole numbers, as sent on the
// wire (escaped).
var malformedIDs = []string{
	"1;DROP%20TABLE%20items", "18446744073709551616", "9223372036854775808", "%00", "1%00", "-1", "0", "+1",
	"1e3", "0x1F", "1.0", "%E0%A5%A7", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "1%20", "1%2F2", "1%0D%0A",
	strings.Repeat("9", 10<<10),
}

// TestAttackMalformedIDs sends every malformed id to every route that takes
// an id, as the owner (as an admin on admin routes): 400 every time, nothing echoed raw, nothing changed.
func TestAttackMalformedIDs(t *testing.T) {
	e := newAPIEnv(t)
	owner, ownerToken := e.sessionClient("owner")
	admin, adminToken := e.sessionClient("admin")
	before := e.snapshot()
	for _, rt := range idRoutes(t, e) {
		method, path, _ := strings.Cut(rt.pattern, " ")
		// note: admin routes refuse members before they read the id.
		who, c, token := "owner", owner, ownerToken
		if adminOnly(path) {
			who, c, token = "admin", admin, adminToken
		}
		for _, id := range malformedIDs {
			p := strings.Replace(path, "{id}", id, 1)
			body := bodyFor(method, path)
			var res response
			switch {
			case strings.HasPrefix(path, "/api/"):
				res = e.raw(who, method, p, body)
			case method == "GET":
				res = e.sessionReq(c, method, p, "")
			default:
				res = stateChange{method, p, body, 0}.send(e, c, token)
			}
			short := id
			if len(short) > 40 {
				short = short[:40] + "…"
			}
			if res.status != http.StatusBadRequest {
				t.Errorf("%s with id %q: status %d, want 400", rt.pattern, short, res.status)
			}
			if strings.Contains(string(res.body), "<script>alert") || strings.Contains(string(res.body), "DROP TABLE") {
				t.Errorf("%s with id %q: the answer echoes the id raw", rt.pattern, short)
			}
		}
	}
	if e.snapshot() != before {
		t.Fatal("a malformed id changed the database")
	}
}
