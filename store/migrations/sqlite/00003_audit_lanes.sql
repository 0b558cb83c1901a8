-- The audit log as one hash chain per lane instead of one for the whole
-- database (the PostgreSQL migration of the same number explains lanes). On
-- SQLite one writer orders every event anyway; the layout is the same so
-- that one store and one verifier serve both engines. Events written before
-- lanes become lane 0's prefix, with seq their id and their first hash format.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN hash_format INTEGER NOT NULL DEFAULT 1;
DROP TRIGGER audit_events_no_update;
UPDATE audit_events SET seq = id;
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
CREATE UNIQUE INDEX audit_lane_seq ON audit_events (lane, seq);

CREATE TABLE audit_lanes (
    lane INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL DEFAULT 0,
    hash TEXT    NOT NULL DEFAULT ''
);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 63)
INSERT INTO audit_lanes (lane) SELECT i FROM n;
UPDATE audit_lanes
    SET seq = (SELECT coalesce(max(id), 0) FROM audit_events),
        hash = coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), '')
    WHERE lane = 0;

-- +goose StatementBegin
CREATE TRIGGER audit_events_extend_lane BEFORE INSERT ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'an audit event must extend the head of its lane')
        WHERE NOT EXISTS (SELECT 1 FROM audit_lanes
                          WHERE lane = NEW.lane AND seq = NEW.seq - 1 AND hash = NEW.prev_hash);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_advance_lane AFTER INSERT ON audit_events
BEGIN
    UPDATE audit_lanes SET seq = NEW.seq, hash = NEW.hash WHERE lane = NEW.lane;
END;
-- +goose StatementEnd
