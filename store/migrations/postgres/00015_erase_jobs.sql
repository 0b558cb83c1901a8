-- An erasure past the job threshold runs as a job (kind erase_user). Its
-- owner is the person being erased while it runs; its last transaction
-- deletes that person, so it first lets go of them (owner_id set to null),
-- and the finished job, with its result, outlives them. Other jobs still go
-- with their owner.

-- +goose Up
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('empty_trash', 'purge_item', 'bulk_delete', 'erase_user'));
ALTER TABLE jobs ALTER COLUMN owner_id DROP NOT NULL;

-- +goose Down
DELETE FROM jobs WHERE kind = 'erase_user' OR owner_id IS NULL;
ALTER TABLE jobs ALTER COLUMN owner_id SET NOT NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('empty_trash', 'purge_item', 'bulk_delete'));
