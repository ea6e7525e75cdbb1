package load

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"dvclogin/app/web"
)

// hashRate measures argon2id at the server's parameters (web.DefaultArgon2) on every core of
// this machine for d: the most password checks a second a server here could make. It is
// measured in every run, because the machine is shared and its speed changes from one hour to
// the next; the report gives each rate as a share of it.
func hashRate(ctx context.Context, d time.Duration) (perSecond float64, cores int) {
	cores = runtime.GOMAXPROCS(0)
	p := web.DefaultArgon2
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range cores {
		wg.Go(func() {
			salt := []byte("dvclogin-load-salt-" + string(rune('a'+i)))
			for ctx.Err() == nil {
				argon2.IDKey([]byte("Demo@1234"), salt, p.Time, p.Memory, p.Threads, 32)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(t0).Seconds(), cores
}
