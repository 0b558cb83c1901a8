package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"shelf"
)

// maxBody is the largest request body Shelf reads.
const maxBody = 1 << 20

// parseID reads a positive integer id; anything else is EMALFORMED (400).
func parseID(s string) (int64, error) {
	bad := shelf.Errorf(shelf.EMALFORMED, "The id must be a positive whole number.")
	if s == "" || len(s) > 19 {
		return 0, bad
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, bad
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, bad
	}
	return id, nil
}

// pathID reads the {name} path value as an id.
func pathID(r *http.Request, name string) (int64, error) { return parseID(r.PathValue(name)) }

func tooLarge() error {
	return &httpError{code: shelf.ETOOLARGE, msg: "The request body is larger than 1 MiB."}
}

// requireContentType refuses a body that is not of the given media type.
func requireContentType(r *http.Request, want string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return &httpError{code: shelf.EMEDIATYPE, msg: fmt.Sprintf("Send the body as %s.", want)}
	}
	return nil
}

// readBody reads at most maxBody bytes of the body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, shelf.Errorf(shelf.EMALFORMED, "The request body could not be read.")
	}
	return b, nil
}

// decodeJSON reads a JSON object body into v: 415 for another content type,
// 413 when too large, 400 when empty or unparsable, 422 for a field of the
// wrong type or a field Shelf does not know.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := requireContentType(r, "application/json"); err != nil {
		return err
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	return unmarshalStrict(b, v)
}

// decodeOptionalJSON is decodeJSON for a body that may be left out: an absent
// or empty body (of any declared length, chunked included) leaves v as it is.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := requireContentType(r, "application/json"); err != nil {
		return err
	}
	return unmarshalStrict(b, v)
}

func unmarshalStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return shelf.Errorf(shelf.EMALFORMED, "The request body is empty; send a JSON object.")
	}
	// note: encoding/json would quietly turn bytes that are not UTF-8 into
	// U+FFFD, storing something other than what was sent.
	if !utf8.Valid(b) {
		return notUTF8("The request body")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		// note: a body that is not an object at all has no field to name.
		field := te.Field
		if field == "" {
			field = "body"
		}
		kind := jsonKind(te.Type.Kind().String())
		article := "a"
		if strings.ContainsRune("aeiou", rune(kind[0])) {
			article = "an"
		}
		return shelf.Invalid(map[string]string{field: fmt.Sprintf("must be %s %s", article, kind)})
	case err != nil && bytes.HasPrefix(bytes.TrimSpace([]byte(err.Error())), []byte("json: unknown field")):
		return shelf.Invalid(map[string]string{"body": "has a field Shelf does not know: " + err.Error()[len("json: unknown field "):]})
	case err != nil:
		return shelf.Errorf(shelf.EMALFORMED, "The request body is not valid JSON.")
	}
	if dec.More() {
		return shelf.Errorf(shelf.EMALFORMED, "The request body has data after the JSON object.")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return k
}

// parseForm reads an urlencoded form body (413 when too large, 415 for
// another content type).
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		if err := requireContentType(r, "application/x-www-form-urlencoded"); err != nil {
			return err
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		return shelf.Errorf(shelf.EMALFORMED, "The form could not be read.")
	}
	if !valuesUTF8(r.PostForm) {
		return notUTF8("The form")
	}
	return nil
}

// notUTF8 refuses text that is not UTF-8 (400). Shelf checks it where input
// enters, the same for every engine: PostgreSQL would refuse the bytes deep
// in a transaction, and SQLite would store them, so that two names that
// differ only in a broken byte would show as the same.
func notUTF8(what string) error {
	return shelf.Errorf(shelf.EMALFORMED, "%s is not valid UTF-8 text.", what)
}

// valuesUTF8 reports whether every key and value of a form or query is UTF-8
// (url.ParseQuery decodes %FF to the byte it names, and keeps it).
func valuesUTF8(vs map[string][]string) bool {
	for k, v := range vs {
		if !utf8.ValidString(k) {
			return false
		}
		for _, s := range v {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}

// checkAddressUTF8 refuses a request whose path or query string decodes to
// bytes that are not UTF-8.
func checkAddressUTF8(r *http.Request) error {
	if !utf8.ValidString(r.URL.Path) {
		return notUTF8("The address")
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	// note: what the handlers read is r.URL.Query(), which skips a pair it
	// cannot parse; so does this check.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if !valuesUTF8(q) {
		return notUTF8("The query string")
	}
	return nil
}
