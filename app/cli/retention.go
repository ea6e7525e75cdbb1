package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"dvclogin/store"
)

// retentionFlag is -retention: "NAME=VALUE,..." over store.Retention, each name one table's
// retention (a duration) or row cap (a number). Names left out keep their defaults.
type retentionFlag struct{ r *store.Retention }

// durations names the retentions of store.Retention that are durations.
func (f retentionFlag) durations() map[string]*time.Duration {
	return map[string]*time.Duration{
		"attempts": &f.r.LoginAttempts, "sms": &f.r.SMSSends, "messages": &f.r.Messages, "audit": &f.r.AuditEvents,
		"logins": &f.r.FinishedLogins, "codes": &f.r.Codes, "tokens": &f.r.Tokens, "id-locks": &f.r.UnknownIDLocks,
		"sessions": &f.r.IdleSessions,
	}
}

func (f retentionFlag) counts() map[string]*int {
	return map[string]*int{"messages-max": &f.r.MessagesMax, "audit-max": &f.r.AuditEventsMax}
}

func (f retentionFlag) names() string {
	var n []string
	for k := range f.durations() {
		n = append(n, k)
	}
	for k := range f.counts() {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

func (f retentionFlag) String() string {
	if f.r == nil {
		return ""
	}
	var parts []string
	for k, v := range f.durations() {
		parts = append(parts, k+"="+v.String())
	}
	for k, v := range f.counts() {
		parts = append(parts, k+"="+strconv.Itoa(*v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (f retentionFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		if !ok {
			return fmt.Errorf("%q is not NAME=VALUE", item)
		}
		if d, ok := f.durations()[name]; ok {
			x, err := time.ParseDuration(value)
			if err != nil || x <= 0 {
				return fmt.Errorf("%s: %q is not a positive duration (e.g. 10m, 30s)", name, value)
			}
			*d = x
			continue
		}
		if n, ok := f.counts()[name]; ok {
			x, err := strconv.Atoi(value)
			if err != nil || x < 1 {
				return fmt.Errorf("%s: %q is not a positive number", name, value)
			}
			*n = x
			continue
		}
		return fmt.Errorf("unknown retention %q (one of: %s)", name, f.names())
	}
	return nil
}
