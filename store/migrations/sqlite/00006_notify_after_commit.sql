-- Nothing changes on SQLite (it never had the NOTIFY trigger that the
-- PostgreSQL migration of this number removes); the file keeps the two
-- engines' migration numbers in step.

-- +goose Up
SELECT 1;
