package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"shelf"
	"shelf/filestore"
	"shelf/service"
)

// filesFlag adds the --files flag of the commands that touch photo files.
func filesFlag(fs *flag.FlagSet) *string {
	return fs.String("files", "", "directory of photo files (default: shelf-files beside an SQLite database, or in the working directory)")
}

// filesDir opens the directory of photo files: dir, or by default
// shelf-files beside an SQLite database file (in the working directory for
// PostgreSQL).
func filesDir(dsn, dir string) (*filestore.Dir, error) {
	if dir == "" {
		dir = "shelf-files"
		if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
			dir = filepath.Join(filepath.Dir(path), "shelf-files")
		}
	}
	d, err := filestore.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--files %s: %w", dir, err)
	}
	return d, nil
}

// cmdFiles runs `shelf files check [--fix]`.
func cmdFiles(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usageError{"usage: shelf files check [--fix] [--db DSN] [--files DIR]"}
	}
	fs := env.flags("files check")
	dsn := dbFlag(fs)
	dir := filesFlag(fs)
	fix := fs.Bool("fix", false, "remove the files that no row names and the photo rows whose file is missing")
	if err := env.parse(fs, args[1:]); err != nil {
		return err
	}
	files, err := filesDir(*dsn, *dir)
	if err != nil {
		return err
	}
	svc, closeDB, err := openService(ctx, *dsn, service.WithFiles(files))
	if err != nil {
		return err
	}
	defer closeDB()
	rep, err := svc.CheckFiles(ctx, shelf.System("files-check-"+service.NewRequestID()), *fix)
	for _, h := range rep.Unreferenced {
		fmt.Fprintf(env.stdout, "unreferenced file %s%s\n", h, fixed(*fix))
	}
	for _, p := range rep.Strays {
		fmt.Fprintf(env.stdout, "stray file %s\n", p)
	}
	for _, h := range rep.Missing {
		fmt.Fprintf(env.stdout, "missing file %s (named by %d photo rows)%s\n", h.SHA256, h.Rows, fixed(*fix))
	}
	if err != nil {
		return err
	}
	problems := len(rep.Unreferenced) + len(rep.Missing)
	fmt.Fprintf(env.stdout, "%d files checked, %d photo rows' files checked: %d problems, %d stray files", rep.Files, rep.Hashes, problems, len(rep.Strays))
	if *fix {
		fmt.Fprintf(env.stdout, ", %d fixed", rep.Fixed)
	}
	fmt.Fprintln(env.stdout)
	if problems > rep.Fixed {
		return errProblems
	}
	return nil
}

// errProblems ends a check that found problems it did not repair.
var errProblems = errors.New("the photo files and the database disagree; run shelf files check --fix")

func fixed(on bool) string {
	if on {
		return " (fixed)"
	}
	return ""
}
