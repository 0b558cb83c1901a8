-- A person's deletion of their own account (DELETE /api/v1/me, POST
-- /account/delete): the account stopped at requested_at (sessions and
-- tokens deleted, the password made unusable) and is erased at erase_at,
-- unless an admin restores it before then. password_hash keeps the
-- password the account had, so that a restore gives it back; the row goes
-- with the user. The job that starts due erasures deletes the row in the
-- transaction that records the erasure as begun, so exactly one instance
-- starts each.

-- +goose Up
CREATE TABLE account_deletions (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    requested_at  TEXT NOT NULL,
    erase_at      TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE INDEX account_deletions_due ON account_deletions (erase_at);

-- +goose Down
DROP TABLE account_deletions;
