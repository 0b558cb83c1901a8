package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenRetry is how long listenPostgres waits before it connects again.
const listenRetry = time.Second

// listenPostgres LISTENs on channel over a connection of its own (a pooled
// connection cannot wait for notifications), calling fn after every
// notification but those whose payload is self, and after every
// (re)connection, until ctx ends.
func listenPostgres(ctx context.Context, dsn, channel, self string, fn func()) error {
	for {
		err := listenOnce(ctx, dsn, channel, self, fn)
		if ctx.Err() != nil {
			return nil
		}
		_ = err // note: the caller's readers poll meanwhile; connect again
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(listenRetry):
		}
	}
}

func listenOnce(ctx context.Context, dsn, channel, self string, fn func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	fn() // note: what committed while nobody listened
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if self == "" || n.Payload != self {
			fn()
		}
	}
}
