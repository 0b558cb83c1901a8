package main

import (
	"context"
	"fmt"

	"shelf/store"
)

// cmdMigrate applies pending migrations and exits.
func cmdMigrate(ctx context.Context, env cmdEnv, args []string) error {
	fs := env.flags("migrate")
	dsn := dbFlag(fs)
	if err := env.parse(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(env.stdout, "The database is up to date.")
	} else {
		fmt.Fprintf(env.stdout, "Applied %d migrations.\n", n)
	}
	return nil
}
