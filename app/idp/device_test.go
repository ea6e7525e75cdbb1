package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// The phone app is bound to devices, and the SMS inbox to the device that holds the SIM of the
// citizen's number (mobile_device.go). The citizen's own phone is env.Phone(): its first login
// took An's free SIM. Another device is someone who knows An's password.

var sixDigitCode = regexp.MustCompile(`\b\d{6}\b`)

// latestSMSCode returns the newest 6-digit code among the SMS a device's app session shows.
func latestSMSCode(t *testing.T, dev *apptest.Device, token string) string {
	t.Helper()
	for _, m := range dev.Messages(token) {
		if m.Channel == "sms" {
			if code := sixDigitCode.FindString(m.Body); code != "" {
				return code
			}
		}
	}
	t.Fatal("no SMS code on the device")
	return ""
}

func hasSMS(msgs []client.Message) bool {
	return slices.ContainsFunc(msgs, func(m client.Message) bool { return m.Channel == "sms" })
}

// mustNeedActivation checks that a login on dev stops at the activation step.
func mustNeedActivation(t *testing.T, dev *apptest.Device) {
	t.Helper()
	st, token, e := dev.TryLogin(an, app.DemoPassword, "")
	if st != http.StatusForbidden || e.Error.Code != "activation_required" || token != "" {
		t.Fatalf("login on a device without the SIM: %d %q token %q, want 403 activation_required and no token", st, e.Error.Code, token)
	}
	if !strings.Contains(e.Error.Message, "091****678") {
		t.Errorf("the message does not say where the code went: %q", e.Error.Message)
	}
}

// T23: the password alone, from a new device, gives neither an app session nor the SMS of a
// web login.
func TestT23PasswordAloneOnANewDeviceGetsNoLogin(t *testing.T) {
	env := apptest.New(t)
	owner := env.Phone()
	ownerToken := owner.Login(an, app.DemoPassword)
	// A web login waits for its SMS code.
	c := env.Client()
	passwordDone(t, env, c)

	thief := env.NewDevice()
	mustNeedActivation(t, thief)
	if thief.Key() == "" {
		t.Fatal("the new device got no device key")
	}
	// No token, so no inbox: the API does not answer without an app session.
	if st := thief.Call(http.MethodGet, "/messages", "", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("messages without a session: %d, want 401", st)
	}
	// The owner's token copied to the thief's device does not work there.
	if st := thief.Call(http.MethodGet, "/messages", ownerToken, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("the owner's token on another device: %d, want 401", st)
	}
	// The activation code went to the SIM: the owner's phone shows it, the owner is still signed in.
	msgs := owner.Messages(ownerToken)
	if len(msgs) == 0 || msgs[0].Channel != "sms" || !strings.Contains(msgs[0].Body, "kich hoat") {
		t.Fatalf("the owner's phone did not get the activation SMS: %+v", msgs)
	}
}

// T23: a wrong activation code counts; the fifth ends the activation, and then even the right
// code does not sign in. The wrong codes count against the account like wrong OTPs.
func TestT23FiveWrongActivationCodesEndIt(t *testing.T) {
	env := apptest.New(t)
	ownerToken := env.Phone().Login(an, app.DemoPassword)
	thief := env.NewDevice()
	mustNeedActivation(t, thief)
	right := latestSMSCode(t, env.Phone(), ownerToken)
	for i := 1; i <= 4; i++ {
		st, _, e := thief.TryLogin(an, app.DemoPassword, wrongCode(right))
		if st != http.StatusBadRequest || e.Error.Code != "invalid_code" {
			t.Fatalf("wrong code %d: %d %q, want 400 invalid_code", i, st, e.Error.Code)
		}
	}
	if st, _, e := thief.TryLogin(an, app.DemoPassword, wrongCode(right)); st != http.StatusForbidden || e.Error.Code != "activation_expired" {
		t.Fatalf("5th wrong code: %d %q, want 403 activation_expired", st, e.Error.Code)
	}
	if st, token, e := thief.TryLogin(an, app.DemoPassword, right); st == http.StatusOK || token != "" {
		t.Fatalf("right code after 5 wrong ones: %d %q, want refused", st, e.Error.Code)
	}
	if n := countAttempts(t, env, "otp"); n < 5 {
		t.Fatalf("%d code attempts recorded for the account, want the 5 wrong activation codes", n)
	}
}

