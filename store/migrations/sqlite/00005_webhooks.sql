-- +goose Up
-- A webhook follows the event log from its own cursor: it is sent the next
-- event after the cursor that it asked for, and the cursor moves on only
-- once that event is delivered (or given up on), so events reach it in
-- order and survive restarts. attempt counts the failed tries of that next
-- event; lease_until keeps other workers and instances off while one sends.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    all_owners      INTEGER NOT NULL DEFAULT 0,
    secret          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    disabled_at     TEXT,
    event_cursor    TEXT    NOT NULL,
    attempt         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    lease_until     TEXT
);
CREATE INDEX webhooks_owner ON webhooks (owner_id);

-- Every attempt to deliver an event, for the webhook's owner to read.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    status          INTEGER,
    error           TEXT,
    at              TEXT    NOT NULL,
    next_attempt_at TEXT
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
