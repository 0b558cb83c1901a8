package service

// HashStats reports how many password hashes (checks and new passwords)
// ran since the last ResetHashStats, and the most that ran at once.
func HashStats() (run, peak int64) { return hashes.run.Load(), hashes.peak.Load() }

// ResetHashStats starts the counts of HashStats afresh.
func ResetHashStats() { hashes.run.Store(0); hashes.peak.Store(0) }

// HashSlots is how many password checks may run at once.
var HashSlots = hashSlots

// WithUnsealedAudit makes the service store the personal data of audit
// events in plain text, as Shelf did before it sealed them; the benchmarks
// measure what sealing costs against it. Tests only.
func WithUnsealedAudit() Option { return func(s *Service) { s.unsealed = true } }