// T23: the activation code signs the new device in once; it does not move the SIM, so the
// new device still cannot read SMS, and the code does not work a second time.
func TestT23ActivationCodeWorksOnce(t *testing.T) {
	env := apptest.New(t)
	owner := env.Phone()
	ownerToken := owner.Login(an, app.DemoPassword)
	other := env.NewDevice()
	mustNeedActivation(t, other)
	code := latestSMSCode(t, owner, ownerToken)
	st, token, e := other.TryLogin(an, app.DemoPassword, code)
	if st != http.StatusOK || token == "" {
		t.Fatalf("right activation code: %d %q", st, e.Error.Code)
	}
	var me struct {
		SIM struct {
			PhoneMasked      string `json:"phone_masked"`
			HeldByThisDevice *bool  `json:"held_by_this_device"`
		} `json:"sim"`
	}
	if other.Call(http.MethodGet, "/me", token, nil, &me); me.SIM.HeldByThisDevice == nil || *me.SIM.HeldByThisDevice || me.SIM.PhoneMasked != "091****678" {
		t.Fatalf("/me on the activated device: %+v, want the SIM shown as held elsewhere", me.SIM)
	}
	if msgs := other.Messages(token); hasSMS(msgs) {
		t.Fatal("the activated device reads the SIM's SMS")
	}
	// One app session per citizen: the owner signs in again (no code: it holds the SIM) ...
	ownerToken = owner.Login(an, app.DemoPassword)
	if !hasSMS(owner.Messages(ownerToken)) {
		t.Fatal("the SIM's phone lost its SMS")
	}
	// ... and the used code does not sign the other device in again.
	if st, token, e := other.TryLogin(an, app.DemoPassword, code); st == http.StatusOK || token != "" {
		t.Fatalf("the used activation code again: %d %q, want refused", st, e.Error.Code)
	}
}

// T23: an activation code is bound to the device it was sent for.
func TestT23ActivationCodeBoundToItsDevice(t *testing.T) {
	env := apptest.New(t)
	ownerToken := env.Phone().Login(an, app.DemoPassword)
	first, second := env.NewDevice(), env.NewDevice()
	mustNeedActivation(t, first)
	code := latestSMSCode(t, env.Phone(), ownerToken)
	if st, token, _ := second.TryLogin(an, app.DemoPassword, code); st == http.StatusOK || token != "" {
		t.Fatalf("another device's activation code: %d, want refused", st)
	}
}

// T10: asking for activation codes again and again sends at most one a minute and five an hour.
func TestActivationCodesAreRateLimited(t *testing.T) {
	env := apptest.New(t)
	ownerToken := env.Phone().Login(an, app.DemoPassword)
	thief := env.NewDevice()
	count := func() int {
		n := 0
		for _, m := range env.Phone().Messages(ownerToken) {
			if strings.Contains(m.Body, "kich hoat") {
				n++
			}
		}
		return n
	}
	mustNeedActivation(t, thief)
	mustNeedActivation(t, thief)
	if n := count(); n != 1 {
		t.Fatalf("two logins within a minute sent %d codes, want 1", n)
	}
	for i := 0; i < 6; i++ {
		env.Clock.Advance(61 * time.Second)
		thief.TryLogin(an, app.DemoPassword, "")
	}
	if n := count(); n != 5 {
		t.Fatalf("%d activation codes in an hour, want 5", n)
	}
	if st, _, e := thief.TryLogin(an, app.DemoPassword, ""); st != http.StatusTooManyRequests || e.Error.Code != "rate_limited" {
		t.Fatalf("6th code in an hour: %d %q, want 429", st, e.Error.Code)
	}
}

// simTransfer starts a hand-over from the app session on dev.
func simTransfer(t *testing.T, dev *apptest.Device, token string) (string, string) {
	t.Helper()
	var out struct {
		Transfer struct {
			Code     string `json:"code"`
			QR       string `json:"qr"`
			QRSVGURL string `json:"qr_svg_url"`
		} `json:"transfer"`
		apptest.APIError
	}
	if st := dev.Call(http.MethodPost, "/sim/transfer", token, map[string]string{"passcode": app.DemoPasscode}, &out); st != http.StatusOK {
		t.Fatalf("sim transfer: %d %q", st, out.Error.Code)
	}
	if !strings.HasPrefix(out.Transfer.QRSVGURL, "data:image/svg+xml;base64,") || out.Transfer.Code == "" {
		t.Fatalf("transfer answer %+v", out.Transfer)
	}
	return out.Transfer.Code, out.Transfer.QR
}

func claimSIM(dev *apptest.Device, token string) (int, string) {
	var out apptest.APIError
	st := dev.Call(http.MethodPost, "/sim/claim", "", map[string]string{"token": token}, &out)
	return st, out.Error.Code
}

