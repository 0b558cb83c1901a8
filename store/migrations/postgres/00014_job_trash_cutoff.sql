-- An emptied Trash's job hides the items it will purge by its cutoff rather
-- than by marking each one: the job row alone (owner, trashed_before) takes
-- them out of the Trash while it is queued or running, so the request that
-- starts a job over 100,000 items writes one row, not 100,000. Items a hold
-- covers stay in view; a failed job's items show again by themselves.

-- +goose Up
ALTER TABLE jobs ADD COLUMN trashed_before TEXT;
CREATE INDEX jobs_emptying ON jobs (owner_id, trashed_before) WHERE kind = 'empty_trash' AND state IN ('queued', 'running');

-- +goose Down
DROP INDEX jobs_emptying;
ALTER TABLE jobs DROP COLUMN trashed_before;
