package store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"time"

	"shelf"
)

// photoColumns are a photo's columns, with its item's owner (photos are
// always read joined to their item, p and i).
const photoColumns = `p.id, p.item_id, p.sha256, p.content_type, p.thumb_type, p.width, p.height, p.bytes,
	p.created_at, p.deleted_at, p.deleted_by, p.deleted_cohort, i.owner_id`

func scanPhoto(s interface{ Scan(...any) error }) (shelf.Photo, error) {
	var p shelf.Photo
	err := s.Scan(&p.ID, &p.ItemID, &p.SHA256, &p.ContentType, &p.ThumbType, &p.Width, &p.Height, &p.Bytes,
		timeCol{&p.CreatedAt}, nullTimeCol{&p.DeletedAt}, nullInt{&p.DeletedBy}, nullString{&p.Cohort}, &p.OwnerID)
	return p, err
}

// InsertPhoto stores a new live photo of an item.
func (t *Tx) InsertPhoto(ctx context.Context, p shelf.Photo) (shelf.Photo, error) {
	err := t.queryRow(ctx, []any{&p.ID},
		`INSERT INTO photos (item_id, sha256, content_type, thumb_type, width, height, bytes, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.ItemID, p.SHA256, p.ContentType, p.ThumbType, p.Width, p.Height, p.Bytes, ts(p.CreatedAt))
	return p, err
}

// Photo returns a photo, live or trashed, or ENOTFOUND.
func (t *Tx) Photo(ctx context.Context, id int64) (shelf.Photo, error) {
	rows, err := t.query(ctx, `SELECT `+photoColumns+` FROM photos p JOIN items i ON i.id = p.item_id WHERE p.id = ?`, id)
	if err != nil {
		return shelf.Photo{}, err
	}
	return one(rows, scanPhoto)
}

// LockPhoto returns a photo and, on engines with row locks, holds its row
// until commit.
func (t *Tx) LockPhoto(ctx context.Context, id int64) (shelf.Photo, error) {
	q := `SELECT ` + photoColumns + ` FROM photos p JOIN items i ON i.id = p.item_id WHERE p.id = ?`
	if t.d.forUpdate() != "" {
		q += ` FOR UPDATE OF p`
	}
	rows, err := t.query(ctx, q, id)
	if err != nil {
		return shelf.Photo{}, err
	}
	return one(rows, scanPhoto)
}

// ItemPhotos returns an item's live photos, oldest first (at most limit).
func (t *Tx) ItemPhotos(ctx context.Context, itemID int64, limit int) ([]shelf.Photo, error) {
	rows, err := t.query(ctx, `SELECT `+photoColumns+` FROM photos p JOIN items i ON i.id = p.item_id
		WHERE p.item_id = ? AND p.deleted_at IS NULL ORDER BY p.id LIMIT ?`, itemID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// AllItemPhotos returns up to limit of an item's photos, live and trashed,
// for the before-image of its purge.
func (t *Tx) AllItemPhotos(ctx context.Context, itemID int64, limit int) ([]shelf.Photo, error) {
	rows, err := t.query(ctx, `SELECT `+photoColumns+` FROM photos p JOIN items i ON i.id = p.item_id
		WHERE p.item_id = ? ORDER BY p.id LIMIT ?`, itemID, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// CountItemPhotos counts an item's live photos.
func (t *Tx) CountItemPhotos(ctx context.Context, itemID int64) (int, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM photos WHERE item_id = ? AND deleted_at IS NULL`, itemID)
	return n, err
}

