package web

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shelf"
	"shelf/filestore"
	"shelf/internal/testimage"
)

// testFiles is a fresh directory of photo files for one test.
func testFiles(t *testing.T) *filestore.Dir {
	t.Helper()
	d, err := filestore.Open(filepath.Join(t.TempDir(), "shelf-files"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// multipartBody builds a multipart/form-data body with one file part.
func multipartFile(field, filename string, data []byte, extra ...string) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(extra); i += 2 {
		_ = mw.WriteField(extra[i], extra[i+1])
	}
	if field != "" {
		fw, _ := mw.CreateFormFile(field, filename)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// upload posts a photo to an item as who, with the file in the given field.
func (e *apiEnv) upload(who, item, field, filename string, data []byte) response {
	e.t.Helper()
	body, ct := multipartFile(field, filename, data)
	return e.req(who, "POST", "/api/v1/items/"+item+"/photos", body, "Content-Type", ct)
}

// storedFiles lists the files in the photo directory (temporary ones too).
func (e *apiEnv) storedFiles() []string {
	e.t.Helper()
	var out []string
	err := filepath.WalkDir(e.files.Root(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, e.files.Root()+"/"))
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// addPhoto uploads a photo as the owner and returns it.
func (e *apiEnv) addPhoto(item string, data []byte) shelf.Photo {
	e.t.Helper()
	res := e.upload("owner", item, "file", "photo.jpg", data)
	if res.status != http.StatusCreated {
		e.t.Fatalf("upload: %d %s", res.status, res.body)
	}
	var p shelf.Photo
	res.json(e.t, &p)
	return p
}

func TestAPIPhotoUploadAndServe(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		orig := testimage.EXIFJPEG(640, 480, 6)
		res := e.upload("owner", "{item}", "file", "IMG_0001.jpg", orig)
		if res.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.status, res.body)
		}
		var p shelf.Photo
		res.json(t, &p)
		if p.ItemID != e.ids["item"] || p.Width != 480 || p.Height != 640 || p.ContentType != "image/jpeg" || len(p.SHA256) != 64 || p.Bytes <= 0 {
			t.Errorf("photo %+v: want item %d, 480×640 (turned upright), image/jpeg, a hash and a size", p, e.ids["item"])
		}
		if loc := res.header.Get("Location"); loc != "/api/v1/photos/"+itoa(p.ID) {
			t.Errorf("Location %q", loc)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE item_id = ? AND sha256 = ? AND bytes = ?`, p.ItemID, p.SHA256, p.Bytes); n != 1 {
			t.Errorf("photo rows: %d, want 1", n)
		}

		full := e.req("owner", "GET", "/api/v1/photos/"+itoa(p.ID), "")
		if full.status != 200 || int64(len(full.body)) != p.Bytes {
			t.Fatalf("GET photo: %d, %d bytes, want 200 and %d", full.status, len(full.body), p.Bytes)
		}
		for h, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "sandbox", "Cache-Control": "private", "ETag": `"` + p.SHA256 + `"`} {
			if got := full.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		for _, leak := range []string{testimage.Serial, "Exif"} {
			if bytes.Contains(full.body, []byte(leak)) {
				t.Errorf("the served photo still carries %q", leak)
			}
		}
		if !bytes.Contains(orig, []byte(testimage.Serial)) {
			t.Fatal("the uploaded photo carried no serial number: the test proves nothing")
		}
		if r := e.req("owner", "GET", "/api/v1/photos/"+itoa(p.ID), "", "If-None-Match", `"`+p.SHA256+`"`); r.status != http.StatusNotModified {
			t.Errorf("If-None-Match with the ETag: %d, want 304", r.status)
		}
		thumb := e.req("owner", "GET", "/api/v1/photos/"+itoa(p.ID)+"?size=thumb", "")
		cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb.body))
		if thumb.status != 200 || err != nil || cfg.Width != 192 || cfg.Height != 256 {
			t.Errorf("thumbnail: %d, %d×%d (%v), want 200 and 192×256", thumb.status, cfg.Width, cfg.Height, err)
		}
		if et := thumb.header.Get("ETag"); et == full.header.Get("ETag") || !strings.HasPrefix(et, `"`) {
			t.Errorf("thumbnail ETag %q: want a strong tag of its own", et)
		}
		for _, who := range []string{"other", ""} {
			if r := e.req(who, "GET", "/api/v1/photos/"+itoa(p.ID), ""); r.status != map[string]int{"other": 404, "": 401}[who] {
				t.Errorf("GET photo as %q: %d", who, r.status)
			}
		}
		if r := e.req("admin", "GET", "/api/v1/photos/"+itoa(p.ID), ""); r.status != 200 {
			t.Errorf("GET photo as admin: %d, want 200", r.status)
		}
		if r := e.req("owner", "GET", "/api/v1/photos/"+itoa(p.ID)+"?size=huge", ""); r.status != 400 {
			t.Errorf("?size=huge: %d, want 400", r.status)
		}

		list := e.req("owner", "GET", "/api/v1/items/{item}/photos", "")
		if list.status != 200 || !strings.Contains(string(list.body), p.SHA256) {
			t.Errorf("list: %d %s", list.status, list.body)
		}
		if r := e.req("other", "GET", "/api/v1/items/{item}/photos", ""); r.status != 404 {
			t.Errorf("list as other: %d, want 404", r.status)
		}

		// The same photo again, on another item: a second row, one file.
		again := e.addPhoto("{lent}", orig)
		if again.SHA256 != p.SHA256 {
			t.Errorf("the same photo twice: hashes %s and %s", p.SHA256, again.SHA256)
		}
		if files := e.storedFiles(); len(files) != 2 { // the photo and its thumbnail
			t.Errorf("files stored: %v, want one photo and its thumbnail", files)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE sha256 = ?`, p.SHA256); n != 2 {
			t.Errorf("rows naming the file: %d, want 2", n)
		}
	})
}

// TestAPIPhotoBadInput: every refusal answers its status and leaves no row
// and no file.
func TestAPIPhotoBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		jpg := testimage.JPEG(64, 64)
		for _, tc := range []struct {
			name, as, item, field string
			data                  []byte
			contentType           string
			status                int
			want                  string
		}{
			{"text named .jpg", "owner", "{item}", "file", []byte("hello, I am text\n"), "", 415, "JPEG, PNG or WebP"},
			{"truncated JPEG", "owner", "{item}", "file", jpg[:len(jpg)/2], "", 422, `"file"`},
			{"PNG bomb 20000x20000", "owner", "{item}", "file", testimage.PNGBomb(20000, 20000), "", 413, "megapixels"},
			{"no file field", "owner", "{item}", "", nil, "", 422, `"file"`},
			{"wrong field name", "owner", "{item}", "photo", jpg, "", 422, `"file"`},
			{"not multipart", "owner", "{item}", "file", jpg, "image/jpeg", 415, "multipart/form-data"},
			{"over 10 MiB", "owner", "{item}", "file", bytes.Repeat([]byte{0xFF}, shelf.MaxPhotoBytes+1), "", 413, "MiB"},
			{"another's item", "other", "{item}", "file", jpg, "", 404, ""},
			{"trashed item", "owner", "{trashed}", "file", jpg, "", 404, ""},
			{"missing item", "owner", "999999", "file", jpg, "", 404, ""},
			{"anonymous", "", "{item}", "file", jpg, "", 401, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := open(t)
				before := e.snapshot()
				body, ct := multipartFile(tc.field, "photo.jpg", tc.data)
				if tc.contentType != "" {
					body, ct = string(tc.data), tc.contentType
				}
				res := e.req(tc.as, "POST", "/api/v1/items/"+tc.item+"/photos", body, "Content-Type", ct)
				if res.status != tc.status || !strings.Contains(string(res.body), tc.want) {
					t.Fatalf("status %d %s, want %d with %q", res.status, res.body, tc.status, tc.want)
				}
				if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				if e.snapshot() != before {
					t.Error("the database changed")
				}
				if files := e.storedFiles(); len(files) != 0 {
					t.Errorf("files left behind: %v", files)
				}
			})
		}
		t.Run("eleventh photo", func(t *testing.T) {
			e := open(t)
			for i := range shelf.MaxPhotosPerItem {
				e.addPhoto("{item}", testimage.JPEG(20+i, 20))
			}
			before, files := e.snapshot(), e.storedFiles()
			res := e.upload("owner", "{item}", "file", "eleven.jpg", testimage.JPEG(50, 50))
			if res.status != http.StatusConflict || !strings.Contains(string(res.body), `"blockers"`) {
				t.Fatalf("11th photo: %d %s, want 409 with blockers", res.status, res.body)
			}
			if e.snapshot() != before || len(e.storedFiles()) != len(files) {
				t.Error("the refused 11th photo left a row or a file")
			}
		})
	})
}

// TestAPIPhotoDiskFull: a directory on a full file system answers 507 and
// leaves no row and no file, not even a temporary one. (The upload's own
// entry in the removal queue stays until its grace is over; it names
// nothing.)
func TestAPIPhotoDiskFull(t *testing.T) {
	e := newAPIEnv(t)
	mountTinyTmpfs(t, e.files.Root())
	if _, err := filestore.Open(e.files.Root()); err != nil { // its tmp directory, on the tmpfs
		t.Fatal(err)
	}
	res := e.upload("owner", "{item}", "file", "big.png", testimage.PNG(800, 800))
	if res.status != http.StatusInsufficientStorage || !strings.Contains(string(res.body), `"storage_full"`) {
		t.Fatalf("upload to a full disk: %d %s, want 507 storage_full", res.status, res.body)
	}
	if n := e.count(`SELECT count(*) FROM photos`); n != 0 {
		t.Errorf("photo rows: %d, want 0", n)
	}
	if e.auditCount("photo.trash") != 0 {
		t.Error("audit events written")
	}
	if files := e.storedFiles(); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

// mountTinyTmpfs mounts a 16 KiB tmpfs on dir for the test (as root; under
// CI a test that cannot fails).
func mountTinyTmpfs(t *testing.T, dir string) {
	t.Helper()
	if err := mount(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a tmpfs on %s: %v", dir, err)
		}
		t.Skipf("cannot mount a tmpfs (not root?): %v", err)
	}
	t.Cleanup(func() { unmount(dir) })
}
