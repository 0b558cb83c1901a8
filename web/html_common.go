package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shelf"
)

// What the HTML handlers share: reading forms as the user typed them,
// phrasing counts, and turning a refusal into a status and a message.

// field returns a posted form field, trimmed. Only the body counts, never the
// query string, so a link cannot smuggle in a field (such as _method).
func field(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostForm.Get(name))
}

// readForm parses the posted form; the CSRF middleware usually has already.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	if err := parseForm(w, r); err != nil {
		s.htmlError(w, r, err)
		return false
	}
	return true
}

// pathIDOr400 reads the {id} path value; a malformed id answers 400.
func (s *Server) pathIDOr400(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.htmlError(w, r, err)
		return 0, false
	}
	return id, true
}

// formIDs reads the ids of checked boxes, each once, in the order sent.
func formIDs(vals []string) ([]int64, error) {
	seen := make(map[int64]bool, len(vals))
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		id, err := parseID(strings.TrimSpace(v))
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// formConfirmation is what a destructive form sends with its request: the
// optional reason, and what the person typed in the field named typed, which
// the form asks for past the friction thresholds (shelf.Confirmation.Asked).
func formConfirmation(r *http.Request, typed string) shelf.Confirmation {
	c := shelf.Confirmation{Reason: field(r, "reason"), Asked: true}
	if _, ok := r.PostForm[typed]; ok {
		c.Typed = shelf.Typed(field(r, typed))
	}
	return c
}

// formVersion reads the version an edit or delete form was rendered with; a
// form without one is 0, which checks nothing.
func formVersion(r *http.Request) (int64, error) {
	v := field(r, "version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, shelf.Errorf(shelf.EMALFORMED, "The form's version is not valid; reload the page and try again.")
	}
	return n, nil
}

// countPhrase says how many of something, in words that admit the cap of
// impact counts: a count at the cap means "at least this many".
func countPhrase(n int, one, many string) string {
	switch {
	case n >= shelf.ImpactCap:
		return fmt.Sprintf("%s or more %s", thousands(shelf.ImpactCap), many)
	}
	return thousands(n) + " " + shelf.Noun(n, one, many)
}

// alongWith words the notes and loans that go with an item (or items): "2
// notes and 1 loan", "1 note", or "" when there are none.
func alongWith(notes, loans int) string {
	var parts []string
	if notes > 0 {
		parts = append(parts, countPhrase(notes, "note", "notes"))
	}
	if loans > 0 {
		parts = append(parts, countPhrase(loans, "loan", "loans"))
	}
	return strings.Join(parts, " and ")
}

// thousands writes n with thousands separators: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// reasonField is the optional reason a destructive confirmation takes, as
// typed, with what is wrong with it (see the "reason" template).
type reasonField struct {
	Value string
	Error string
}

// refusalMessage is what a re-rendered confirmation says above the form: the
// problem's detail, unless a field error says it where the field is.
func refusalMessage(p problem) string {
	if len(p.Errors) > 0 {
		return ""
	}
	return p.Detail
}

// refusal is how a page that re-renders after a failed change learns the
// status and what to say; it logs what the user must not see, and sets the
// headers the status calls for (Retry-After on a 503 or 429).
func (s *Server) refusal(w http.ResponseWriter, r *http.Request, err error) problem {
	p, he := s.problemFor(r, err)
	setErrorHeaders(w, he)
	return p
}

// pageLink is the address of a page of a list (the first when after is ""),
// keeping its filters.
func pageLink(path, after string, keep url.Values) string {
	q := url.Values{}
	for k, vs := range keep {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	if after != "" {
		q.Set("after", after)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// quoted puts a name in the quotation marks Shelf's messages use.
func quoted(name string) string { return "“" + name + "”" }