// TrashPhoto moves a live photo to the Trash and reports whether it did.
func (t *Tx) TrashPhoto(ctx context.Context, id, by int64, at time.Time, cohort string) (bool, error) {
	var byArg any
	if by != 0 {
		byArg = by
	}
	res, err := t.exec(ctx, `UPDATE photos SET deleted_at = ?, deleted_by = ?, deleted_cohort = ?
		WHERE id = ? AND deleted_at IS NULL`, ts(at), byArg, cohort, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// RestorePhoto brings a trashed photo back and reports whether it did.
func (t *Tx) RestorePhoto(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `UPDATE photos SET deleted_at = NULL, deleted_by = NULL, deleted_cohort = NULL
		WHERE id = ? AND deleted_at IS NOT NULL`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// CohortPhotos returns the trashed photos of one delete request, locked. A
// nil owner takes everyone's.
func (t *Tx) CohortPhotos(ctx context.Context, cohort string, owner *int64) ([]shelf.Photo, error) {
	q := `SELECT ` + photoColumns + ` FROM photos p JOIN items i ON i.id = p.item_id
		WHERE p.deleted_cohort = ? AND p.deleted_at IS NOT NULL`
	args := []any{cohort}
	if owner != nil {
		q += ` AND i.owner_id = ?`
		args = append(args, *owner)
	}
	q += ` ORDER BY p.id`
	if t.d.forUpdate() != "" {
		q += ` FOR UPDATE OF p`
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// TrashedPhotos returns up to limit of the photos in the Trash on their own
// (their item is live), most recently trashed first. A nil owner lists
// everyone's.
func (t *Tx) TrashedPhotos(ctx context.Context, owner *int64, limit int) ([]shelf.Photo, error) {
	q := `SELECT ` + photoColumns + ` FROM photos p JOIN items i ON i.id = p.item_id
		WHERE p.deleted_at IS NOT NULL AND i.deleted_at IS NULL`
	var args []any
	if owner != nil {
		q += ` AND i.owner_id = ?`
		args = append(args, *owner)
	}
	args = append(args, limit)
	rows, err := t.query(ctx, q+` ORDER BY p.deleted_at DESC, p.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// PhotosTrashedBefore returns up to limit ids of photos trashed on their
// own before a time that no hold covers, oldest first, locked (SKIP LOCKED,
// like items). A nil owner takes everyone's.
func (t *Tx) PhotosTrashedBefore(ctx context.Context, owner *int64, before time.Time, limit int) ([]int64, error) {
	q := `SELECT id FROM photos WHERE deleted_at IS NOT NULL AND deleted_at < ?
		AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.item_id = photos.item_id)
		AND NOT EXISTS (SELECT 1 FROM holds h JOIN items i ON i.owner_id = h.user_id WHERE i.id = photos.item_id)`
	args := []any{ts(before)}
	if owner != nil {
		q += ` AND item_id IN (SELECT id FROM items WHERE owner_id = ?)`
		args = append(args, *owner)
	}
	args = append(args, limit)
	rows, err := t.query(ctx, q+` ORDER BY deleted_at, id LIMIT ?`+t.d.skipLocked(), args...)
	if err != nil {
		return nil, err
	}
	return all(rows, scanID)
}

func scanID(s interface{ Scan(...any) error }) (int64, error) {
	var id int64
	err := s.Scan(&id)
	return id, err
}

// PurgePhoto deletes a trashed photo's row for good and reports whether it
// did. Its file stays until the removal queue finds no row naming it.
func (t *Tx) PurgePhoto(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM photos WHERE id = ? AND deleted_at IS NOT NULL`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// QueueItemFiles queues the files of all an item's photos for removal, due
// at once, in one statement; call it in the transaction that purges the
// item, before the purge cascades to the photos.
func (t *Tx) QueueItemFiles(ctx context.Context, itemID int64, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO file_removals (sha256, queued_at, due_at)
		SELECT DISTINCT sha256, ?, ? FROM photos WHERE item_id = ?`+requeue, ts(at), ts(at), itemID)
	return err
}

// requeue is what queueing a hash already queued does: the entry takes the
// new queued_at (so that a worker that read the old one leaves it queued)
// and the earlier of the two due times.
const requeue = ` ON CONFLICT (sha256) DO UPDATE SET queued_at = excluded.queued_at,
	due_at = CASE WHEN excluded.due_at < file_removals.due_at THEN excluded.due_at ELSE file_removals.due_at END`

// QueueFileRemoval queues one file for removal once no row names it, due at
// a time (an earlier time wins over a later one already queued).
func (t *Tx) QueueFileRemoval(ctx context.Context, sha string, at, due time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO file_removals (sha256, queued_at, due_at) VALUES (?, ?, ?)`+requeue,
		sha, ts(at), ts(due))
	return err
}

// QueuedFile is one entry of the file-removal queue.
type QueuedFile struct {
	SHA256   string
	QueuedAt string // as stored: DoneFileRemovalIfSame compares it
}

// QueuedFileRemovals returns up to limit entries due for removal at now,
// oldest first, locked; on PostgreSQL another worker skips them (SKIP
// LOCKED).
func (t *Tx) QueuedFileRemovals(ctx context.Context, now time.Time, limit int) ([]QueuedFile, error) {
	rows, err := t.query(ctx, `SELECT sha256, queued_at FROM file_removals WHERE due_at <= ? ORDER BY due_at, sha256 LIMIT ?`+t.d.skipLocked(), ts(now), limit)
	if err != nil {
		return nil, err
	}
	return all(rows, func(s interface{ Scan(...any) error }) (QueuedFile, error) {
		var q QueuedFile
		err := s.Scan(&q.SHA256, &q.QueuedAt)
		return q, err
	})
}

// DoneFileRemovalIfSame takes an entry off the queue unless it was queued
// again since it was read (its queued_at changed).
func (t *Tx) DoneFileRemovalIfSame(ctx context.Context, q QueuedFile) error {
	_, err := t.exec(ctx, `DELETE FROM file_removals WHERE sha256 = ? AND queued_at = ?`, q.SHA256, q.QueuedAt)
	return err
}

func scanString(s interface{ Scan(...any) error }) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// DoneFileRemoval takes a hash off the removal queue.
func (t *Tx) DoneFileRemoval(ctx context.Context, sha string) error {
	_, err := t.exec(ctx, `DELETE FROM file_removals WHERE sha256 = ?`, sha)
	return err
}

// CountFileRemovals counts the queued removals, for tests and metrics.
func (t *Tx) CountFileRemovals(ctx context.Context) (int, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM file_removals`)
	return n, err
}

// FileReferenced reports whether any photo row, live or trashed, names the
// file of sha.
func (t *Tx) FileReferenced(ctx context.Context, sha string) (bool, error) {
	var n int
	err := t.queryRow(ctx, []any{&n}, `SELECT count(*) FROM (SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1) AS r`, sha)
	return n > 0, err
}

// LockFile holds, until commit, the lock on the file of sha that an upload
// referencing it and a removal of it both take, so that a removal never
// deletes a file that a row committing at the same moment names. On SQLite,
// whose writes run one at a time, the write transaction is that lock.
func (t *Tx) LockFile(ctx context.Context, sha string) error {
	if t.d.name() != "postgres" {
		return nil
	}
	b, err := hex.DecodeString(sha[:16])
	if err != nil {
		return shelf.Errorf(shelf.EMALFORMED, "Not a file hash.")
	}
	_, err = t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(binary.BigEndian.Uint64(b)))
	return err
}

// PhotoHashes returns up to limit distinct file hashes that photo rows name,
// in order, after the given one: `shelf files check` walks them.
func (t *Tx) PhotoHashes(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT sha256 FROM photos WHERE sha256 > ? ORDER BY sha256 LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanString)
}

// PhotosNamed returns up to limit photo rows, live or trashed, that name the
// file of sha, locked.
func (t *Tx) PhotosNamed(ctx context.Context, sha string, limit int) ([]shelf.Photo, error) {
	q := `SELECT ` + photoColumns + ` FROM photos p JOIN items i ON i.id = p.item_id WHERE p.sha256 = ? ORDER BY p.id LIMIT ?`
	if t.d.forUpdate() != "" {
		q += ` FOR UPDATE OF p`
	}
	rows, err := t.query(ctx, q, sha, limit)
	if err != nil {
		return nil, err
	}
	return all(rows, scanPhoto)
}

// DeletePhoto deletes a photo's row, live or trashed, and reports whether
// it did; only a repair of a photo whose file is lost does this to a live
// photo.
func (t *Tx) DeletePhoto(ctx context.Context, id int64) (bool, error) {
	res, err := t.exec(ctx, `DELETE FROM photos WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}
