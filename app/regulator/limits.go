package regulator

import "time"

// Limits are the numbers of the brute-force rules (the README's "Security rules and default
// limits"): wrong passwords, wrong codes, wrong passcodes, the console login and the SMS budget.
type Limits struct {
	PasswordMaxFailures int           // consecutive wrong passwords before a lock
	PasswordLock        time.Duration // how long a lock lasts (wrong passwords or wrong codes)
	IPMaxFailures       int           // failed attempts per client IP in IPWindow, across accounts
	IPWindow            time.Duration

	OTPTTL           time.Duration // lifetime of an OTP / in-app code
	OTPMaxFailures   int           // wrong codes that end a challenge
	OTPResendEvery   time.Duration // at most one resend per this interval
	OTPResendPerHour int           // resends per account per hour
	OTPAccountMax    int           // wrong codes per account per hour, across logins, that lock the account

	// Every SMS counts against these (login codes, resends, notices); in-app notices do not.
	SMSAccountMax     int           // SMS to one account in SMSAccountWindow
	SMSAccountWindow  time.Duration // the short window of SMSAccountMax
	SMSAccountHourMax int           // SMS to one account in an hour
	SMSIPHourMax      int           // SMS set off from one client IP in an hour, across accounts

	PasscodeCooldownEvery int           // every Nth wrong passcode starts a cooldown
	PasscodeCooldown      time.Duration // its length
	PasscodeLockAt        int           // wrong passcodes that lock the passcode

	// An operator who mistypes a few times is not stopped; a script guessing the console's one
	// password is, from one client and, since it may use many, from all of them together.
	ConsoleIPMaxFailures int // failed console logins per client IP in ConsoleIPWindow
	ConsoleIPWindow      time.Duration
	ConsoleMaxFailures   int // failed console logins from anywhere in ConsoleWindow that lock it
	ConsoleWindow        time.Duration
}

// codeWindow is how far back a citizen's wrong codes count towards OTPAccountMax.
const codeWindow = time.Hour

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{
		PasswordMaxFailures: 5, PasswordLock: 15 * time.Minute,
		IPMaxFailures: 20, IPWindow: 10 * time.Minute,
		OTPTTL: 5 * time.Minute, OTPMaxFailures: 5, OTPResendEvery: time.Minute, OTPResendPerHour: 5,
		OTPAccountMax: 10,
		SMSAccountMax: 5, SMSAccountWindow: 15 * time.Minute, SMSAccountHourMax: 10, SMSIPHourMax: 30,
		PasscodeCooldownEvery: 5, PasscodeCooldown: 5 * time.Minute, PasscodeLockAt: 10,
		ConsoleIPMaxFailures: 10, ConsoleIPWindow: 10 * time.Minute, ConsoleMaxFailures: 10, ConsoleWindow: 15 * time.Minute,
	}
}

// AttemptWindow is the longest time back any rule counts the attempt log: the attempt log must
// keep at least this much.
func (l Limits) AttemptWindow() time.Duration {
	return max(l.IPWindow, l.ConsoleIPWindow, l.ConsoleWindow, codeWindow)
}

// SMSWindow is the longest time back the SMS budget counts sent SMS (its hourly limits
// included): the record of sent SMS must keep at least this much.
func (l Limits) SMSWindow() time.Duration {
	return max(l.SMSAccountWindow, time.Hour)
}
