-- An erasure deletes the notes a person wrote on others' items in batches
-- that each start after the last note the one before deleted: with the id
-- in the index, each batch reads its own notes and not the dead entries of
-- the batches before it.

-- +goose Up
DROP INDEX notes_author;
CREATE INDEX notes_author ON notes (author_id, id);

-- +goose Down
DROP INDEX notes_author;
CREATE INDEX notes_author ON notes (author_id);
