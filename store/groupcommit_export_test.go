package store

import "time"

// SetBatchWork sets how long a write batch of db keeps taking new writes,
// so that a test's writes meet in one batch however slow the machine (or
// the race detector) is. Call it before any write.
func SetBatchWork(db *DB, d time.Duration) {
	if db.group != nil {
		db.group.maxWork = d
	}
}
