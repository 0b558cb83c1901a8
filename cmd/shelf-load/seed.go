package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// seedInfo is what a seeded database holds for the load.
type seedInfo struct {
	userID          int64
	firstID, lastID int64 // the load user's live items, oldest to newest
}

// seedUser finds the load user, or adds them with the default password.
func seedUser(ctx context.Context, db *store.DB, svc *service.Service, email string) (int64, bool, error) {
	var u shelf.User
	err := db.Read(ctx, func(tx *store.Tx) error {
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
// is missing through the store's bulk seeding, and returns the range of
// their ids. An existing database (--db) is reused as it is.
func seedItems(ctx context.Context, db *store.DB, svc *service.Service, n int, out io.Writer) (seedInfo, error) {
	uid, _, err := seedUser(ctx, db, svc, defaultEmail)
	if err != nil {
		return seedInfo{}, fmt.Errorf("seed the load user: %w", err)
	}
	info := seedInfo{userID: uid}
	have, _, _, err := db.LiveItemRange(ctx, uid)
	if err != nil {
		return info, err
	}
	if missing := n - have; missing > 0 {
		start := time.Now()
		err := db.SeedItems(ctx, uid, missing, time.Now(), func(done int) {
			fmt.Fprintf(out, "seeded %d of %d items (%.1fs)\n", done, missing, time.Since(start).Seconds())
		})
		if err != nil {
			return info, err
		}
	}
	if _, info.firstID, info.lastID, err = db.LiveItemRange(ctx, uid); err != nil {
		return info, err
	}
	if info.lastID == 0 {
		return info, errors.New("the load user has no live items; raise --items")
	}
	return info, nil
}

// seedTrashed adds n items to the Trash of a separate user, trashed a year
// before now, for the retention purge to remove.
func seedTrashed(ctx context.Context, db *store.DB, svc *service.Service, n int, now time.Time, out io.Writer) error {
	uid, _, err := seedUser(ctx, db, svc, "purge@example.com")
	if err != nil {
		return err
	}
	start := time.Now()
	return db.SeedTrashedItems(ctx, uid, n, now.Add(-400*24*time.Hour), now.Add(-365*24*time.Hour), func(done int) {
		fmt.Fprintf(out, "seeded %d of %d trashed items (%.1fs)\n", done, n, time.Since(start).Seconds())
	})
}
