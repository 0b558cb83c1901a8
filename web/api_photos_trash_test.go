package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/internal/testimage"
)

// TestAPIPhotoTrashAndRestore: deleting a photo moves it to the Trash (204,
// a cohort); its file stays; undoing the cohort brings it back, audited.
func TestAPIPhotoTrashAndRestore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		p := e.addPhoto("{item}", testimage.JPEG(100, 80))
		path := "/api/v1/photos/" + itoa(p.ID)
		for _, who := range []string{"other"} {
			if r := e.req(who, "DELETE", path, ""); r.status != 404 {
				t.Errorf("DELETE as %s: %d, want 404", who, r.status)
			}
		}
		res := e.req("owner", "DELETE", path, "")
		cohort := res.header.Get("X-Shelf-Cohort")
		if res.status != http.StatusNoContent || cohort == "" {
			t.Fatalf("DELETE photo: %d, cohort %q; want 204 and a cohort", res.status, cohort)
		}
		if r := e.req("owner", "DELETE", path, ""); r.status != 404 {
			t.Errorf("second DELETE: %d, want 404", r.status)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE id = ? AND deleted_at IS NOT NULL AND deleted_cohort = ?`, p.ID, cohort); n != 1 {
			t.Errorf("trashed photo rows with the cohort: %d, want 1", n)
		}
		if list := e.req("owner", "GET", "/api/v1/items/{item}/photos", ""); strings.Contains(string(list.body), p.SHA256) {
			t.Errorf("a trashed photo is still listed: %s", list.body)
		}
		if !e.files.Has(p.SHA256) {
			t.Error("moving a photo to the Trash removed its file")
		}
		if e.auditCount("photo.trash") != 1 {
			t.Error("no photo.trash audit event")
		}
		restore := e.req("owner", "POST", "/api/v1/trash/restore", `{"cohort":"`+cohort+`"}`)
		var rr struct {
			Photos []struct {
				ID int64 `json:"id"`
			} `json:"photos"`
		}
		if restore.status != 200 {
			t.Fatalf("undo: %d %s", restore.status, restore.body)
		}
		restore.json(t, &rr)
		if len(rr.Photos) != 1 || rr.Photos[0].ID != p.ID {
			t.Errorf("undo restored photos %s, want photo %d", restore.body, p.ID)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE id = ? AND deleted_at IS NULL`, p.ID); n != 1 {
			t.Error("the photo is not live again")
		}
		if e.auditCount("photo.restore") != 1 {
			t.Error("no photo.restore audit event")
		}
		if r := e.req("owner", "GET", path, ""); r.status != 200 || int64(len(r.body)) != p.Bytes {
			t.Errorf("restored photo: %d, %d bytes", r.status, len(r.body))
		}
	})
}

