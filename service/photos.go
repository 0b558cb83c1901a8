package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/imaging"
	"shelf/store"
)

// photoSetup is what the photo use cases need besides the database: the
// directory of files, the bound on decodes in flight, and the wake-up of the
// file-removal worker.
type photoSetup struct {
	files   *filestore.Dir
	decodes chan struct{}
	kick    chan struct{}
	grace   time.Duration
}

// DefaultUploadGrace is how long the file of an upload whose row never
// committed (the process died between the two) stays before it is removed,
// and how old a temporary file must be before it is.
const DefaultUploadGrace = 10 * time.Minute

// WithUploadGrace sets the upload grace (DefaultUploadGrace otherwise); it
// must come after WithFiles.
func WithUploadGrace(d time.Duration) Option {
	return func(s *Service) {
		if s.photos != nil && d > 0 {
			s.photos.grace = d
		}
	}
}

// MaxDecodes bounds how many uploaded images are decoded at once: a decoded
// photo of 40 megapixels takes up to 160 MB, so the server's memory is its
// budget plus this many decoded images.
const MaxDecodes = 1

// WithFiles gives the service a directory to keep photo files in; without
// one, photo uploads answer EUNAVAILABLE.
func WithFiles(dir *filestore.Dir) Option {
	return func(s *Service) {
		s.photos = &photoSetup{files: dir, decodes: make(chan struct{}, MaxDecodes), kick: make(chan struct{}, 1), grace: DefaultUploadGrace}
	}
}

func (s *Service) filesDir() (*filestore.Dir, error) {
	if s.photos == nil {
		return nil, shelf.Errorf(shelf.EUNAVAILABLE, "Photos are not set up on this server.")
	}
	return s.photos.files, nil
}

// PhotoSource opens an uploaded file; the web layer reads it from the
// request, and its errors (a wrong field, a wrong media type) pass through.
// It is called only once the item is known to take another photo.
type PhotoSource func() (io.Reader, error)

// errFileGone is what an upload's transaction returns when the file it
// wrote was removed (as unreferenced) before the row could name it; the
// upload then writes the file again.
var errFileGone = errors.New("photo file removed before its row committed")

func tooManyPhotos(it shelf.Item) error {
	return shelf.Restricted(shelf.EPHOTOLIMIT, fmt.Sprintf("“%s” has %d photos, the most an item may have; delete one first.", it.Name, shelf.MaxPhotosPerItem),
		[]shelf.Blocker{shelf.NewBlocker(shelf.BlockItem, it.ID, it.Name)})
}

// AddPhoto adds a photo to a live item. The upload is read only after the
// item is found and has room; its content decides whether it is an image
// (not its name); it is re-encoded, which drops its metadata, and written
// to the directory, durably, before the row that names it commits.
func (s *Service) AddPhoto(ctx context.Context, a shelf.Actor, itemID int64, open PhotoSource) (shelf.Photo, error) {
	if err := requireUser(a); err != nil {
		return shelf.Photo{}, err
	}
	files, err := s.filesDir()
	if err != nil {
		return shelf.Photo{}, err
	}
	if err := s.db.Read(ctx, func(tx *store.Tx) error {
		it, err := peekItem(ctx, tx, a, itemID, false)
		if err != nil {
			return err
		}
		if n, err := tx.CountItemPhotos(ctx, it.ID); err != nil {
			return err
		} else if n >= shelf.MaxPhotosPerItem {
			return tooManyPhotos(it)
		}
		return nil
	}); err != nil {
		return shelf.Photo{}, err
	}
	r, err := open()
	if err != nil {
		return shelf.Photo{}, err
	}
	b, err := io.ReadAll(io.LimitReader(r, shelf.MaxPhotoBytes+1))
	if err != nil {
		return shelf.Photo{}, err
	}
	if len(b) > shelf.MaxPhotoBytes {
		return shelf.Photo{}, shelf.Errorf(shelf.EPHOTOSIZE, "The photo is larger than %d MiB.", shelf.MaxPhotoBytes>>20)
	}
	img, err := s.processPhoto(ctx, b)
	if err != nil {
		return shelf.Photo{}, err
	}
	sum := sha256.Sum256(img.Full)
	p := shelf.Photo{ItemID: itemID, SHA256: hex.EncodeToString(sum[:]), ContentType: img.FullType, ThumbType: img.ThumbType,
		Width: img.Width, Height: img.Height, Bytes: int64(len(img.Full)), CreatedAt: s.Now()}
	for attempt := 1; ; attempt++ {
		// note: the file is queued for removal before it is written, due
		// after the grace, and taken off the queue by the commit of its
		// row: a crash between the write and that commit leaves no file
		// that nothing names. (Again on each attempt: the removal that made
		// an attempt fail took the entry.)
		if err := s.db.Write(ctx, func(tx *store.Tx) error {
			now := s.Now()
			return tx.QueueFileRemoval(ctx, p.SHA256, now, now.Add(s.photos.grace))
		}); err != nil {
			return shelf.Photo{}, err
		}
		wrote, err := files.Put(p.SHA256, img.Full, img.Thumb)
		if err != nil {
			return shelf.Photo{}, storageError(err)
		}
		var saved shelf.Photo
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			it, err := visibleItem(ctx, tx, a, itemID, false)
			if err != nil {
				return err
			}
			if n, err := tx.CountItemPhotos(ctx, it.ID); err != nil {
				return err
			} else if n >= shelf.MaxPhotosPerItem {
				return tooManyPhotos(it)
			}
			if err := tx.LockFile(ctx, p.SHA256); err != nil {
				return err
			}
			if !files.Has(p.SHA256) {
				return errFileGone
			}
			if saved, err = tx.InsertPhoto(ctx, p); err != nil {
				return err
			}
			saved.OwnerID = it.OwnerID
			return tx.DoneFileRemoval(ctx, p.SHA256)
		})
		if errors.Is(err, errFileGone) && attempt < 3 {
			continue
		}
		if err != nil && wrote {
			// note: the file this upload wrote may now be named by no row;
			// take it away again (under the file's lock, so a row that
			// names it meanwhile keeps it). Should this fail too, `shelf
			// files check --fix` finds the file.
			_, _ = s.removeIfUnreferenced(context.WithoutCancel(ctx), p.SHA256)
		}
		return saved, err
	}
}

