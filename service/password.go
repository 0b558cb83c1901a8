package service

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns a PHC-format Argon2id hash of password, counted in
// hashes.
func hashPassword(password string) (hash string) {
	hashes.count(func() { hash = phcHash(password) })
	return hash
}

// phcHash returns a PHC-format Argon2id hash of password.
func phcHash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches a hash made by hashPassword,
// comparing in constant time.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false
	}
	var got []byte
	hashes.count(func() { got = argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want))) })
	return subtle.ConstantTimeCompare(got, want) == 1
}

// hashStats counts the password hashes of this process (checks and new
// passwords): how many ran, how many run now, and the most that ever ran at
// once (what the hashing slots bound).
type hashStats struct{ run, inFlight, peak atomic.Int64 }

var hashes hashStats

// count runs one hash, fn, and counts it.
func (h *hashStats) count(fn func()) {
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	h.run.Add(1)
	for peak := h.peak.Load(); n > peak && !h.peak.CompareAndSwap(peak, n); peak = h.peak.Load() {
	}
	fn()
}

// dummyHash is checked against when a login names no user, so that unknown
// emails take as long as wrong passwords. It is made on first use, so that a
// process that never sees a failed login never pays its memory.
// (It is not counted in hashes: it is made once, not per login.)
var dummyHash = sync.OnceValue(func() string { return phcHash("not a password of anyone") })
