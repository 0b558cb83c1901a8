-- +goose Up
-- The audit log is also Shelf's outbox of change events (the stream and the
-- webhooks read it). Each event now names the owner of the thing it is about,
-- so that a member hears of their own things only; events written before
-- this migration have none and reach admins' all-owner streams only.
-- SQLite has one writer, so ids commit in id order and are the stream's cursor.
ALTER TABLE audit_events ADD COLUMN owner_id INTEGER;
CREATE INDEX audit_owner_stream ON audit_events (owner_id, id);

-- +goose Down
DROP INDEX audit_owner_stream;
ALTER TABLE audit_events DROP COLUMN owner_id;
