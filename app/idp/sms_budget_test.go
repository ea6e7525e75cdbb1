package idp_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
)

// countSMS counts the SMS that reached a citizen's phone.
func countSMS(t *testing.T, env *apptest.Env, citizenID string) int {
	t.Helper()
	msgs, err := env.App.Store().MessagesFor(context.Background(), citizenID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Channel == "sms" {
			n++
		}
	}
	return n
}

// citizenID returns the opaque id of a citizen.
func citizenID(t *testing.T, env *apptest.Env, idNumber string) string {
	t.Helper()
	cit, err := env.App.Store().CitizenByIDNumber(context.Background(), idNumber)
	if err != nil {
		t.Fatal(err)
	}
	return cit.ID
}

// wantSMSRefused checks a password step refused by the SMS budget.
func wantSMSRefused(t *testing.T, what string, resp *http.Response, body, text string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(errorText(body), text) {
		t.Fatalf("%s: %d Retry-After %q %q, want 429 with Retry-After and %q", what, resp.StatusCode,
			resp.Header.Get("Retry-After"), errorText(body), text)
	}
	if strings.Contains(body, `name="otp"`) {
		t.Fatalf("%s: refused send reached the code step", what)
	}
}

// T10: 100 "send a code" requests for one account (new logins and resends) reach the phone as
// at most 5 SMS in 15 minutes and 10 in an hour.
func TestT10_SMSBudgetPerAccount(t *testing.T) {
	env := apptest.New(t)
	id := citizenID(t, env, an)
	sent := 0
	for i := 0; i < 100; i++ {
		c := env.Client()
		resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, app.DemoPassword)
		if resp.StatusCode == http.StatusSeeOther {
			sent++
			if i%3 == 0 {
				// A resend from the code page counts as well.
				at, page := env.CodeStep(c, resp, body)
				env.Clock.Advance(61 * time.Second)
				if r, _ := env.Submit(c, resendForm(t, at, page), nil); r.StatusCode == http.StatusOK {
					sent++
				}
			}
			continue
		}
		wantSMSRefused(t, fmt.Sprintf("send %d", i+1), resp, body, "quá nhiều tin nhắn SMS")
	}
	if n := countSMS(t, env, id); n != 5 || sent != 5 {
		t.Fatalf("%d SMS reached the phone (%d sends accepted) within 15 minutes, want 5", n, sent)
	}
	// The short window frees, the hour does not: 5 more, then nothing until the hour is over.
	env.Clock.Advance(15 * time.Minute)
	for i := 0; i < 20; i++ {
		c := env.Client()
		env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, app.DemoPassword)
	}
	if n := countSMS(t, env, id); n != 10 {
		t.Fatalf("%d SMS within the hour, want 10", n)
	}
	env.Clock.Advance(15 * time.Minute)
	c := env.Client()
	resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, app.DemoPassword)
	wantSMSRefused(t, "11th SMS in the hour", resp, body, "quá nhiều tin nhắn SMS")
	env.Clock.Advance(time.Hour)
	if resp, _ := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, app.DemoPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the hour: %d, want the code step", resp.StatusCode)
	}
}

// T10 across accounts: one client IP sets off at most 30 SMS an hour, whatever accounts it
// uses.
func TestT10_SMSBudgetPerIP(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st := env.App.Store()
	model, err := st.CitizenByIDNumber(ctx, an)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 40; i++ {
		cit := model
		cit.ID, cit.IDNumber, cit.Phone = fmt.Sprintf("sms-test-%02d", i), fmt.Sprintf("0010990%05d", i), fmt.Sprintf("09100000%02d", i)
		if err := st.CreateCitizen(ctx, cit); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cit.IDNumber)
	}
	for i, id := range ids {
		c := env.Client()
		resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), id, app.DemoPassword)
		if i < 30 {
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("account %d: %d %q, want the code step", i+1, resp.StatusCode, errorText(body))
			}
			continue
		}
		wantSMSRefused(t, fmt.Sprintf("account %d", i+1), resp, body, "từ địa chỉ mạng của bạn")
	}
}

// Parallel reservations cannot together exceed the budget: counting and recording are one
// transaction.
func TestParallelSMSReservationsStayWithinTheBudget(t *testing.T) {
	env := apptest.New(t)
	st, now := env.App.Store(), env.Clock.Now()
	b := store.SMSBudget{AccountMax: 5, AccountWindow: 15 * time.Minute, AccountHourMax: 10, IPHourMax: 30}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.ReserveSMS(context.Background(), "c1", "192.0.2.1", "test", now, b); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 5 {
		t.Fatalf("%d parallel SMS reservations succeeded, want 5", ok)
	}
}

// T10: device-activation codes are SMS too and spend the same budget: once the account's SMS
// are used up by web logins, a new device gets 429 and no code is sent.
func TestT10ActivationCodesSpendTheSMSBudget(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.Limits.SMSAccountMax = 2 })
	env.AppLogin(an, app.DemoPassword) // the SIM's device
	for range 2 {
		passwordDone(t, env, env.Client()) // each sends its first code by SMS
	}
	cit, err := env.App.Store().CitizenByIDNumber(context.Background(), an)
	if err != nil {
		t.Fatal(err)
	}
	before := countSMS(t, env, cit.ID)
	st, _, e := env.NewDevice().TryLogin(an, app.DemoPassword, "")
	if st != http.StatusTooManyRequests || e.Error.Code != "rate_limited" {
		t.Fatalf("new device with the SMS budget spent: %d %q, want 429 rate_limited", st, e.Error.Code)
	}
	if n := countSMS(t, env, cit.ID); n != before {
		t.Fatalf("%d SMS sent over the budget", n-before)
	}
}
