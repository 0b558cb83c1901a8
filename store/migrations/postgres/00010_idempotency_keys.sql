-- Idempotency keys: what the first request with a key answered, so that a
-- retry with the same key and body replays it instead of acting twice. In the
-- database, so that any instance can replay what another answered. status is
-- 0 while the first request is still running.

-- +goose Up
CREATE TABLE idempotency_keys (
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    route        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    body_hash    TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    location     TEXT,
    content_type TEXT,
    body         BYTEA,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (user_id, route, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (user_id, created_at);

-- +goose Down
DROP TABLE idempotency_keys;
