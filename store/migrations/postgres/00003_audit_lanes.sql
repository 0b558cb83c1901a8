-- The audit log as one hash chain per lane instead of one for the whole
-- deployment, so that writers of different owners no longer wait for one
-- lock. An event's lane is its owner's id modulo the number of rows in
-- audit_lanes (64; lane 0 without an owner); seq numbers the lane's events
-- from 1, and each event carries the hash of the one before it in its lane.
-- A writer locks its lane's row until commit, so a lane's events commit in
-- seq (and id) order. Events written before lanes become lane 0's prefix:
-- seq is their id, and their hash keeps its format (hash_format 1), so
-- heads kept outside the database still verify.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN hash_format SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update;
UPDATE audit_events SET seq = id;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update;
ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT;
ALTER TABLE audit_events ALTER COLUMN hash_format SET DEFAULT 2;
CREATE UNIQUE INDEX audit_lane_seq ON audit_events (lane, seq);

-- Ids now come from a sequence, taken under the lane's lock.
CREATE SEQUENCE audit_events_id_seq OWNED BY audit_events.id;
SELECT setval('audit_events_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM audit_events), false);

-- One row per lane: its newest event (seq 0 and '' while it has none). The
-- row is the lane's lock, and a trigger keeps it at the lane's head.
CREATE TABLE audit_lanes (
    lane INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL DEFAULT 0,
    hash TEXT   NOT NULL DEFAULT ''
);
INSERT INTO audit_lanes (lane) SELECT generate_series(0, 63);
UPDATE audit_lanes SET seq = h.id, hash = h.hash
    FROM (SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1) AS h
    WHERE lane = 0;

-- +goose StatementBegin
CREATE FUNCTION audit_events_extend_lane() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_lanes SET seq = NEW.seq, hash = NEW.hash
        WHERE lane = NEW.lane AND seq = NEW.seq - 1 AND hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit event % does not extend the head of lane %', NEW.id, NEW.lane;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_extend_lane AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_extend_lane();
