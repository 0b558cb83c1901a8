-- Legal holds. A hold names a user (all their items) or one item; while it
-- stands, nothing it covers is deleted for good. RESTRICT makes the schema
-- itself refuse to purge a held item or delete a held user, whatever the
-- code above it does; releasing a hold deletes its row (the audit log keeps
-- hold.place and hold.release).

-- +goose Up
CREATE TABLE holds (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    item_id    INTEGER REFERENCES items (id) ON DELETE RESTRICT,
    reason     TEXT    NOT NULL CHECK (reason <> ''),
    placed_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT    NOT NULL,
    CHECK ((user_id IS NULL) <> (item_id IS NULL))
);
CREATE INDEX holds_user ON holds (user_id);
CREATE INDEX holds_item ON holds (item_id);
CREATE INDEX holds_placed_by ON holds (placed_by);

-- +goose Down
DROP TABLE holds;
