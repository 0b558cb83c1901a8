package service_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
	"shelf/store/storetest"
)

// onEngines runs f on a fresh database of each engine.
func onEngines(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		storetest.PostgresURL(t)
		f(t, storetest.OpenPostgres(t))
	})
}

// burst runs n logins at once and counts the answers by error code.
func burst(t *testing.T, svc *service.Service, n int, login func(i int) (email, password, addr string)) map[string]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			email, password, addr := login(i)
			<-start
			_, err := svc.Login(t.Context(), email, password, addr)
			mu.Lock()
			codes[shelf.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// peakHeap samples the heap in use while f runs and returns its peak.
func peakHeap(f func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return peak.Load()
}

// TestConcurrentLoginsAreCountedBeforeHashing: parallel logins cannot pass
// the throttle together, since each is counted, in one step with the check,
// before its password is hashed; and however many logins arrive at once, no
// more passwords are hashed at a time than there are hashing slots, so
// memory stays bounded (each Argon2id hash holds 19 MiB).
func TestConcurrentLoginsAreCountedBeforeHashing(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		svc := service.New(db)
		if _, err := svc.AddUser(t.Context(), service.NewUser{Email: "ann@example.com", Name: "Ann", Password: "a long password", Role: shelf.RoleAdmin}); err != nil {
			t.Fatal(err)
		}

		// 60 wrong passwords for one account, from many addresses.
		service.ResetHashStats()
		codes := burst(t, svc, 60, func(i int) (string, string, string) {
			return "ann@example.com", fmt.Sprint("guess", i), fmt.Sprintf("198.51.100.%d", i)
		})
		run, peak := service.HashStats()
		// note: on a loaded machine a counted login may be refused as busy
		// (its count given back) rather than hashed: at most the limit is.
		if run > int64(service.LoginLimitPerAccount) || int64(codes[shelf.EUNAUTHORIZED]) != run ||
			codes[shelf.EUNAUTHORIZED]+codes[shelf.ERATELIMIT] != 60 {
			t.Errorf("60 parallel wrong passwords for one account: %v and %d hashes; want at most %d refused after hashing, the rest throttled before",
				codes, run, service.LoginLimitPerAccount)
		}
		if peak > int64(service.HashSlots) {
			t.Errorf("one account: %d hashes at once, want at most %d", peak, service.HashSlots)
		}

		// 200 unknown emails from one address.
		service.ResetHashStats()
		codes = burst(t, svc, 200, func(i int) (string, string, string) {
			return fmt.Sprintf("nobody%d@example.com", i), "guess", "203.0.113.9"
		})
		run, _ = service.HashStats()
		if run > int64(service.LoginLimitPerAddress) || int64(codes[shelf.EUNAUTHORIZED]) != run ||
			codes[shelf.EUNAUTHORIZED]+codes[shelf.ERATELIMIT] != 200 {
			t.Errorf("200 parallel unknown emails from one address: %v and %d hashes; want at most %d hashed and refused, the rest throttled",
				codes, run, service.LoginLimitPerAddress)
		}

		// 48 unknown emails, each from an address of its own: the throttle
		// lets them all through, the hashing slots bound them.
		service.ResetHashStats()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		heap := peakHeap(func() {
			codes = burst(t, svc, 48, func(i int) (string, string, string) {
				return fmt.Sprintf("spray%d@example.com", i), "guess", fmt.Sprintf("192.0.2.%d", i)
			})
		})
		run, peak = service.HashStats()
		if peak > int64(service.HashSlots) || run > 48 {
			t.Errorf("48 logins from 48 addresses: %d hashes, %d at once; want at most %d at once", run, peak, service.HashSlots)
		}
		if codes[shelf.EUNAUTHORIZED]+codes[shelf.ERATELIMIT] != 48 {
			t.Errorf("48 logins from 48 addresses: %v, want each refused (401) or busy (429)", codes)
		}
		// note: garbage of finished hashes lingers until the collector runs
		// (the heap may grow to twice what was live at the last collection,
		// and allocation goes on while it marks), so the bound is four times
		// the slots' hashes; unbounded, 48 hashes at once hold 912 MiB.
		const hashMiB = 19 << 20
		if limit := base.HeapInuse + uint64(4*service.HashSlots)*hashMiB + 16<<20; heap > limit {
			t.Errorf("48 logins at once: the heap peaked at %d MiB (from %d MiB), want at most %d MiB",
				heap>>20, base.HeapInuse>>20, limit>>20)
		}
		t.Logf("48 logins at once: %v; %d hashes, at most %d at once; heap %d → peak %d MiB", codes, run, peak, base.HeapInuse>>20, heap>>20)
	})
}

