package service

import (
	"context"
	"fmt"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/store"
)

// FileRemovalBatch is how many queued files one removal transaction takes.
// The files are unlinked within it and their removal made durable with one
// sync of the file system before it commits, so a batch costs about one
// fsync however many files it takes.
const FileRemovalBatch = 100

// QueueFileRemovals is the one way into the file-removal queue for any use
// case that deletes photo rows: within the transaction that deletes them,
// it queues their files, which RemoveQueuedFiles takes away after the
// commit, once no row names them. Purges of items do it themselves
// (purgeItemPhotos); a use case that deletes photo rows otherwise (an
// erasure, a background job) calls this with their hashes.
func (s *Service) QueueFileRemovals(ctx context.Context, tx *store.Tx, hashes []string) error {
	now := s.Now()
	for _, h := range hashes {
		if err := tx.QueueFileRemoval(ctx, h, now, now); err != nil {
			return err
		}
	}
	return nil
}

// FileRemovalsQueued is signalled after a commit queued files for removal,
// so that the worker takes them at once rather than at its next tick. It is
// nil when the service has no directory of files.
func (s *Service) FileRemovalsQueued() <-chan struct{} {
	if s.photos == nil {
		return nil
	}
	return s.photos.kick
}

// filesQueued tells the worker that a commit queued files.
func (s *Service) filesQueued() {
	if s.photos == nil {
		return
	}
	select {
	case s.photos.kick <- struct{}{}:
	default:
	}
}

