package regulator_test

import (
	"fmt"
	"testing"
	"time"

	"dvclogin/app/regulator"
	"dvclogin/store"
)

// challenge stores a live OTP challenge of cit.
func (e *env) challenge(t *testing.T, id string, cit store.Citizen) store.CodeTarget {
	t.Helper()
	err := e.st.CreateOTPChallenge(e.ctx, store.OTPChallenge{ID: id, AuthRequestID: "ar-" + id, SessionHash: "sh",
		CitizenID: cit.ID, Channel: "sms", CodeHash: "h", ExpiresAt: e.now.Add(5 * time.Minute), CreatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	return store.OTPChallengeCode(id)
}

// activation stores a live device activation of cit.
func (e *env) activation(t *testing.T, id string, cit store.Citizen) store.CodeTarget {
	t.Helper()
	err := e.st.CreateDeviceActivation(e.ctx, store.DeviceActivation{ID: id, DeviceID: "dev-" + id, CitizenID: cit.ID,
		CodeHash: "h", ExpiresAt: e.now.Add(5 * time.Minute), CreatedAt: e.now})
	if err != nil {
		t.Fatal(err)
	}
	return store.DeviceActivationCode(id)
}

// wrongCodes types n wrong codes for target and returns the last verdict.
func (e *env) wrongCodes(t *testing.T, cit store.Citizen, target store.CodeTarget, n int) regulator.Verdict {
	t.Helper()
	var v regulator.Verdict
	for range n {
		var err error
		if v, err = e.WrongCode(e.ctx, e.by(cit, ip), target, "wrong_code"); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// A challenge takes 5 wrong codes, each saying how many are left; the 5th ends it.
func TestWrongCodesEndTheChallenge(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	ch := e.challenge(t, "ch1", an)
	for i := 1; i <= 5; i++ {
		v, err := e.WrongCode(e.ctx, e.by(an, ip), ch, "wrong_code")
		want(t, fmt.Sprintf("wrong code %d", i), v, err, wrongLeft(5-i, i))
	}
	if got, _ := e.st.OTPChallengeByID(e.ctx, "ch1"); !got.Dead {
		t.Fatal("the challenge lives on after 5 wrong codes")
	}
}

// Wrong codes of every login and device activation count together: the 10th of the hour locks
// the account (its password login too) and ends the challenge it was typed for.
func TestWrongCodesLockTheAccount(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	e.wrongCodes(t, an, e.challenge(t, "ch1", an), 4)
	e.wrongCodes(t, an, e.activation(t, "act1", an), 4)
	v := e.wrongCodes(t, an, e.challenge(t, "ch2", an), 1)
	want(t, "9th wrong code", v, nil, wrongLeft(4, 1))
	e.advance(time.Minute)
	v, err := e.WrongCode(e.ctx, e.by(an, ip), e.challenge(t, "ch3", an), "wrong_code")
	until := e.now.Add(15 * time.Minute)
	want(t, "10th wrong code", v, err, started(lockedAt(until, e.now), 10))
	if got, _ := e.st.OTPChallengeByID(e.ctx, "ch3"); !got.Dead {
		t.Fatal("the challenge that locked the account lives on")
	}
	v, err = e.Password(e.ctx, e.by(an, ip), never(t))
	want(t, "right password after the lock", v, err, lockedAt(until, e.now))
}

// Wrong codes count for an hour: 9 of them and a 10th within the hour lock, a 10th after it
// does not.
func TestWrongCodesCountForAnHour(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		lock  bool
	}{
		{"ErrWithinTheHour", 59 * time.Minute, true},
		{"OKAfterTheHour", time.Hour + time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			an := e.citizen(t, 1)
			e.wrongCodes(t, an, e.challenge(t, "ch1", an), 4)
			e.wrongCodes(t, an, e.challenge(t, "ch2", an), 4)
			e.wrongCodes(t, an, e.challenge(t, "ch3", an), 1)
			e.advance(tc.after)
			v := e.wrongCodes(t, an, e.challenge(t, "ch4", an), 1)
			if (v.Kind == regulator.Locked) != tc.lock {
				t.Fatalf("10th wrong code %s after the first: %s", tc.after, show(v))
			}
		})
	}
}

// The operator's unlock starts the count of wrong codes afresh, and neither a right code nor a
// refused switch to an authenticator app does: the refused switch counts as a wrong code.
func TestWrongCodeCountAfterUnlockAndRightCodes(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	e.wrongCodes(t, an, e.challenge(t, "ch1", an), 4)
	e.wrongCodes(t, an, e.challenge(t, "ch2", an), 4)
	if err := e.st.UnlockCitizen(e.ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	e.wrongCodes(t, an, e.challenge(t, "ch3", an), 4)
	e.CodeAccepted(e.ctx, e.by(an, ip))
	e.wrongCodes(t, an, e.challenge(t, "ch4", an), 4)
	v := e.wrongCodes(t, an, e.challenge(t, "ch5", an), 1)
	want(t, "9th wrong code since the unlock", v, nil, wrongLeft(4, 1))
	e.CodeRefused(e.ctx, e.by(an, ip), "totp_not_enrolled")
	v = e.wrongCodes(t, an, e.challenge(t, "ch6", an), 1)
	if v.Kind != regulator.Locked || v.Failures != 11 {
		t.Fatalf("wrong code after 9 and a refused switch: %s, want the lock at 11", show(v))
	}
}
