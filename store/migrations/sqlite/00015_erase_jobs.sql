-- An erasure past the job threshold runs as a job (kind erase_user). Its
-- owner is the person being erased while it runs; its last transaction
-- deletes that person, so it first lets go of them (owner_id set to null),
-- and the finished job, with its result, outlives them. Other jobs still go
-- with their owner. SQLite cannot change a column's constraints in place,
-- so the table is built again.

-- +goose Up
CREATE TABLE jobs_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('empty_trash', 'purge_item', 'bulk_delete', 'erase_user')),
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    owner_id        INTEGER REFERENCES users (id) ON DELETE CASCADE,
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
    finished_at     TEXT,
    trashed_before  TEXT
);
INSERT INTO jobs_new (id, kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total, items_done, attempts, next_attempt_at, error, result, created_at, finished_at, trashed_before)
    SELECT id, kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total, items_done, attempts, next_attempt_at, error, result, created_at, finished_at, trashed_before FROM jobs;
-- note: dropping a table acts on the foreign keys that name it, so this
-- would set items.job_id to null: the marks are kept aside and put back,
-- and so is the id sequence (a job's id is never reused).
CREATE TEMP TABLE job_marks AS SELECT id, job_id FROM items WHERE job_id IS NOT NULL;
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
UPDATE items SET job_id = (SELECT m.job_id FROM job_marks m WHERE m.id = items.id)
    WHERE id IN (SELECT m.id FROM job_marks m JOIN jobs j ON j.id = m.job_id);
DROP TABLE job_marks;
CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_owner ON jobs (owner_id, id);
CREATE INDEX jobs_actor ON jobs (actor_id, id);
CREATE INDEX jobs_emptying ON jobs (owner_id, trashed_before) WHERE kind = 'empty_trash' AND state IN ('queued', 'running');

-- +goose Down
CREATE TABLE jobs_new (
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
    finished_at     TEXT,
    trashed_before  TEXT
);
INSERT INTO jobs_new (id, kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total, items_done, attempts, next_attempt_at, error, result, created_at, finished_at, trashed_before)
    SELECT id, kind, state, owner_id, actor_id, actor_role, request_id, reason, params, done, total, items_done, attempts, next_attempt_at, error, result, created_at, finished_at, trashed_before FROM jobs WHERE kind <> 'erase_user' AND owner_id IS NOT NULL;
-- note: dropping a table acts on the foreign keys that name it, so this
-- would set items.job_id to null: the marks are kept aside and put back,
-- and so is the id sequence (a job's id is never reused).
CREATE TEMP TABLE job_marks AS SELECT id, job_id FROM items WHERE job_id IS NOT NULL;
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
UPDATE items SET job_id = (SELECT m.job_id FROM job_marks m WHERE m.id = items.id)
    WHERE id IN (SELECT m.id FROM job_marks m JOIN jobs j ON j.id = m.job_id);
DROP TABLE job_marks;
CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_owner ON jobs (owner_id, id);
CREATE INDEX jobs_actor ON jobs (actor_id, id);
CREATE INDEX jobs_emptying ON jobs (owner_id, trashed_before) WHERE kind = 'empty_trash' AND state IN ('queued', 'running');
