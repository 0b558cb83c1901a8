package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/internal/testimage"
	"shelf/service"
)

// TestCLIFilesCheck: `shelf files check` finds both kinds of mismatch, a
// file that no row names and a row whose file is missing, exits 1, and
// changes nothing; with --fix it removes the file, deletes the row (with a
// photo.purge audit event) and an old temporary file, and a second check is
// clean. The photo whose file is there is left alone throughout.
func TestCLIFilesCheck(t *testing.T) {
	dsn, path := tempDB(t)
	dir := filepath.Join(filepath.Dir(path), "shelf-files") // the default
	files, err := filestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, closeDB := openDB(t, dsn)
	svc := service.New(db, service.WithFiles(files))
	ctx := t.Context()
	u, err := svc.AddUser(ctx, service.NewUser{Email: "ann@example.com", Name: "Ann", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	ann := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "test"}
	it, err := svc.CreateItem(ctx, ann, shelf.ItemInput{Name: "Camera", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	add := func(img []byte) shelf.Photo {
		p, err := svc.AddPhoto(ctx, ann, it.ID, func() (io.Reader, error) { return bytes.NewReader(img), nil })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	kept, lost := add(testimage.JPEG(50, 40)), add(testimage.JPEG(60, 40))
	closeDB()
	if err := files.Remove(lost.SHA256); err != nil { // the file of a row goes missing
		t.Fatal(err)
	}
	orphan := sha256.Sum256([]byte("nobody names me"))
	orphanHash := hex.EncodeToString(orphan[:])
	if _, err := files.Put(orphanHash, []byte("nobody names me"), []byte("thumb")); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp", ".tmp-crashed")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, nil, "", "files", "check", "--db", dsn)
	r.wantExit(t, 1, "files check with problems")
	for _, want := range []string{"unreferenced file " + orphanHash, "missing file " + lost.SHA256 + " (named by 1 photo rows)", "stray file tmp/.tmp-crashed",
		"2 problems"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("files check output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, kept.SHA256) {
		t.Errorf("files check reports the photo that is whole:\n%s", r.stdout)
	}
	if !files.Has(orphanHash) {
		t.Fatal("files check without --fix removed a file")
	}

	r = runCLI(t, nil, "", "files", "check", "--fix", "--db", dsn)
	r.wantExit(t, 0, "files check --fix")
	if !strings.Contains(r.stdout, "3 fixed") {
		t.Errorf("files check --fix output:\n%s", r.stdout)
	}
	if files.Has(orphanHash) {
		t.Error("--fix left the unreferenced file")
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Error("--fix left the old temporary file")
	}
	if !files.Has(kept.SHA256) {
		t.Error("--fix removed the file of a whole photo")
	}
	check := openCheck(t, dsn)
	var rows, events int
	if err := check.DB.SQL().QueryRow(`SELECT count(*) FROM photos WHERE id = ?`, lost.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	// note: snapshots are sealed in the database; the service opens them.
	err = check.Svc.ExportAudit(t.Context(), time.Time{}, func(e shelf.AuditEvent) error {
		if e.Action == shelf.ActionPhotoPurge && e.EntityID == lost.ID && strings.Contains(string(e.Snapshot), lost.SHA256) {
			events++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != 0 || events != 1 {
		t.Errorf("row of the missing file: %d left, %d photo.purge events; want 0 and 1", rows, events)
	}

	r = runCLI(t, nil, "", "files", "check", "--db", dsn)
	r.wantExit(t, 0, "files check after --fix")
	if !strings.Contains(r.stdout, "0 problems") {
		t.Errorf("second check:\n%s", r.stdout)
	}
	runCLI(t, nil, "", "files", "nonsense").wantExit(t, 2, "files with an unknown subcommand")
}