// T23: a SIM transfer code (pairing code) works once and for 10 minutes; only the device that
// holds the SIM can hand it over.
func TestT23SIMTransferCodeSingleUse(t *testing.T) {
	env := apptest.New(t)
	owner := env.Phone()
	ownerToken := owner.Login(an, app.DemoPassword)
	code, qr := simTransfer(t, owner, ownerToken)
	if !strings.HasPrefix(qr, env.URL+"/app/sim#") {
		t.Fatalf("the transfer QR holds %q, want %s/app/sim#CODE", qr, env.URL)
	}
	newPhone, late := env.NewDevice(), env.NewDevice()
	if st, e := claimSIM(newPhone, qr); st != http.StatusOK {
		t.Fatalf("claim with the QR text: %d %q", st, e)
	}
	if st, e := claimSIM(late, code); st != http.StatusBadRequest || e != "invalid_sim_transfer" {
		t.Fatalf("the same code again: %d %q, want 400 invalid_sim_transfer", st, e)
	}
	// The new phone holds the SIM now and signs in without a code; the old one may not start a
	// transfer any more.
	newToken := newPhone.Login(an, app.DemoPassword)
	code, _ = simTransfer(t, newPhone, newToken)
	env.Clock.Advance(10*time.Minute + time.Second)
	if st, e := claimSIM(late, code); st != http.StatusBadRequest || e != "invalid_sim_transfer" {
		t.Fatalf("a code after 10 minutes: %d %q, want 400", st, e)
	}
	mustNeedActivation(t, owner)
}

// T23: after the SIM moved, the old device no longer sees the SMS, the new one does, and the
// old one is told.
func TestT23OldDeviceLosesSMSAfterMove(t *testing.T) {
	env := apptest.New(t)
	owner := env.Phone()
	ownerToken := owner.Login(an, app.DemoPassword)
	passwordDone(t, env, env.Client()) // an SMS code on the SIM
	if !hasSMS(owner.Messages(ownerToken)) {
		t.Fatal("no SMS on the SIM's phone before the move")
	}
	code, _ := simTransfer(t, owner, ownerToken)
	newPhone := env.NewDevice()
	if st, e := claimSIM(newPhone, code); st != http.StatusOK {
		t.Fatalf("claim: %d %q", st, e)
	}
	msgs := owner.Messages(ownerToken)
	if hasSMS(msgs) {
		t.Fatal("the old device still reads the SMS after the SIM moved")
	}
	if len(msgs) == 0 || !strings.Contains(msgs[0].Body, "đã được chuyển sang thiết bị khác") {
		t.Errorf("the old device was not told the SIM moved: %+v", msgs)
	}
	if !hasSMS(newPhone.Messages(newPhone.Login(an, app.DemoPassword))) {
		t.Fatal("the new SIM holder does not read the SMS")
	}
}

// T23: a device that does not hold the SIM cannot start a transfer, with or without passcode.
func TestT23OnlyTheSIMHolderHandsItOver(t *testing.T) {
	env := apptest.New(t)
	ownerToken := env.Phone().Login(an, app.DemoPassword)
	other := env.NewDevice()
	mustNeedActivation(t, other)
	token := func() string {
		_, tok, _ := other.TryLogin(an, app.DemoPassword, latestSMSCode(t, env.Phone(), ownerToken))
		return tok
	}()
	var out apptest.APIError
	if st := other.Call(http.MethodPost, "/sim/transfer", token, map[string]string{"passcode": app.DemoPasscode}, &out); st != http.StatusForbidden || out.Error.Code != "sim_not_held" {
		t.Fatalf("transfer from a device without the SIM: %d %q, want 403 sim_not_held", st, out.Error.Code)
	}
}

// exchangeAMR redeems the client redirect's code (demo-app, PKCE) and returns the ID token's amr.
func exchangeAMR(t *testing.T, env *apptest.Env, pk client.PKCE, redirect string) []any {
	t.Helper()
	r := newDemoRP(t, env, "profile")
	code := qrMustURL(t, redirect).Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", redirect)
	}
	tok, err := r.Exchange(context.Background(), client.Authorization{PKCE: pk}, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	_, claims := r.idToken(t, tok)
	amr, _ := claims["amr"].([]any)
	return amr
}

// directLoginAMR runs a direct login whose code comes from code(page) and returns the amr.
func directLoginAMR(t *testing.T, env *apptest.Env, code func(at, page string) string) []any {
	t.Helper()
	c, pk := env.Client(), client.NewPKCE()
	lp := env.OpenLogin(c, pk, nil)
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, at, page, code(at, page))
	_, _, to := env.Follow(c, resp, body)
	return exchangeAMR(t, env, pk, to)
}