// RemoveQueuedFiles works through up to limit due file removals: a file
// that no photo row names (live or in the Trash) is removed from the
// directory, and either way its entry leaves the queue. It returns how many
// files it removed and how many entries it took.
//
// A crash after a file is removed but before the commit leaves its entry
// queued; the next run finds the file gone, which is no error. On
// PostgreSQL two workers take different entries (SKIP LOCKED), and a
// removal and an upload of the same file take the file's lock in turn.
func (s *Service) RemoveQueuedFiles(ctx context.Context, limit int) (removed, taken int, err error) {
	files, err := s.filesDir()
	if err != nil {
		return 0, 0, err
	}
	if limit <= 0 {
		limit = FileRemovalBatch
	}
	// note: in three steps, so that no transaction waits for the disk: the
	// files are unlinked under their locks in one transaction, their
	// removal is made durable after it commits, and only then do their
	// entries leave the queue, unless an upload queued them again meanwhile.
	// A crash before the last step leaves the entries to be done again.
	var entries []store.QueuedFile
	var unlinked []string
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		removed, unlinked = 0, nil
		var err error
		if entries, err = tx.QueuedFileRemovals(ctx, s.Now(), limit); err != nil {
			return err
		}
		for _, q := range entries {
			gone, err := unlinkUnreferenced(ctx, tx, files, q.SHA256)
			if err != nil {
				return err
			}
			if gone {
				removed++
				unlinked = append(unlinked, q.SHA256)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if err := files.Sync(unlinked); err != nil {
		return 0, 0, err
	}
	if len(entries) == 0 {
		return 0, 0, nil
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		for _, q := range entries {
			if err := tx.DoneFileRemovalIfSame(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return removed, len(entries), nil
}

// removeUnreferenced removes the file of hash, durably, within tx and under
// its lock, if no photo row names it, and reports whether it did.
func removeUnreferenced(ctx context.Context, tx *store.Tx, files *filestore.Dir, hash string) (bool, error) {
	gone, err := unlinkUnreferenced(ctx, tx, files, hash)
	if err != nil || !gone {
		return gone, err
	}
	return true, files.Sync([]string{hash})
}

// unlinkUnreferenced is removeUnreferenced without the sync, for a batch
// that syncs once for all its files.
func unlinkUnreferenced(ctx context.Context, tx *store.Tx, files *filestore.Dir, hash string) (bool, error) {
	if !filestore.ValidHash(hash) {
		return false, nil
	}
	if err := tx.LockFile(ctx, hash); err != nil {
		return false, err
	}
	named, err := tx.FileReferenced(ctx, hash)
	if err != nil || named {
		return false, err
	}
	// note: removed before the commit, but after the commit that dropped
	// the last row naming it; this transaction only holds the file's lock,
	// so that no upload names the file while it goes.
	return true, files.Unlink(hash)
}

// removeIfUnreferenced removes the file of hash in a transaction of its
// own if no row names it.
func (s *Service) removeIfUnreferenced(ctx context.Context, hash string) (bool, error) {
	files, err := s.filesDir()
	if err != nil {
		return false, err
	}
	var gone bool
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		gone, err = removeUnreferenced(ctx, tx, files, hash)
		return err
	})
	return gone, err
}

// purgePhotoBatch purges, in one transaction, up to limit photos that were
// trashed on their own before a time, each with its audit event, and queues
// their files; it returns how many it purged.
func (s *Service) purgePhotoBatch(ctx context.Context, a shelf.Actor, owner *int64, before time.Time, limit int, reason, why string) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		ids, err := tx.PhotosTrashedBefore(ctx, owner, before, limit)
		if err != nil {
			return err
		}
		var photos []shelf.Photo
		var owners []int64
		for _, id := range ids {
			p, err := tx.LockPhoto(ctx, id)
			if shelf.ErrorCode(err) == shelf.ENOTFOUND || (err == nil && !p.Trashed()) {
				continue // restored or purged meanwhile
			}
			if err != nil {
				return err
			}
			// note: a legal hold on the item or its owner keeps its
			// photos too, as it keeps the item.
			if holds, err := tx.HoldsOnItem(ctx, p.ItemID, p.OwnerID, 1); err != nil {
				return err
			} else if len(holds) > 0 {
				continue
			}
			photos = append(photos, p)
			owners = append(owners, p.OwnerID)
		}
		// note: the events go to their owners' audit lanes; take them all,
		// lowest first, as an item purge batch does.
		if err := tx.LockAuditLanes(ctx, owners...); err != nil {
			return err
		}
		for _, p := range photos {
			ok, err := tx.PurgePhoto(ctx, p.ID)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := s.QueueFileRemovals(ctx, tx, []string{p.SHA256}); err != nil {
				return err
			}
			snap := map[string]any{"photo": snapPhoto(p)}
			if reason != "" {
				snap["reason"] = reason
			}
			if err := s.audit(ctx, tx, a, p.OwnerID, shelf.ActionPhotoPurge, "photo", p.ID, p.Cohort,
				fmt.Sprintf("Deleted a photo forever (%s)", why), snap); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		counted(s.count.purges, "photo", n)
		s.filesQueued()
	}
	return n, nil
}

// purgePhotosBefore purges, in bounded batches, every photo trashed on its
// own before a time (one owner's, or everyone's when owner is nil).
func (s *Service) purgePhotosBefore(ctx context.Context, a shelf.Actor, owner *int64, before time.Time, reason, why string) (int, error) {
	total := 0
	for {
		n, err := s.purgePhotoBatch(ctx, a, owner, before, DefaultPurgeBatch, reason, why)
		total += n
		if err != nil || n < DefaultPurgeBatch {
			return total, err
		}
	}
}

// fileRemovalLock names the lock that keeps the file-removal worker to one
// instance at a time.
const fileRemovalLock = 0x5e1f_0002

// DrainFileRemovals works through everything due in the removal queue, in
// batches, then removes the temporary files older than the upload grace;
// it is run by at most one instance at a time: ran is false, and nothing is
// removed, while another instance runs it.
func (s *Service) DrainFileRemovals(ctx context.Context) (removed, taken int, ran bool, err error) {
	files, err := s.filesDir()
	if err != nil {
		return 0, 0, false, err
	}
	ran, err = s.db.Exclusive(ctx, fileRemovalLock, func() error {
		for {
			r, n, err := s.RemoveQueuedFiles(ctx, FileRemovalBatch)
			removed += r
			taken += n
			if err != nil {
				return err
			}
			if n < FileRemovalBatch {
				// note: temporary files that a crash left half-written;
				// a younger one may be an upload on another instance.
				_, err := files.SweepTemp(s.photos.grace)
				return err
			}
		}
	})
	return removed, taken, ran, err
}
