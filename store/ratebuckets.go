package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// TakeToken takes one token of key's bucket (rate tokens a second, up to
// burst) in one statement, outside any transaction: PostgreSQL's row lock
// on the bucket makes instances that take from it at once queue for a
// moment, so none can spend a token another has spent. It reports false and
// how long until a token is there when there is none. Only PostgreSQL keeps
// buckets in the database.
func (db *DB) TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (bool, float64, time.Duration, error) {
	at := now.UnixMicro()
	// note: an instance whose clock is behind must not take tokens back, so
	// the time since the last take is never negative.
	var left float64
	err := db.write.QueryRowContext(ctx, `INSERT INTO rate_buckets AS b (key, tokens, at) VALUES ($1, $2 - 1, $3)
		ON CONFLICT (key) DO UPDATE SET
			tokens = LEAST($2, b.tokens + GREATEST(0, $3 - b.at) / 1e6 * $4) - 1,
			at = GREATEST(b.at, $3)
		WHERE LEAST($2, b.tokens + GREATEST(0, $3 - b.at) / 1e6 * $4) >= 1
		RETURNING tokens`, key, burst, at, rate).Scan(&left)
	if err == nil {
		return true, left, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, 0, db.dialect.mapErr(err)
	}
	var tokens float64
	var last int64
	if err := db.write.QueryRowContext(ctx, `SELECT tokens, at FROM rate_buckets WHERE key = $1`, key).Scan(&tokens, &last); err != nil {
		return false, 0, 0, db.dialect.mapErr(err)
	}
	tokens = min(burst, tokens+float64(max(0, at-last))/1e6*rate)
	return false, tokens, time.Duration((1 - tokens) / rate * float64(time.Second)), nil
}
