package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
)

// BenchmarkPasswordHash is one argon2id check at the production parameters through the
// admission-controlled Hasher, as every password and passcode check pays it: alone, and with
// every core busy (the Hasher runs at most one hash per core).
func BenchmarkPasswordHash(b *testing.B) {
	h := web.NewHasher(web.DefaultArgon2, 8)
	phc := h.HashNow(app.DemoPassword)
	ctx := context.Background()
	check := func(b *testing.B) bool {
		ok, err := h.Verify(ctx, phc, app.DemoPassword)
		if err != nil || !ok {
			b.Errorf("verify: %v %v", ok, err)
		}
		return err == nil && ok
	}
	b.Run("Sequential", func(b *testing.B) {
		for b.Loop() {
			if !check(b) {
				return
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	})
	b.Run("Parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !check(b) { // FailNow may not be called from a RunParallel goroutine
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	})
}

// productionHashing runs the app with the production argon2id parameters: a login's cost is
// dominated by them.
func productionHashing(c *app.Config) { c.Argon2 = web.DefaultArgon2 }

// BenchmarkDirectLogin is seed flow 2 over HTTP for demo-app, one login after another:
// authorize -> login page -> số định danh + mật khẩu -> the SMS code read through the phone
// API -> code -> callback -> token exchange. One app session reads the codes (logging in to
// the app is not part of a web login).
func BenchmarkDirectLogin(b *testing.B) {
	env := apptest.New(b, productionHashing, apptest.UnbudgetedSMS)
	r := newDemoRP(b, env)
	phone := env.AppLogin(qrAn, app.DemoPassword)
	for b.Loop() {
		c := env.Client() // a new browser: no SSO session to skip the login
		pk := client.NewPKCE()
		lp := env.OpenLogin(c, pk, nil)
		resp, body := env.PasswordStep(c, lp, qrAn, app.DemoPassword)
		at, page := env.CodeStep(c, resp, body)
		resp, body = env.SubmitCode(c, at, page, env.LatestCode(phone))
		_, _, to := env.Follow(c, resp, body)
		benchExchange(b, r, to, pk)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/login")
}

// BenchmarkQRLogin is seed flow 1 over HTTP for demo-app: the desktop starts a QR login and
// follows its events; the app logs in (one password hash), scans and confirms with the
// passcode (one passcode hash) and is signed out; the desktop follows the redirect and the
// client redeems the code.
func BenchmarkQRLogin(b *testing.B) {
	env := apptest.New(b, productionHashing, apptest.UnbudgetedSMS)
	r := newDemoRP(b, env)
	for b.Loop() {
		// The fake clock moves 2.1 s per login, under the per-IP cap on QR starts a minute.
		env.Clock.Advance(2100 * time.Millisecond)
		pk := client.NewPKCE()
		c := env.Client()
		page := env.OpenLogin(c, pk, nil)
		d := &qrDesktop{t: b, env: env, c: c, page: page}
		s := d.start()
		events := d.follow()
		ph := qrAppLogin(b, env, qrAn)
		ph.mustScan(s.QR)
		if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
			b.Fatalf("confirm: %d %s", code, e.Error.Code)
		}
		ev := events.until("confirmed")
		events.Close()
		benchExchange(b, r, d.finish(ev.Status.Redirect), pk)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/login")
}

// benchExchange redeems the code of the client redirect at the token endpoint and checks that
// an ID token came back.
func benchExchange(b *testing.B, r *rp, redirect string, pk client.PKCE) {
	b.Helper()
	to, err := url.Parse(redirect)
	if err != nil || !strings.HasPrefix(redirect, client.DemoRedirect) || to.Query().Get("code") == "" {
		b.Fatalf("login ended at %s, want the client's callback with a code", redirect)
	}
	tok, err := r.Exchange(context.Background(), client.Authorization{PKCE: pk}, to.Query().Get("code"))
	if err != nil {
		b.Fatalf("token: %v", err)
	}
	if id, _ := tok.Extra("id_token").(string); strings.Count(id, ".") != 2 {
		b.Fatalf("token answer without an ID token: %v", tok)
	}
}
