-- +goose Up
-- Login throttles live in the database, so that a limit holds for the whole
-- deployment, however many instances serve it: attempts per key ("acct:" and
-- the email, "addr:" and the client's address) in a fixed window. An attempt
-- is counted before its password is hashed, and given back if it succeeds.
CREATE TABLE login_attempts (
    key          TEXT    PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    window_start BIGINT  NOT NULL -- Unix milliseconds
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- Token buckets of the per-user rate limit of destructive requests, where
-- several instances share one database; SQLite, served by one process, keeps
-- them in memory. Unlogged: taking a token writes no WAL, so it costs no
-- flush to disk (a durable commit here costs milliseconds), and after a crash
-- the buckets simply start full again.
CREATE UNLOGGED TABLE rate_buckets (
    key    TEXT             PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at     BIGINT           NOT NULL -- Unix microseconds
);

-- +goose Down
DROP TABLE rate_buckets;
DROP TABLE login_attempts;
