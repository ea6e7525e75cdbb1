//go:build race

package app_test

// crashSlowdown stretches the crash test's load window: the race detector makes every request
// several times slower, and a cycle should still see logins finish before the kill.
const crashSlowdown = 2
