package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// storeTime is the store's fixed-width UTC layout for times.
const storeTime = "2006-01-02T15:04:05.000000Z"

// seedChunk is how many rows one seeding statement inserts, so that no
// transaction grows without bound.
const seedChunk = 250_000

// seedInfo is what a seeded database holds for the load.
type seedInfo struct {
	userID          int64
	firstID, lastID int64 // the load user's live items, oldest to newest
}

// seedUser finds the load user, or adds them with the default password.
func seedUser(ctx context.Context, svc *service.Service, email string) (int64, bool, error) {
	var u shelf.User
	err := svc.DB().Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(ctx, email)
		return err
	})
	if err == nil {
		return u.ID, false, nil
	}
	if shelf.ErrorCode(err) != shelf.ENOTFOUND {
		return 0, false, err
	}
	u, err = svc.AddUser(ctx, service.NewUser{Email: email, Name: "Load", Password: defaultPassword, Role: shelf.RoleMember})
	return u.ID, true, err
}

// seedItems makes sure the load user has at least n live items, adding what
// is missing with INSERT … SELECT over a recursive CTE, and returns the range
// of their ids. An existing database (--db) is reused as it is.
func seedItems(ctx context.Context, svc *service.Service, n int, out io.Writer) (seedInfo, error) {
	db := svc.DB()
	uid, _, err := seedUser(ctx, svc, defaultEmail)
	if err != nil {
		return seedInfo{}, fmt.Errorf("seed the load user: %w", err)
	}
	info := seedInfo{userID: uid}
	have, err := liveCount(ctx, db.SQL(), uid)
	if err != nil {
		return info, err
	}
	if missing := n - have; missing > 0 {
		start := time.Now()
		now := time.Now().UTC().Format(storeTime)
		var maxID int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM items`).Scan(&maxID); err != nil {
			return info, err
		}
		for done := 0; done < missing; {
			k := min(seedChunk, missing-done)
			// note: names carry the id the row will (about) get, so they are
			// unique among the owner's live items whatever is there already.
			if _, err := db.SQL().ExecContext(ctx, `
				WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
				INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at)
				SELECT ?, printf('load item %d', ? + n), 'seeded by shelf-load', 1, 1, ?, ? FROM seq`,
				k, uid, maxID+int64(done), now, now); err != nil {
				return info, fmt.Errorf("seed items: %w", err)
			}
			done += k
			fmt.Fprintf(out, "seeded %d of %d items (%.1fs)\n", done, missing, time.Since(start).Seconds())
		}
	}
	err = db.SQL().QueryRowContext(ctx, `SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM items
		WHERE owner_id = ? AND deleted_at IS NULL`, uid).Scan(&info.firstID, &info.lastID)
	if err != nil {
		return info, err
	}
	if info.lastID == 0 {
		return info, errors.New("the load user has no live items; raise --items")
	}
	return info, nil
}

func liveCount(ctx context.Context, db *sql.DB, owner int64) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE owner_id = ? AND deleted_at IS NULL`, owner).Scan(&n)
	return n, err
}

// seedTrashed adds n items to the Trash of a separate user, trashed a year
// before now, for the retention purge to remove.
func seedTrashed(ctx context.Context, svc *service.Service, n int, now time.Time, out io.Writer) error {
	db := svc.DB()
	uid, _, err := seedUser(ctx, svc, "purge@example.com")
	if err != nil {
		return err
	}
	created := now.Add(-400 * 24 * time.Hour).UTC().Format(storeTime)
	trashed := now.Add(-365 * 24 * time.Hour).UTC()
	start := time.Now()
	for done := 0; done < n; {
		k := min(seedChunk, n-done)
		// note: one cohort per chunk, and the trash time steps by a
		// microsecond per row, so the purge meets them in id order.
		if _, err := db.SQL().ExecContext(ctx, `
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
			INSERT INTO items (owner_id, name, description, quantity, version, created_at, updated_at,
			                   deleted_at, deleted_by, deleted_cohort)
			SELECT ?, printf('old item %d', ? + n), 'trashed long ago', 1, 2, ?, ?,
			       strftime('%Y-%m-%dT%H:%M:%S', ? + (? + n) / 1000000, 'unixepoch') || printf('.%06dZ', (? + n) % 1000000),
			       ?, ? FROM seq`,
			k, uid, done, created, created, trashed.Unix(), done, done, uid,
			fmt.Sprintf("purge-load-%d", done)); err != nil {
			return fmt.Errorf("seed trashed items: %w", err)
		}
		done += k
		fmt.Fprintf(out, "seeded %d of %d trashed items (%.1fs)\n", done, n, time.Since(start).Seconds())
	}
	return nil
}
