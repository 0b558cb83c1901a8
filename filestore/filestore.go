// Package filestore keeps Shelf's photo files in a directory, named by the
// SHA-256 of their content. Every write is atomic and durable: the bytes go
// to a temporary file, which is synced, renamed into place, and its
// directory synced, so that a file that has a name is whole, and stays after
// a crash. Several instances may share one directory (a network volume).
//
// The directory knows nothing of who references a file: the database does,
// and Shelf removes a file only once no row names it (service/files.go).
package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// thumbSuffix names a file's thumbnail, stored beside it.
const thumbSuffix = ".thumb"

// tmpPrefix starts the names of files being written, in tmpDir.
const tmpPrefix = ".tmp-"

// tmpDir is the subdirectory where files are written before they are
// renamed into place: one small directory to sweep after a crash.
const tmpDir = "tmp"

// Dir is a content-addressed directory of files.
type Dir struct{ root string }

// Open returns the directory at root, creating it if it is missing.
func Open(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("filestore: no directory given")
	}
	if err := os.MkdirAll(filepath.Join(root, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return &Dir{root: abs}, nil
}

// Root is the directory's path.
func (d *Dir) Root() string { return d.root }

// ValidHash reports whether s is a SHA-256 in lower-case hex, the only names
// the directory gives or takes.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// path is where the file of hash lives: a subdirectory per first two hex
// digits keeps directories small.
func (d *Dir) path(hash string, thumb bool) string {
	p := filepath.Join(d.root, hash[:2], hash)
	if thumb {
		p += thumbSuffix
	}
	return p
}

// Put stores full and its thumbnail under hash, unless both are there
// already (content-addressed: the same hash is the same bytes). It returns
// whether it wrote anything. On any error nothing new is left behind.
func (d *Dir) Put(hash string, full, thumb []byte) (bool, error) {
	if !ValidHash(hash) {
		return false, fmt.Errorf("filestore: bad hash %q", hash)
	}
	if d.Has(hash) {
		return false, nil
	}
	sub := filepath.Join(d.root, hash[:2])
	if err := os.Mkdir(sub, 0o750); err == nil {
		if err := syncDir(d.root); err != nil {
			return false, err
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return false, fmt.Errorf("filestore: %w", err)
	}
	// note: the thumbnail first, so that a full file never stands without it.
	if err := d.writeAtomic(d.path(hash, true), thumb); err != nil {
		return false, err
	}
	if err := d.writeAtomic(d.path(hash, false), full); err != nil {
		// note: a thumbnail without its file is named by nothing; a
		// concurrent Put of the same hash that lost it finds the pair
		// incomplete under its row's lock and writes it again.
		_ = os.Remove(d.path(hash, true))
		return false, err
	}
	return true, syncDir(sub)
}

// writeAtomic writes b to a temporary file, syncs it and renames it to
// path (on the same file system). The caller syncs path's directory.
func (d *Dir) writeAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Join(d.root, tmpDir), tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("filestore: sync %s: %w", filepath.Base(dir), err)
	}
	return nil
}

// Has reports whether the file of hash and its thumbnail are both there.
func (d *Dir) Has(hash string) bool {
	if !ValidHash(hash) {
		return false
	}
	for _, thumb := range []bool{false, true} {
		if _, err := os.Stat(d.path(hash, thumb)); err != nil {
			return false
		}
	}
	return true
}

// Open opens the file of hash, or its thumbnail.
func (d *Dir) Open(hash string, thumb bool) (*os.File, error) {
	if !ValidHash(hash) {
		return nil, fs.ErrNotExist
	}
	return os.Open(d.path(hash, thumb))
}

// Remove removes the file of hash and its thumbnail, durably; a file that
// is already gone is no error.
func (d *Dir) Remove(hash string) error {
	if err := d.Unlink(hash); err != nil {
		return err
	}
	return d.Sync([]string{hash})
}

// Unlink removes the file of hash and its thumbnail without waiting for the
// removal to reach the disk; Sync, once for many, does that. A file that is
// already gone is no error.
func (d *Dir) Unlink(hash string) error {
	if !ValidHash(hash) {
		return fmt.Errorf("filestore: bad hash %q", hash)
	}
	for _, thumb := range []bool{false, true} {
		if err := os.Remove(d.path(hash, thumb)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("filestore: %w", err)
		}
	}
	return nil
}

// Sync makes the removals of the files of hashes durable: one sync of the
// whole file system where the system has it (Linux's syncfs), else a sync
// of each directory they were in.
func (d *Dir) Sync(hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	if ok, err := syncFS(d.root); ok {
		return err
	}
	seen := map[string]bool{}
	for _, h := range hashes {
		if !ValidHash(h) || seen[h[:2]] {
			continue
		}
		seen[h[:2]] = true
		if err := syncDir(filepath.Join(d.root, h[:2])); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Entry is one thing found in the directory by Walk.
type Entry struct {
	Hash string // the content hash, for a stored file; "" for anything else
	Path string // relative to the directory
}

// Walk calls fn for every stored hash (once, for the file and its
// thumbnail) and for every other file in the directory (a temporary file a
// crash left behind, a stray), which has no Hash.
func (d *Dir) Walk(fn func(Entry) error) error {
	return filepath.WalkDir(d.root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		name := de.Name()
		hash := strings.TrimSuffix(name, thumbSuffix)
		switch {
		case ValidHash(hash) && filepath.Dir(rel) == hash[:2] && name != hash:
			// a thumbnail: reported with its full file, or alone when that is
			// gone (unless fn removed both already, on the full file's turn)
			if _, err := os.Stat(d.path(hash, false)); err == nil {
				return nil
			}
			if _, err := os.Stat(p); err != nil {
				return nil
			}
			return fn(Entry{Hash: hash, Path: rel})
		case ValidHash(hash) && filepath.Dir(rel) == hash[:2]:
			return fn(Entry{Hash: hash, Path: rel})
		}
		return fn(Entry{Path: rel})
	})
}

// SweepTemp removes the temporary files older than age (a write cut short
// by a crash; a younger one may be a write in progress, on this or another
// instance) and returns how many it removed.
func (d *Dir) SweepTemp(age time.Duration) (int, error) {
	entries, err := os.ReadDir(filepath.Join(d.root, tmpDir))
	if err != nil {
		return 0, fmt.Errorf("filestore: %w", err)
	}
	n := 0
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || e.IsDir() || time.Since(fi.ModTime()) < age {
			continue
		}
		if err := os.Remove(filepath.Join(d.root, tmpDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("filestore: %w", err)
		}
		n++
	}
	return n, nil
}

// RemovePath removes a file that Walk reported without a hash.
func (d *Dir) RemovePath(rel string) error {
	p := filepath.Join(d.root, filepath.Clean(rel))
	if !strings.HasPrefix(p, d.root+string(filepath.Separator)) {
		return fmt.Errorf("filestore: %q is outside the directory", rel)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}