// processPhoto decodes and re-encodes an upload, with at most MaxDecodes
// decodes in flight across the process.
func (s *Service) processPhoto(ctx context.Context, b []byte) (imaging.Result, error) {
	select {
	case s.photos.decodes <- struct{}{}:
	case <-ctx.Done():
		return imaging.Result{}, ctx.Err()
	}
	defer func() { <-s.photos.decodes }()
	img, err := imaging.Process(b, shelf.MaxPhotoPixels, shelf.ThumbSize)
	switch {
	case errors.Is(err, imaging.ErrUnsupported):
		return img, shelf.Errorf(shelf.ENOTIMAGE, "Upload a JPEG, PNG or WebP image; this file is none of them.")
	case errors.Is(err, imaging.ErrTooManyPixels):
		return img, shelf.Errorf(shelf.EPHOTOSIZE, "The image has more than %d megapixels.", shelf.MaxPhotoPixels/1_000_000)
	case errors.Is(err, imaging.ErrCorrupt):
		return img, shelf.Invalid(map[string]string{"file": "The image is damaged or incomplete."})
	}
	return img, err
}

// storageError turns a failure to write a file into what a user may see:
// a full disk (or quota) is ESTORAGEFULL.
func storageError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return &shelf.Error{Code: shelf.ESTORAGEFULL, Message: "There is no room left to store the photo.", Err: err}
	}
	return err
}

// ItemPhotos returns the live photos of a live item the actor may see.
func (s *Service) ItemPhotos(ctx context.Context, a shelf.Actor, itemID int64) ([]shelf.Photo, error) {
	return listOfItem(ctx, s, a, itemID, func(tx *store.Tx, itemID int64) ([]shelf.Photo, error) {
		// note: a little over the limit, so that photos restored past it by
		// an older version are still shown.
		return tx.ItemPhotos(ctx, itemID, 2*shelf.MaxPhotosPerItem)
	})
}

// Photo returns a photo the actor may see: of their own item (any, for an
// admin), live or in the Trash.
func (s *Service) Photo(ctx context.Context, a shelf.Actor, id int64) (shelf.Photo, error) {
	if err := requireUser(a); err != nil {
		return shelf.Photo{}, err
	}
	var p shelf.Photo
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		p, err = visible(ctx, a, "Photo", id, tx.Photo, photoOwner, nil)
		return err
	})
	return p, err
}

// OpenPhoto returns a photo the actor may see and its file opened (the
// thumbnail when thumb is set), with the file's media type.
func (s *Service) OpenPhoto(ctx context.Context, a shelf.Actor, id int64, thumb bool) (shelf.Photo, *os.File, string, error) {
	files, err := s.filesDir()
	if err != nil {
		return shelf.Photo{}, nil, "", err
	}
	p, err := s.Photo(ctx, a, id)
	if err != nil {
		return shelf.Photo{}, nil, "", err
	}
	f, err := files.Open(p.SHA256, thumb)
	if err != nil {
		return shelf.Photo{}, nil, "", fmt.Errorf("photo %d: file %s: %w", p.ID, p.SHA256, err)
	}
	if thumb {
		return p, f, p.ThumbType, nil
	}
	return p, f, p.ContentType, nil
}

