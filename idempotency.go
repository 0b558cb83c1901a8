package shelf

import "time"

// IdempotencyKeyTTL is how long Shelf remembers what a request with an
// Idempotency-Key answered: a retry within it replays that answer.
const IdempotencyKeyTTL = 24 * time.Hour

// IdempotencyInFlight is how long a first request with a key may run before
// a retry stops waiting for it (409) and runs instead: a request that died
// with its process never records its answer.
const IdempotencyInFlight = time.Minute

// MaxIdempotencyKey is the longest Idempotency-Key accepted, in bytes.
const MaxIdempotencyKey = 255

// IdempotentResponse is what the first request with an idempotency key
// answered (Status 0 while it is still running), and a hash of its body, to
// which a retry's must be equal.
type IdempotentResponse struct {
	BodyHash    string
	Status      int
	Location    string
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}
