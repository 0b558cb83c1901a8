package service

import (
	"context"
	"fmt"
	"time"

	"shelf"
	"shelf/filestore"
	"shelf/store"
)

// FilesReport is what CheckFiles found, and with fix, repaired.
type FilesReport struct {
	Files        int           // stored files seen in the directory
	Hashes       int           // distinct files that photo rows name
	Unreferenced []string      // files that no photo row names
	Strays       []string      // other files in the directory (paths)
	Missing      []MissingFile // files that rows name but the directory lacks
	Fixed        int           // problems repaired (with fix)
}

// MissingFile is a file that photo rows name and the directory lacks.
type MissingFile struct {
	SHA256 string
	Rows   int
}

// strayTempAge is how old a temporary file must be before a repair removes
// it: a younger one may be an upload being written.
const strayTempAge = time.Hour

// CheckFiles compares the directory of photo files with the photo rows,
// both ways: files that no row names, and rows whose file is missing. With
// fix it removes the unreferenced files (under each file's lock, so that an
// upload naming it meanwhile keeps it), temporary files left by a crash,
// and the rows of missing files (each with a photo.purge audit event).
// Only an admin or Shelf itself may run it.
func (s *Service) CheckFiles(ctx context.Context, a shelf.Actor, fix bool) (FilesReport, error) {
	var rep FilesReport
	if err := requireAdmin(a); err != nil {
		return rep, err
	}
	files, err := s.filesDir()
	if err != nil {
		return rep, err
	}
	err = files.Walk(func(e filestore.Entry) error {
		if e.Hash == "" {
			rep.Strays = append(rep.Strays, e.Path)
			return nil
		}
		rep.Files++
		var named bool
		if err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
			var err error
			named, err = tx.FileReferenced(ctx, e.Hash)
			return err
		}); err != nil {
			return err
		}
		if named {
			return nil
		}
		rep.Unreferenced = append(rep.Unreferenced, e.Hash)
		if fix {
			gone, err := s.removeIfUnreferenced(ctx, e.Hash)
			if err != nil {
				return err
			}
			if gone {
				rep.Fixed++
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if fix {
		n, err := files.SweepTemp(strayTempAge)
		rep.Fixed += n
		if err != nil {
			return rep, err
		}
	}
	for after := ""; ; {
		var hashes []string
		if err := s.db.ReadOne(ctx, func(tx *store.Tx) error {
			var err error
			hashes, err = tx.PhotoHashes(ctx, after, 500)
			return err
		}); err != nil {
			return rep, err
		}
		for _, h := range hashes {
			rep.Hashes++
			if files.Has(h) {
				continue
			}
			n, err := s.dropRowsOfMissingFile(ctx, a, files, h, fix)
			if err != nil {
				return rep, err
			}
			rep.Missing = append(rep.Missing, MissingFile{SHA256: h, Rows: n})
			if fix && n > 0 {
				rep.Fixed++
			}
		}
		if len(hashes) < 500 {
			return rep, nil
		}
		after = hashes[len(hashes)-1]
	}
}

// dropRowsOfMissingFile counts the photo rows that name a missing file and,
// with fix, deletes them, each with its audit event, in one transaction.
func (s *Service) dropRowsOfMissingFile(ctx context.Context, a shelf.Actor, files *filestore.Dir, hash string, fix bool) (int, error) {
	var n int
	write := s.db.Read
	if fix {
		write = s.db.Write
	}
	err := write(ctx, func(tx *store.Tx) error {
		n = 0
		if fix {
			if err := tx.LockFile(ctx, hash); err != nil {
				return err
			}
			if files.Has(hash) {
				return nil // written again meanwhile
			}
		}
		photos, err := tx.PhotosNamed(ctx, hash, shelf.ImpactCap)
		if err != nil {
			return err
		}
		n = len(photos)
		if !fix {
			return nil
		}
		for _, p := range photos {
			if _, err := tx.DeletePhoto(ctx, p.ID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a, p.OwnerID, shelf.ActionPhotoPurge, "photo", p.ID, p.Cohort,
				fmt.Sprintf("Deleted photo %d, whose file was missing (files check)", p.ID), map[string]any{"photo": snapPhoto(p)}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
