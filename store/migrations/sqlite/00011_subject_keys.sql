-- Personal data in the audit log is sealed under a key of the person it is
-- about (see the seal package): one row per person, made with their first
-- event. No foreign key: a deleted user's events stay readable; only an
-- erasure destroys the key, and with it every copy of their personal data
-- that the append-only log holds. A key is stored as "raw:BASE64", or
-- wrapped with the master key of shelf serve --key-file ("enc1:0:…").
-- key_check holds a value sealed with that master key, so that a server
-- started without it, or with another, refuses to start.
-- erased_subjects records every erasure (ids only; ids are never reused):
-- started_at when it began, erased_at once it finished, so that an
-- interrupted erasure is finished, and so that a restored backup can be
-- shredded again.

-- +goose Up
CREATE TABLE subject_keys (
    user_id    INTEGER PRIMARY KEY,
    key        TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE key_check (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value TEXT NOT NULL
);
CREATE TABLE erased_subjects (
    user_id    INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    erased_at  TEXT
);

-- +goose Down
DROP TABLE erased_subjects;
DROP TABLE key_check;
DROP TABLE subject_keys;