// amr says what each login path proved (RFC 8176), and "mfa" only with two factors.
func TestAMRPerLoginPath(t *testing.T) {
	t.Run("SMS", func(t *testing.T) {
		env := apptest.New(t)
		token := env.AppLogin(an, app.DemoPassword)
		amr := directLoginAMR(t, env, func(string, string) string { return env.LatestCode(token) })
		if !slices.Equal(amr, []any{"pwd", "sms", "mfa"}) {
			t.Fatalf("amr = %v, want [pwd sms mfa]", amr)
		}
	})
	t.Run("InAppCode", func(t *testing.T) {
		env := apptest.New(t, func(c *app.Config) { c.SecondFactor = "app" })
		token := env.AppLogin(an, app.DemoPassword)
		amr := directLoginAMR(t, env, func(string, string) string { return env.LatestCode(token) })
		if !slices.Equal(amr, []any{"pwd", "swk", "mfa"}) {
			t.Fatalf("amr = %v, want [pwd swk mfa]", amr)
		}
	})
	t.Run("Authenticator", func(t *testing.T) {
		env := apptest.New(t)
		secret := enrollTOTP(t, env, env.AppLogin(an, app.DemoPassword))
		amr := directLoginAMR(t, env, func(string, string) string { return totpCode(t, secret, env.Clock.Now()) })
		if !slices.Equal(amr, []any{"pwd", "otp", "mfa"}) {
			t.Fatalf("amr = %v, want [pwd otp mfa]", amr)
		}
	})
	t.Run("QR", func(t *testing.T) {
		env := apptest.New(t)
		c, pk := env.Client(), client.NewPKCE()
		d := &qrDesktop{t: t, env: env, c: c, page: env.OpenLogin(c, pk, nil)}
		s := d.start()
		ph := qrAppLogin(t, env, qrAn)
		ph.mustScan(s.QR)
		if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
			t.Fatalf("confirm: %d %+v", code, e)
		}
		amr := exchangeAMR(t, env, pk, d.finish(d.mustState("confirmed").Redirect))
		if !slices.Equal(amr, []any{"swk", "pin", "mfa"}) {
			t.Fatalf("amr = %v, want [swk pin mfa]", amr)
		}
	})
}

// T14: wrong activation codes count with the account's other wrong codes: ten in an hour,
// across activations, lock the account.
func TestT14ActivationCodesCountForTheAccount(t *testing.T) {
	env := apptest.New(t)
	env.Phone().Login(an, app.DemoPassword)
	thief := env.NewDevice()
	for round := 0; round < 2; round++ {
		mustNeedActivation(t, thief)
		for i := 0; i < 4; i++ {
			thief.TryLogin(an, app.DemoPassword, "000000")
		}
		st, _, e := thief.TryLogin(an, app.DemoPassword, "000000")
		if round == 1 {
			if st != http.StatusLocked || e.Error.Code != "account_locked" {
				t.Fatalf("10th wrong code in an hour: %d %q, want 423 account_locked", st, e.Error.Code)
			}
			break
		}
		env.Clock.Advance(61 * time.Second)
	}
	if st, _, e := env.Phone().TryLogin(an, app.DemoPassword, ""); st != http.StatusLocked {
		t.Fatalf("the owner's login on the locked account: %d %q, want 423", st, e.Error.Code)
	}
}

// T12/T23: one transfer code presented by ten phones at once moves the SIM exactly once.
func TestT23ParallelSIMClaimsOneWinner(t *testing.T) {
	env := apptest.New(t)
	owner := env.Phone()
	code, _ := simTransfer(t, owner, owner.Login(an, app.DemoPassword))
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = claimSIM(env.NewDevice(), code) })
	}
	wg.Wait()
	wins := 0
	for _, st := range statuses {
		if st == http.StatusOK {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d claims of one code succeeded, want exactly 1 (%v)", wins, statuses)
	}
}

// A page on another site cannot replace a browser's device key (and so take the SIM away from
// it) with a form post: the API binds JSON only (its request structs carry json tags alone, so
// form fields bind to nothing), and a JSON body from another site needs CORS, which the API
// does not grant. This holds only as long as no form tags appear on those structs.
func TestCrossSiteFormGetsNoDeviceKey(t *testing.T) {
	env := apptest.New(t)
	for _, path := range []string{"/api/mobile/v1/login", "/api/mobile/v1/sim/claim"} {
		resp, _ := env.PostForm(http.DefaultClient, path, url.Values{"id_number": {an}, "idnumber": {an},
			"password": {app.DemoPassword}, "token": {"ABCD-EFGH-JKMN"}})
		if resp.StatusCode == http.StatusOK || len(resp.Cookies()) != 0 {
			t.Fatalf("form post to %s: %d with cookies %v, want refused without a device cookie", path, resp.StatusCode, resp.Cookies())
		}
	}
}
