package idp_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/web"
)

// benchFrame is a QR text as long as a real one on a LAN address; step varies so every
// iteration encodes a new frame (the server renders each frame once).
func qrBenchFrame(step int) string {
	return "http://192.168.100.200:8080/app/scan#" + strings.Repeat("k", 22) + "." + strconv.Itoa(step) + "." + strings.Repeat("m", 22)
}

// BenchmarkQRImagePNG is the cost of drawing one frame as the PNG the login page shows.
func BenchmarkQRImagePNG(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		bm, err := web.QRBitmap(qrBenchFrame(i % 12))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := web.QRPNG(bm, 8); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRImageSVG is the cost of drawing one frame as SVG.
func BenchmarkQRImageSVG(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		bm, err := web.QRBitmap(qrBenchFrame(i % 12))
		if err != nil {
			b.Fatal(err)
		}
		web.QRSVG(bm)
	}
}

// BenchmarkConfirmToDesktop measures how long the qrDesktop waits for the news: from the app's
// confirm call to the "confirmed" event on the desktop's event stream (ns/notify). Setting up
// each login (app login, start, scan, stream) is not counted.
func BenchmarkConfirmToDesktop(b *testing.B) {
	env := apptest.New(b)
	var d *qrDesktop
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if i%50 == 0 {
			d = openQRDesktop(b, env) // a fresh auth request now and then: they live 10 minutes
		}
		env.Clock.Advance(2100 * time.Millisecond) // stay under the per-IP start limit
		s := d.start()
		ph := qrAppLogin(b, env, qrAn)
		events := d.follow()
		events.until("waiting")
		ph.mustScan(s.QR)
		events.until("scanned")
		done := make(chan int, 1)
		b.StartTimer()
		t0 := time.Now()
		go func() {
			code, _ := qrRawCall(env, ph.token, http.MethodPost, "/qr/"+s.ID+"/confirm", map[string]string{"passcode": app.DemoPasscode})
			done <- code
		}()
		events.until("confirmed") // may arrive before the confirm call returns
		total += time.Since(t0)
		b.StopTimer()
		if code := <-done; code != http.StatusOK {
			b.Fatalf("confirm: %d", code)
		}
		events.Close()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/notify")
}

// BenchmarkQRScanNumberMatching is the phone's scan call over HTTP with number matching off
// and on: on, the scan also reads the setting and draws the number and the choices
// (crypto/rand) and writes them with the scan (ns/scan). Starting each login and denying it
// after (a citizen may hold 20 undecided scans) is not counted.
func BenchmarkQRScanNumberMatching(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			env := apptest.New(b)
			setNumberMatching(b, env, on)
			ph := qrAppLogin(b, env, qrAn)
			var d *qrDesktop
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if i%50 == 0 {
					d = openQRDesktop(b, env) // a fresh auth request now and then: they live 10 minutes
				}
				env.Clock.Advance(600 * time.Millisecond) // stay under the per-IP start limit
				s := d.start()
				b.StartTimer()
				t0 := time.Now()
				who := ph.mustScan(s.QR)
				total += time.Since(t0)
				b.StopTimer()
				if on != (len(who.Numbers) == 3) {
					b.Fatalf("number matching %v, choices %v", on, who.Numbers)
				}
				if code, e := ph.deny(s.ID); code != http.StatusOK {
					b.Fatalf("deny: %d %+v", code, e)
				}
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/scan")
		})
	}
}
