-- Shelf's schema for SQLite. The foreign-key actions here are the deletion
-- rules of the product: notes and loans go with a purged item (CASCADE), a
-- deleted category leaves its items uncategorised (SET NULL), and a user who
-- still owns items cannot be deleted (RESTRICT).
-- AUTOINCREMENT everywhere: an id, once purged, never names anything else.

-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
    created_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email COLLATE NOCASE);

CREATE TABLE categories (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name     TEXT    NOT NULL
);
CREATE UNIQUE INDEX categories_owner_name ON categories (owner_id, name COLLATE NOCASE);

CREATE TABLE items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    category_id    INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    name           TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    quantity       INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 0),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    deleted_at     TEXT,
    deleted_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    deleted_cohort TEXT,
    CHECK ((deleted_at IS NULL) = (deleted_cohort IS NULL))
);
-- Names are unique per owner among live items only, so a trashed name can be reused.
CREATE UNIQUE INDEX items_live_name ON items (owner_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;
-- Keyset pagination of live items (newest first) and of the Trash.
CREATE INDEX items_live_page ON items (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_all ON items (id) WHERE deleted_at IS NULL;
CREATE INDEX items_trash_page ON items (owner_id, deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX items_trash_age ON items (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX items_cohort ON items (deleted_cohort) WHERE deleted_cohort IS NOT NULL;
CREATE INDEX items_category ON items (category_id);
CREATE INDEX items_deleted_by ON items (deleted_by);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT    NOT NULL CHECK (body <> ''),
    created_at TEXT    NOT NULL
);
CREATE INDEX notes_item ON notes (item_id, id);
CREATE INDEX notes_author ON notes (author_id);

CREATE TABLE loans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    borrower    TEXT    NOT NULL,
    lent_at     TEXT    NOT NULL,
    due_at      TEXT,
    returned_at TEXT
);
CREATE INDEX loans_item ON loans (item_id, id);
CREATE INDEX loans_active ON loans (item_id) WHERE returned_at IS NULL;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Sessions live in the database so that any instance can serve any request;
-- a deleted user's sessions go with them. Only a hash of the cookie is kept.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    flash        TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The audit log outlives what it records: no foreign keys, and the database
-- itself refuses to change or remove a row.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    action      TEXT    NOT NULL,
    entity_type TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    cohort      TEXT    NOT NULL DEFAULT '',
    summary     TEXT    NOT NULL,
    snapshot    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL DEFAULT '',
    remote_addr TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_actor ON audit_events (actor_id, id);
CREATE INDEX audit_action ON audit_events (action, id);
CREATE INDEX audit_entity ON audit_events (entity_type, entity_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
