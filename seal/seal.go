// Package seal encrypts personal data for the audit log, each person's under
// a key of their own, so that destroying that key erases the data from every
// event at once while the events themselves, and their hash chain, stay as
// they were stored (crypto-shredding). It uses AES-256-GCM from the standard
// library. A sealed value is text, "enc1:SUBJECT:BASE64", where SUBJECT is
// the id of the person whose key sealed it, so a reader knows which key
// opens it; the field's name is the additional data, so a value sealed as
// one field cannot be passed off as another.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeySize is the size of every key: AES-256.
const KeySize = 32

// prefix starts every sealed value.
const prefix = "enc1:"

// ErrNotSealed is what Open returns for a value that Seal did not write.
var ErrNotSealed = errors.New("seal: not a sealed value")

// NewKey returns a fresh random key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on the platforms Go supports
	}
	return k
}

func aead(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: a key has %d bytes, want %d", len(key), KeySize)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Seal encrypts plaintext under the subject's key, bound to field.
func Seal(key []byte, subject int64, field, plaintext string) (string, error) {
	g, err := aead(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := g.Seal(nonce, nonce, []byte(plaintext), []byte(field))
	return prefix + strconv.FormatInt(subject, 10) + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Subject returns the id of the person whose key sealed v, and false when v
// is not sealed (plain text written before Shelf sealed personal data, or a
// value that names no person).
func Subject(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return 0, false
	}
	id, _, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}

// Open decrypts a value that Seal wrote for field with key.
func Open(key []byte, field, v string) (string, error) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return "", ErrNotSealed
	}
	_, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", ErrNotSealed
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", ErrNotSealed
	}
	g, err := aead(key)
	if err != nil {
		return "", err
	}
	if len(ct) < g.NonceSize() {
		return "", ErrNotSealed
	}
	pt, err := g.Open(nil, ct[:g.NonceSize()], ct[g.NonceSize():], []byte(field))
	if err != nil {
		return "", fmt.Errorf("seal: %s does not open with this key: %w", field, err)
	}
	return string(pt), nil
}

// Wrap encrypts a subject key under the master key (from shelf serve
// --key-file), for storing in the database; Unwrap reverses it.
func Wrap(master, key []byte) (string, error) {
	return Seal(master, 0, "subject key", string(key))
}

// Unwrap decrypts a key that Wrap wrapped. A wrong master key fails.
func Unwrap(master []byte, wrapped string) ([]byte, error) {
	if !strings.HasPrefix(wrapped, prefix+"0:") {
		return nil, ErrNotSealed
	}
	k, err := Open(master, "subject key", wrapped)
	return []byte(k), err
}

// IsWrapped reports whether a stored key was wrapped with a master key.
func IsWrapped(stored string) bool { return strings.HasPrefix(stored, prefix+"0:") }