// photoSnapshot is what audit events keep of a photo: its hash and size,
// never its bytes.
type photoSnapshot struct {
	ID          int64  `json:"id"`
	ItemID      int64  `json:"item_id"`
	SHA256      string `json:"sha256"`
	Bytes       int64  `json:"bytes"`
	ContentType string `json:"content_type"`
	Trashed     bool   `json:"trashed,omitempty"`
}

func snapPhoto(p shelf.Photo) photoSnapshot {
	return photoSnapshot{p.ID, p.ItemID, p.SHA256, p.Bytes, p.ContentType, p.Trashed()}
}

// TrashPhoto moves a photo of a live item to the Trash, with the item's
// rules: the file stays, and the returned cohort undoes it.
func (s *Service) TrashPhoto(ctx context.Context, a shelf.Actor, id int64) (shelf.Photo, string, error) {
	if err := requireUser(a); err != nil {
		return shelf.Photo{}, "", err
	}
	cohort := s.newCohort()
	var trashed shelf.Photo
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		p, err := visible(ctx, a, "Photo", id, tx.LockPhoto, photoOwner, func(p shelf.Photo) bool { return !p.Trashed() })
		if err != nil {
			return err
		}
		it, err := visibleItem(ctx, tx, a, p.ItemID, false)
		if shelf.ErrorCode(err) == shelf.ENOTFOUND {
			return notFound("Photo") // its item is in the Trash: so is the photo, for now
		} else if err != nil {
			return err
		}
		ok, err := tx.TrashPhoto(ctx, p.ID, a.UserID, s.Now(), cohort)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("Photo")
		}
		trashed = p
		return s.audit(ctx, tx, a, p.OwnerID, shelf.ActionPhotoTrash, "photo", p.ID, cohort,
			fmt.Sprintf("Moved a photo of “%s” to the Trash", it.Name), map[string]any{"photo": snapPhoto(p)})
	})
	if err != nil {
		return shelf.Photo{}, "", err
	}
	counted(s.count.deletes, "photo_trash", 1)
	return trashed, cohort, nil
}

// restoreCohortPhotos brings back, within tx, the photos that one delete
// request trashed. A photo whose item has no room left stays in the Trash
// and is reported as a conflict.
func (s *Service) restoreCohortPhotos(ctx context.Context, tx *store.Tx, a shelf.Actor, cohort string) ([]shelf.Photo, []shelf.BulkBlocker, error) {
	photos, err := tx.CohortPhotos(ctx, cohort, ownerScope(a, true))
	if err != nil {
		return nil, nil, err
	}
	var restored []shelf.Photo
	var conflicts []shelf.BulkBlocker
	for _, p := range photos {
		n, err := tx.CountItemPhotos(ctx, p.ItemID)
		if err != nil {
			return nil, nil, err
		}
		if n >= shelf.MaxPhotosPerItem {
			// note: the item, which has no room left, is what keeps the
			// photo in the Trash.
			it, err := tx.Item(ctx, p.ItemID)
			if err != nil {
				return nil, nil, err
			}
			conflicts = append(conflicts, shelf.BulkBlocker{Blocker: shelf.NewBlocker(shelf.BlockItem, it.ID, it.Name), ItemID: it.ID})
			continue
		}
		ok, err := tx.RestorePhoto(ctx, p.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if err := s.audit(ctx, tx, a, p.OwnerID, shelf.ActionPhotoRestore, "photo", p.ID, cohort,
			"Restored a photo from the Trash", map[string]any{"photo": snapPhoto(p)}); err != nil {
			return nil, nil, err
		}
		p.DeletedAt, p.DeletedBy, p.Cohort = nil, nil, ""
		restored = append(restored, p)
	}
	return restored, conflicts, nil
}

// purgeItemPhotos, within the transaction that purges an item, queues the
// files of its photos for removal (they go after the commit, once no row
// names them) and returns what the purge's audit event keeps of them.
func (s *Service) purgeItemPhotos(ctx context.Context, tx *store.Tx, itemID int64) ([]photoSnapshot, error) {
	photos, err := tx.AllItemPhotos(ctx, itemID, snapshotCap)
	if err != nil {
		return nil, err
	}
	if len(photos) == 0 {
		return []photoSnapshot{}, nil
	}
	if err := tx.QueueItemFiles(ctx, itemID, s.Now()); err != nil {
		return nil, err
	}
	snaps := make([]photoSnapshot, len(photos))
	for i, p := range photos {
		snaps[i] = snapPhoto(p)
	}
	return snaps, nil
}

// TrashedPhotos returns up to limit of the photos in the actor's Trash on
// their own (their item live), most recently trashed first; an admin may
// ask for everyone's.
func (s *Service) TrashedPhotos(ctx context.Context, a shelf.Actor, allOwners bool, limit int) ([]shelf.Photo, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	var photos []shelf.Photo
	err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
		var err error
		photos, err = tx.TrashedPhotos(ctx, ownerScope(a, allOwners), limit)
		return err
	})
	return photos, err
}
