//go:build !race

package app_test

// crashSlowdown stretches the crash test's load window (see crash_race_test.go).
const crashSlowdown = 1
