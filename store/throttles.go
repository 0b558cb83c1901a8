package store

import (
	"context"
	"slices"
	"time"
)

// Limit is one key of a throttle and the most attempts it may have in a
// window.
type Limit struct {
	Key string
	Max int
}

// ReserveAttempts counts one attempt against every limit, in one step, if
// none of them is used up in its window (a window older than window starts
// afresh); otherwise it counts nothing and says how long until the longest
// blocked window ends. Rows are locked in key order, so that instances
// reserving the same keys at once queue instead of both passing.
func (t *Tx) ReserveAttempts(ctx context.Context, limits []Limit, now time.Time, window time.Duration) (bool, time.Duration, error) {
	limits = slices.Clone(limits)
	slices.SortFunc(limits, func(a, b Limit) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	nowMS, windowMS := now.UnixMilli(), window.Milliseconds()
	type state struct{ attempts, start int64 }
	states := make([]state, len(limits))
	var wait time.Duration
	for i, l := range limits {
		if _, err := t.exec(ctx, `INSERT INTO login_attempts (key, attempts, window_start) VALUES (?, 0, ?)
			ON CONFLICT (key) DO NOTHING`, l.Key, nowMS); err != nil {
			return false, 0, err
		}
		var st state
		if err := t.queryRow(ctx, []any{&st.attempts, &st.start},
			`SELECT attempts, window_start FROM login_attempts WHERE key = ?`+t.d.forUpdate(), l.Key); err != nil {
			return false, 0, err
		}
		if nowMS-st.start >= windowMS {
			st = state{0, nowMS}
		}
		if st.attempts >= int64(l.Max) {
			wait = max(wait, time.Duration(st.start+windowMS-nowMS)*time.Millisecond)
		}
		states[i] = st
	}
	if wait > 0 {
		return false, wait, nil
	}
	for i, l := range limits {
		if _, err := t.exec(ctx, `UPDATE login_attempts SET attempts = ?, window_start = ? WHERE key = ?`,
			states[i].attempts+1, states[i].start, l.Key); err != nil {
			return false, 0, err
		}
	}
	return true, 0, nil
}

// GiveBackAttempt uncounts one attempt of key, one that turned out not to
// count (it succeeded, or was never made).
func (t *Tx) GiveBackAttempt(ctx context.Context, key string) error {
	_, err := t.exec(ctx, `UPDATE login_attempts SET attempts = attempts - 1 WHERE key = ? AND attempts > 0`, key)
	return err
}

// ClearAttempts forgets every attempt of key.
func (t *Tx) ClearAttempts(ctx context.Context, key string) error {
	_, err := t.exec(ctx, `DELETE FROM login_attempts WHERE key = ?`, key)
	return err
}

// DeleteAttemptsBefore forgets the windows that started before a time, and
// returns how many.
func (t *Tx) DeleteAttemptsBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM login_attempts WHERE window_start < ?`, before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
