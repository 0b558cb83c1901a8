package shelf

import (
	"encoding/json"
	"time"
)

// A job's kinds: the deletions that run in the background once they are
// too big for one request (SPEC §7, "Jobs").
const (
	JobEmptyTrash = "empty_trash" // emptying a Trash
	JobPurgeItem  = "purge_item"  // deleting one item forever
	JobBulkDelete = "bulk_delete" // moving many items to the Trash
	JobErase      = "erase_user"  // erasing a person
)

// A job's states. A job is queued until a batch of it has run, running
// until it ends done or failed; a failed job can be retried by an admin.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// DefaultJobThreshold is how many rows (items, notes and loans together; ids
// for a bulk delete) a deletion may remove before it runs as a job.
const DefaultJobThreshold = 10_000

// Job is a deletion that runs in bounded batches in the background: what it
// does, how far it has come, and, once it has ended, its outcome. Done and
// Total count rows (items, notes and loans; ids for a bulk delete).
type Job struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	State      string          `json:"state"`
	Done       int64           `json:"done"`
	Total      int64           `json:"total"`
	CreatedAt  time.Time       `json:"created_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Error      *string         `json:"error"`
	Result     json.RawMessage `json:"result"`
	// OwnerID is whose things the job deletes (for an erasure, the person
	// erased, and 0 once they are); ActorID who asked for it (0 once that
	// user is gone, or when Shelf itself did).
	OwnerID int64 `json:"-"`
	ActorID int64 `json:"-"`
}

// Finished reports whether the job has ended, done or failed.
func (j Job) Finished() bool { return j.State == JobDone || j.State == JobFailed }

// JobPage is one page of a list of jobs, newest first.
type JobPage struct {
	Jobs []Job
	Next string
}

// EraseResult is the outcome of erasing a person: whom, and how many of
// their items were deleted with them. It is a finished erasure job's result;
// the synchronous call answers 204 without it.
type EraseResult struct {
	ErasedUser int64 `json:"erased_user"`
	Purged     int64 `json:"purged"`
	// Job, when the person's rows were too many for one request, is the
	// job that erases them; the rest is then in its result.
	Job *Job `json:"-"`
}
