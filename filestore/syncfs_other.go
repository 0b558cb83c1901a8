//go:build !linux

package filestore

// syncFS reports that the system has no syncfs; Sync syncs each directory.
func syncFS(string) (bool, error) { return false, nil }
