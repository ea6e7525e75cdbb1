package store

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRecordAttempt is one single-row write transaction (every login step records an
// attempt): the throughput of the one writer connection, committed in WAL mode with
// synchronous=NORMAL. Parallel shows that concurrent writers queue on that connection rather
// than fail with SQLITE_BUSY.
func BenchmarkRecordAttempt(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	a := Attempt{At: time.Now(), IP: "127.0.0.1", IDNumber: "001085012345", Kind: "password", Success: true}
	b.Run("Sequential", func(b *testing.B) {
		for b.Loop() {
			if err := s.RecordAttempt(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	})
	b.Run("Parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.RecordAttempt(ctx, a); err != nil {
					b.Error(err) // FailNow may not be called from a RunParallel goroutine
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	})
}

// BenchmarkSessionByHash is the session lookup every authenticated request makes, by parallel
// readers on the read pool while the table holds 10 000 live sessions.
func BenchmarkSessionByHash(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	now := time.Now()
	const n = 10_000
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = Digest("session-" + strconv.Itoa(i))
		if err := s.CreateSession(ctx, Session{IDHash: hashes[i], Kind: "idp", Subject: "c" + strconv.Itoa(i%100),
			Data: `{"auth_time":1}`, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.SessionByHash(ctx, "idp", hashes[rand.IntN(n)], now); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkPostgres runs the benchmarks above on PostgreSQL: the tests' throwaway server on a
// unix socket, with fsync off, so the numbers show the cost of the round trips and the write
// lock, not of a durable commit.
func BenchmarkPostgres(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		b.Run("RecordAttempt", BenchmarkRecordAttempt)
		b.Run("SessionByHash", BenchmarkSessionByHash)
	})
}
