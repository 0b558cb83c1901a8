package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenRetry is how long listenPostgres waits before it connects again.
const listenRetry = time.Second

// listenPostgres LISTENs on channel over a connection of its own (a pooled
// connection cannot wait for notifications), calling fn with the payload of
// every notification, and with "" after every (re)connection, until ctx
// ends.
func listenPostgres(ctx context.Context, dsn, channel string, fn func(payload string)) error {
	for {
		err := listenOnce(ctx, dsn, channel, fn)
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

func listenOnce(ctx context.Context, dsn, channel string, fn func(payload string)) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	fn("") // note: what committed while nobody listened
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