// TestLoginThrottleHoldsAcrossServices: two services on one database (two
// instances of Shelf) share the throttle; an admin can unlock an account.
func TestLoginThrottleHoldsAcrossServices(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		first, second := service.New(db), service.New(db)
		admin, err := first.AddUser(ctx, service.NewUser{Email: "ann@example.com", Name: "Ann", Password: "a long password", Role: shelf.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := first.AddUser(ctx, service.NewUser{Email: "bob@example.com", Name: "Bob", Password: "bob's long password"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range service.LoginLimitPerAccount {
			svc := []*service.Service{first, second}[i%2]
			_, err := svc.Login(ctx, "BOB@example.com", "wrong", fmt.Sprintf("198.51.100.%d", i))
			wantCode(t, err, shelf.EUNAUTHORIZED, fmt.Sprintf("wrong password %d", i))
		}
		for _, svc := range []*service.Service{first, second} {
			_, err := svc.Login(ctx, "bob@example.com", "bob's long password", "192.0.2.1")
			e := shelf.AsError(err)
			if e == nil || e.Code != shelf.ERATELIMIT || e.RetryAfter <= 0 || e.RetryAfter > service.LoginWindow {
				t.Fatalf("the right password on a locked account: %v, want %s with a RetryAfter within the window", err, shelf.ERATELIMIT)
			}
		}
		adminActor := shelf.Actor{UserID: admin.ID, Role: shelf.RoleAdmin}
		wantCode(t, second.UnlockLogins(ctx, shelf.Actor{UserID: bob.ID, Role: shelf.RoleMember}, bob.ID), shelf.EFORBIDDEN, "a member unlocking")
		wantCode(t, second.UnlockLogins(ctx, adminActor, 999999), shelf.ENOTFOUND, "unlocking a missing user")
		wantCode(t, second.UnlockLogins(ctx, adminActor, bob.ID), "", "the admin unlocking Bob")
		if _, err := first.Login(ctx, "bob@example.com", "bob's long password", "192.0.2.1"); err != nil {
			t.Fatalf("log in after the admin unlocked the account: %v", err)
		}
	})
}

// TestNewPasswordsAreHashedInSlots: passwords an admin sets from the web
// (a new user, a reset) are hashed in the same bounded slots as logins, so
// that a burst of them holds no more memory than that many logins.
func TestNewPasswordsAreHashedInSlots(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		svc := service.New(db)
		admin, err := svc.AddUser(t.Context(), service.NewUser{Email: "ada@example.com", Name: "Ada", Password: "a long password", Role: shelf.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		a := shelf.Actor{UserID: admin.ID, Role: shelf.RoleAdmin, RequestID: "test"}
		n := 3 * service.HashSlots
		service.ResetHashStats()
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = svc.CreateUser(t.Context(), a, service.NewUser{Email: fmt.Sprintf("new%d@example.com", i),
					Name: fmt.Sprint("New ", i), Password: "another long password"})
			})
			wg.Go(func() { _, errs[n+i] = svc.ResetPassword(t.Context(), a, admin.ID, "a new long password") })
		}
		wg.Wait()
		for i, err := range errs {
			if c := shelf.ErrorCode(err); c != "" && c != shelf.ERATELIMIT {
				t.Fatalf("call %d: want done or busy (429), got %v", i, err)
			}
		}
		if run, peak := service.HashStats(); run == 0 || peak > int64(service.HashSlots) {
			t.Errorf("%d new passwords at once: %d hashes, %d at once; want at most %d at once", 2*n, run, peak, service.HashSlots)
		}
	})
}
