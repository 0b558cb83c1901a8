-- The wake-up NOTIFY moves out of the transactions that write audit events:
-- Shelf sends it after their commit, from a transaction of its own (see
-- store/notify.go). PostgreSQL lets one notifying transaction commit at a
-- time on the whole server, and holds that lock until the commit is on
-- disk, so the trigger made every write that audited queue behind every
-- other, whatever its audit lane.

-- +goose Up
DROP TRIGGER audit_events_notify ON audit_events;
DROP FUNCTION audit_events_notify();
