package filestore

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system that holds dir with one syncfs call, which
// costs what one fsync does, however many files changed.
func syncFS(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return true, fmt.Errorf("filestore: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return true, fmt.Errorf("filestore: syncfs: %w", err)
	}
	return true, nil
}
