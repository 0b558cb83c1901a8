package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"shelf"
	"shelf/store"
)

// ClaimIdempotencyKey begins a request that carries an Idempotency-Key,
// scoped to the actor and the route. It returns nil when the request is to
// run (first of its key, or the key's earlier answer has expired or its
// first request died), or the answer to replay when the same key came with
// the same body (compared as JSON values) within IdempotencyKeyTTL. The
// same key with another body is EKEYREUSED; while the first request still
// runs, EKEYINFLIGHT.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, a shelf.Actor, route, key string, body []byte) (*shelf.IdempotentResponse, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	if !validIdempotencyKey(key) {
		return nil, shelf.Errorf(shelf.EMALFORMED, "An Idempotency-Key is 1 to %d visible ASCII characters.", shelf.MaxIdempotencyKey)
	}
	hash := bodyHash(body)
	now := s.Now()
	var replay *shelf.IdempotentResponse
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		replay = nil
		if err := tx.DeleteIdempotencyKeysBefore(ctx, a.UserID, now.Add(-shelf.IdempotencyKeyTTL)); err != nil {
			return err
		}
		claimed, got, err := tx.ClaimIdempotencyKey(ctx, a.UserID, route, key, hash, now)
		switch {
		case err != nil:
			return err
		case claimed:
			return nil
		case got.BodyHash != hash:
			return shelf.Errorf(shelf.EKEYREUSED, "This Idempotency-Key was used with another body; use a new key for a new request.")
		case got.Status == 0 && now.Sub(got.CreatedAt) < shelf.IdempotencyInFlight:
			return &shelf.Error{Code: shelf.EKEYINFLIGHT, Blockers: []shelf.Blocker{},
				Message: "The first request with this Idempotency-Key is still running; retry in a moment."}
		case got.Status == 0:
			// note: its request never recorded an answer (its process
			// died); this one runs in its place.
			return tx.RestartIdempotencyKey(ctx, a.UserID, route, key, hash, now)
		}
		replay = &got
		return nil
	})
	return replay, err
}

// FinishIdempotencyKey records the answer of a request that claimed a key.
// A server error is not kept: the key is released, so a retry runs again.
func (s *Service) FinishIdempotencyKey(ctx context.Context, a shelf.Actor, route, key string, res shelf.IdempotentResponse) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if res.Status >= 500 {
			return tx.DeleteIdempotencyKey(ctx, a.UserID, route, key)
		}
		return tx.SaveIdempotentResponse(ctx, a.UserID, route, key, res)
	})
}

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > shelf.MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// bodyHash hashes a body as a JSON value, so that spacing and the order of
// an object's keys do not make two equal bodies differ; a body that is not
// JSON is hashed as it is.
func bodyHash(body []byte) string {
	canon := body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if b, err := json.Marshal(v); err == nil {
			canon = append([]byte("json:"), b...)
		}
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}
