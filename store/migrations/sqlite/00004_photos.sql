-- Photos of items. The image files live in a directory outside the
-- database, named by the SHA-256 of their bytes; a row references its file
-- by that hash, and identical photos share one file, counted by the rows
-- that name it (no counter that could drift). A photo goes to the Trash on
-- its own (deleted_at, deleted_cohort) or with its item, and goes for good
-- with the item's purge (CASCADE). A file whose last row is gone is queued
-- in file_removals in the same transaction, and removed from the directory
-- only after that transaction has committed.

-- +goose Up
CREATE TABLE photos (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id        INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    sha256         TEXT    NOT NULL CHECK (length(sha256) = 64),
    content_type   TEXT    NOT NULL,
    thumb_type     TEXT    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    bytes          INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    deleted_at     TEXT,
    deleted_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    deleted_cohort TEXT,
    CHECK ((deleted_at IS NULL) = (deleted_cohort IS NULL))
);
CREATE INDEX photos_item ON photos (item_id, id);
CREATE INDEX photos_sha256 ON photos (sha256);
CREATE INDEX photos_cohort ON photos (deleted_cohort) WHERE deleted_cohort IS NOT NULL;
CREATE INDEX photos_trash_age ON photos (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX photos_deleted_by ON photos (deleted_by);

-- The durable queue of files to remove from the directory once nothing
-- references them; one instance works through it.
CREATE TABLE file_removals (
    sha256    TEXT PRIMARY KEY,
    queued_at TEXT NOT NULL
);

