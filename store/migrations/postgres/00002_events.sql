-- +goose Up
-- The audit log is also Shelf's outbox of change events (the stream and the
-- webhooks read it). Each event now names the owner of the thing it is about,
-- so that a member hears of their own things only; events written before
-- this migration have none and reach admins' all-owner streams only.
ALTER TABLE audit_events ADD COLUMN owner_id BIGINT;

-- The transaction that wrote each event. Ids are not committed in id order
-- on PostgreSQL (two transactions take ids, the higher one commits first), so
-- a reader that asked for "id > last" could pass over an event that commits
-- late. Readers instead take only events whose transaction is older than every
-- transaction still running (pg_snapshot_xmin of the current snapshot), in
-- (xid, id) order: nothing can commit behind that line any more, whatever
-- locks or lanes the writers use. Older rows get 0, and so sort first.
ALTER TABLE audit_events ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE audit_events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX audit_stream ON audit_events (xid, id);
CREATE INDEX audit_owner_stream ON audit_events (owner_id, xid, id);

-- A wake-up for the instances that follow the log: NOTIFY is delivered after
-- commit (never for a rolled-back transaction), and the notifications of one
-- transaction fold into one. Listeners read the rows; the payload is empty.
-- +goose StatementBegin
CREATE FUNCTION audit_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shelf_events', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_notify();

-- +goose Down
DROP TRIGGER audit_events_notify ON audit_events;
DROP FUNCTION audit_events_notify();
DROP INDEX audit_owner_stream;
DROP INDEX audit_stream;
ALTER TABLE audit_events DROP COLUMN xid;
ALTER TABLE audit_events DROP COLUMN owner_id;