// TestAPIPhotosFollowTheirItem: trashing an item keeps its photos' files,
// restoring it brings the photos back; deleting it forever removes the
// files once no row names them (a file shared with another item stays), and
// the purge's audit event records each photo's hash and size.
func TestAPIPhotosFollowTheirItem(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		shared := testimage.JPEG(90, 60)
		own := e.addPhoto("{item}", testimage.PNG(70, 50))
		both := e.addPhoto("{item}", shared)
		e.addPhoto("{lent}", shared) // the same file, named by another item's photo

		res := e.req("owner", "DELETE", "/api/v1/items/{item}", "")
		if res.status != 204 {
			t.Fatalf("trash item: %d %s", res.status, res.body)
		}
		if !e.files.Has(own.SHA256) || !e.files.Has(both.SHA256) {
			t.Fatal("moving the item to the Trash removed photo files")
		}
		if r := e.req("owner", "GET", "/api/v1/items/{item}/photos", ""); r.status != 404 {
			t.Errorf("photos of a trashed item listed: %d", r.status)
		}
		if r := e.req("owner", "DELETE", "/api/v1/photos/"+itoa(own.ID), ""); r.status != 404 {
			t.Errorf("DELETE a photo of a trashed item: %d, want 404", r.status)
		}
		if r := e.req("owner", "POST", "/api/v1/trash/{item}/restore", ""); r.status != 200 {
			t.Fatalf("restore: %d %s", r.status, r.body)
		}
		list := e.req("owner", "GET", "/api/v1/items/{item}/photos", "")
		if !strings.Contains(string(list.body), own.SHA256) || !strings.Contains(string(list.body), both.SHA256) {
			t.Fatalf("restored item's photos: %s", list.body)
		}

		if r := e.req("owner", "DELETE", "/api/v1/items/{item}", ""); r.status != 204 {
			t.Fatal(r.status)
		}
		if r := e.req("owner", "DELETE", "/api/v1/trash/{item}", ""); r.status != 204 {
			t.Fatalf("purge: %d %s", r.status, r.body)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE item_id = ?`, e.ids["item"]); n != 0 {
			t.Errorf("photo rows after the purge: %d", n)
		}
		if n := e.count(`SELECT count(*) FROM file_removals`); n != 2 {
			t.Errorf("queued removals: %d, want 2", n)
		}
		removed, taken, err := e.svc.RemoveQueuedFiles(t.Context(), 0)
		if err != nil || removed != 1 || taken != 2 {
			t.Fatalf("RemoveQueuedFiles: removed %d, took %d, %v; want 1 and 2", removed, taken, err)
		}
		if e.files.Has(own.SHA256) {
			t.Error("the purged item's own photo file is still there")
		}
		if !e.files.Has(both.SHA256) {
			t.Error("a file that another item's photo names was removed")
		}
		snap, err := eventSnapshot(t, e.svc, "item.purge", e.ids["item"]), error(nil)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Photos []struct {
				SHA256 string `json:"sha256"`
				Bytes  int64  `json:"bytes"`
			} `json:"photos"`
		}
		if err := json.Unmarshal([]byte(snap), &s); err != nil || len(s.Photos) != 2 ||
			s.Photos[0].SHA256 != own.SHA256 || s.Photos[0].Bytes != own.Bytes || s.Photos[1].SHA256 != both.SHA256 {
			t.Errorf("purge snapshot photos %s, want both photos' hashes and sizes", snap)
		}
	})
}

// TestAPIEmptyTrashPurgesTrashedPhotos: a photo in the Trash on its own goes
// for good when the Trash is emptied, and its file after that commit.
func TestAPIEmptyTrashPurgesTrashedPhotos(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		p := e.addPhoto("{item}", testimage.JPEG(40, 40))
		if r := e.req("owner", "DELETE", "/api/v1/photos/"+itoa(p.ID), ""); r.status != 204 {
			t.Fatal(r.status)
		}
		if r := e.req("owner", "DELETE", "/api/v1/trash", ""); r.status != 200 {
			t.Fatalf("empty Trash: %d %s", r.status, r.body)
		}
		if n := e.count(`SELECT count(*) FROM photos`); n != 0 {
			t.Errorf("photo rows: %d, want 0", n)
		}
		if e.auditCount("photo.purge") != 1 {
			t.Error("no photo.purge audit event")
		}
		if _, _, err := e.svc.RemoveQueuedFiles(t.Context(), 0); err != nil {
			t.Fatal(err)
		}
		if files := e.storedFiles(); len(files) != 0 {
			t.Errorf("files after the purge: %v", files)
		}
	})
}

// TestRetentionPurgesTrashedPhotos: the retention purge takes photos trashed
// on their own once their time is up, with a photo.purge event, and queues
// their files; a photo trashed since stays.
func TestRetentionPurgesTrashedPhotos(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(*testing.T, ...func(*Config)) *apiEnv) {
		e := open(t)
		old := e.addPhoto("{item}", testimage.JPEG(30, 30))
		if r := e.req("owner", "DELETE", "/api/v1/photos/"+itoa(old.ID), ""); r.status != 204 {
			t.Fatal(r.status)
		}
		cutoff := e.svc.Now().Add(time.Millisecond)
		time.Sleep(2 * time.Millisecond)
		young := e.addPhoto("{item}", testimage.JPEG(31, 30))
		if r := e.req("owner", "DELETE", "/api/v1/photos/"+itoa(young.ID), ""); r.status != 204 {
			t.Fatal(r.status)
		}
		if _, err := e.svc.PurgeTrashedBefore(t.Context(), shelf.System("test"), cutoff, 0, nil); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE id = ?`, old.ID); n != 0 {
			t.Error("the expired photo is still there")
		}
		if n := e.count(`SELECT count(*) FROM photos WHERE id = ?`, young.ID); n != 1 {
			t.Error("the photo trashed after the cutoff was purged")
		}
		if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'photo.purge' AND entity_id = ?`, old.ID); n != 1 {
			t.Errorf("photo.purge events: %d, want 1", n)
		}
		if removed, _, err := e.svc.RemoveQueuedFiles(t.Context(), 0); err != nil || removed != 1 || e.files.Has(old.SHA256) || !e.files.Has(young.SHA256) {
			t.Errorf("removal: %d (%v); old file there %v, young file there %v", removed, err, e.files.Has(old.SHA256), e.files.Has(young.SHA256))
		}
	})
}
