package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"shelf"
	"shelf/service"
	"shelf/store"
)

const usage = `Usage: shelf <command> [flags]

Commands:
  serve         serve Shelf over HTTP (--demo seeds an empty database)
  migrate       apply pending database migrations
  user add      add a user (the password is read from standard input)
  purge         purge the Trash of items older than the retention period
  audit export  print audit events as JSON lines
  audit verify  check that the audit log was not altered (--anchor: and
                still holds a head that an earlier verify printed)
  files check   compare the photo files with the database (--fix repairs)

Every flag can also be set with a SHELF_* environment variable
(--trash-retention is SHELF_TRASH_RETENTION); a flag wins over the variable.
Run "shelf <command> -h" for a command's flags.
`

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the whole program, with its inputs and outputs passed in, so tests
// can drive it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	env := cmdEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, env, rest)
	case "migrate":
		return cmdMigrate(ctx, env, rest)
	case "user":
		return cmdUser(ctx, env, rest)
	case "purge":
		return cmdPurge(ctx, env, rest)
	case "audit":
		return cmdAudit(ctx, env, rest)
	case "files":
		return cmdFiles(ctx, env, rest)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// cmdEnv is what a subcommand reads and writes.
type cmdEnv struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// flags returns a flag set for a subcommand that reports to stderr.
func (e cmdEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("shelf "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse sets the flags from args, then each flag not given there from its
// SHELF_* variable: a flag on the command line wins, and a variable it
// overrides is not even read.
func (e cmdEnv) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := "SHELF_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(name); v != "" {
			if setErr := fs.Set(f.Name, v); setErr != nil {
				err = usageError{fmt.Sprintf("%s: %v", name, setErr)}
			}
		}
	})
	return err
}

// errHelp ends a run that only printed help.
var errHelp = errors.New("help shown")

// exitCode prints err for a person and returns the process's exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "shelf: %s\n", ue.msg)
		return 2
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "shelf: interrupted")
		return 130
	}
	var e *shelf.Error
	if errors.As(err, &e) {
		msg := e.Message
		for field, m := range e.Fields {
			msg += fmt.Sprintf(" (%s: %s)", field, m)
		}
		fmt.Fprintf(stderr, "shelf: %s\n", msg)
		return 1
	}
	fmt.Fprintf(stderr, "shelf: %v\n", err)
	return 1
}

// dbFlag adds the --db flag every command that opens the database has.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "sqlite:shelf.db", "database: sqlite:PATH or a postgres:// URL")
}

// openService opens the database, applies pending migrations and returns the
// service over it.
func openService(ctx context.Context, dsn string, opts ...service.Option) (*service.Service, func(), error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return service.New(db, opts...), func() { db.Close() }, nil
}

// isSet reports whether a flag was set, on the command line or from its
// SHELF_* variable.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
