-- Jobs: deletions too big for one request (SPEC §7, "Jobs"). A job row is
-- written in the same transaction that marks the items it will delete
-- (items.job_id), so the items leave their owner's view at once and a crash
-- never leaves them half-gone and unowned by a job. The job then works
-- through its items in batches; a job that fails hands what is left back
-- (job_id set to null again), so nothing is lost or orphaned. Params hold
-- what a retry needs to take the items again; result is the body the
-- synchronous call would have answered.

-- +goose Up
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('empty_trash', 'purge_item', 'bulk_delete')),
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_role      TEXT    NOT NULL,
    request_id      TEXT    NOT NULL DEFAULT '',
    reason          TEXT    NOT NULL DEFAULT '',
    params          TEXT    NOT NULL DEFAULT '{}',
    done            INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    items_done      INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    error           TEXT,
    result          TEXT,
    created_at      TEXT    NOT NULL,
    finished_at     TEXT
);
CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_owner ON jobs (owner_id, id);
CREATE INDEX jobs_actor ON jobs (actor_id, id);

ALTER TABLE items ADD COLUMN job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL;
CREATE INDEX items_job ON items (job_id, id) WHERE job_id IS NOT NULL;

-- +goose Down
DROP INDEX items_job;
ALTER TABLE items DROP COLUMN job_id;
DROP TABLE jobs;
