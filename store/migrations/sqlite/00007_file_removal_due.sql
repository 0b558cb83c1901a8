-- Entries of the file-removal queue are due at a time. A purge queues its
-- files due at once; an upload queues its own file first, due after a grace
-- period, and takes it off the queue when its row commits, so that a file
-- whose upload never committed (the process died in between) is removed
-- too. Entries queued before this column existed are due at once ('' sorts
-- before every time).

-- +goose Up
ALTER TABLE file_removals ADD COLUMN due_at TEXT NOT NULL DEFAULT '';
CREATE INDEX file_removals_due ON file_removals (due_at);
