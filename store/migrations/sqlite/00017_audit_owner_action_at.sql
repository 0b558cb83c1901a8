-- The overview counts a person's deletions and restores per day over the
-- last 30 days from the audit log: this index reads just those events, in
-- time order, however long the log grows.

-- +goose Up
CREATE INDEX audit_owner_action_at ON audit_events (owner_id, action, at);

-- +goose Down
DROP INDEX audit_owner_action_at;
