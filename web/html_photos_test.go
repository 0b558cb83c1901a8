package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"shelf/internal/testimage"
)

// postPhotoForm posts the item page's upload form as a browser does without
// JavaScript: multipart, the CSRF token first, then the file.
func (e *apiEnv) postPhotoForm(c *http.Client, token, item string, data []byte) (*http.Response, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token != "" {
		_ = mw.WriteField("csrf_token", token)
	}
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+e.expand("/items/"+item+"/photos"), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestHTMLPhotos: the item page's upload form works without JavaScript
// (303 back to the item, which shows the thumbnail), a refused upload comes
// back on the page with its reason and status, a missing or wrong CSRF
// token stores nothing, and the delete button moves the photo to the Trash
// with an Undo that brings it back; on both engines.
func TestHTMLPhotos(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		c, token := e.sessionClient("owner")

		res, _ := e.postPhotoForm(c, token, "{item}", testimage.JPEG(300, 200))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != e.expand("/items/{item}") {
			t.Fatalf("upload: %d to %q, want 303 to the item", res.StatusCode, res.Header.Get("Location"))
		}
		var photoID int64
		if err := e.queryRow(`SELECT id FROM photos`).Scan(&photoID); err != nil {
			t.Fatalf("no photo row: %v", err)
		}
		page := e.sessionReq(c, "GET", "/items/{item}", "")
		for _, want := range []string{"Photo added.", `src="/api/v1/photos/` + itoa(photoID) + `?size=thumb"`, `action="/photos/` + itoa(photoID) + `/delete"`,
			`enctype="multipart/form-data"`, `data-max-bytes="10485760"`} {
			if !strings.Contains(string(page.body), want) {
				t.Errorf("item page lacks %q", want)
			}
		}
		if img := e.sessionReq(c, "GET", "/api/v1/photos/"+itoa(photoID)+"?size=thumb", ""); img.status != 200 || img.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("thumbnail with the session cookie: %d %s", img.status, img.header.Get("Content-Type"))
		}

		before := e.snapshot()
		for _, tc := range []struct {
			name, token string
			data        []byte
			status      int
			want        string
		}{
			{"text named .jpg", token, []byte("not an image"), 415, "JPEG, PNG or WebP"},
			{"truncated", token, testimage.JPEG(64, 64)[:300], 422, "damaged or incomplete"},
			{"bomb", token, testimage.PNGBomb(20000, 20000), 413, "megapixels"},
			{"no CSRF token", "", testimage.JPEG(10, 10), 403, "expired"},
			{"wrong CSRF token", "nope", testimage.JPEG(10, 10), 403, "expired"},
		} {
			res, body := e.postPhotoForm(c, tc.token, "{item}", tc.data)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s: %d, want %d with %q", tc.name, res.StatusCode, tc.status, tc.want)
			}
			if tc.status != 403 && !strings.Contains(body, `id="photo-error"`) {
				t.Errorf("%s: the reason is not at the upload field", tc.name)
			}
		}
		if e.snapshot() != before || len(e.storedFiles()) != 2 {
			t.Errorf("refused uploads changed something: files %v", e.storedFiles())
		}

		del := stateChange{"POST", "/photos/" + itoa(photoID) + "/delete", "", 303}.send(e, c, token)
		if del.status != 303 || del.header.Get("Location") != e.expand("/items/{item}") {
			t.Fatalf("delete photo: %d to %q", del.status, del.header.Get("Location"))
		}
		page = e.sessionReq(c, "GET", "/items/{item}", "")
		if strings.Contains(string(page.body), "?size=thumb") || !strings.Contains(string(page.body), `name="cohort"`) {
			t.Errorf("after delete: the photo is still shown, or no Undo is offered")
		}
		cohort, err := e.scalar(`SELECT deleted_cohort FROM photos WHERE id = ?`, photoID)
		if err != nil {
			t.Fatal(err)
		}
		trash := e.sessionReq(c, "GET", "/trash", "")
		for _, want := range []string{"Photos in the Trash", `id="trashed-photo-` + itoa(photoID) + `"`, `value="` + cohort + `"`} {
			if !strings.Contains(string(trash.body), want) {
				t.Errorf("Trash page lacks %q", want)
			}
		}
		if other, _ := e.sessionClient("other"); strings.Contains(string(e.sessionReq(other, "GET", "/trash", "").body), "trashed-photo-") {
			t.Error("another member's Trash shows the photo")
		}
		undo := stateChange{"POST", "/trash/restore", "cohort=" + cohort, 303}.send(e, c, token)
		if undo.status != 303 || undo.header.Get("Location") != e.expand("/items/{item}") {
			t.Errorf("undo: %d to %q, want 303 to the item", undo.status, undo.header.Get("Location"))
		}
		page = e.sessionReq(c, "GET", "/items/{item}", "")
		if !strings.Contains(string(page.body), "?size=thumb") || !strings.Contains(string(page.body), "Restored the photo") {
			t.Errorf("after undo the photo is not back, or the flash does not say so")
		}
	})
}
