package idp

import (
	"time"

	"dvclogin/store"
)

func auditEvent(now time.Time, actor, action, citizenID, ip, detail string) store.Event {
	return store.Event{At: now, Actor: actor, Action: action, CitizenID: citizenID, IP: ip, Detail: detail}
}
