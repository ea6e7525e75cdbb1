package console_test

import (
	"encoding/base64"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

var (
	transferQR   = regexp.MustCompile(`id="sim-transfer-qr" src="data:image/svg(?:\+|&#43;)xml;base64,([^"]+)"`)
	transferCode = regexp.MustCompile(`id="sim-transfer-code" class="mono">([0-9A-Z-]+)<`)
)

// T23: the operator moves a citizen's SIM: the page shows a one-time code (QR and text); the
// new phone that claims it reads the SMS from then on, the old one does not, and the move is
// in the log.
func TestOperatorMovesTheSIM(t *testing.T) {
	env := apptest.New(t)
	old := env.Phone()
	oldToken := old.Login(an.IDNumber, app.DemoPassword)
	c := operator(t, env)
	if _, body := env.Get(c, "/console/citizens"); !strings.Contains(body, "SIM: Thiết bị dv_") {
		t.Fatal("the citizens page does not say which device holds the SIM")
	}
	resp, body := env.Submit(c, citizenForm(t, env, c, an.ID, "sim-transfer"), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("sim transfer: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	code, svg := transferCode.FindStringSubmatch(body), transferQR.FindStringSubmatch(body)
	if code == nil || svg == nil {
		t.Fatalf("no code or QR on the page:\n%s", body)
	}
	if raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(svg[1])); err != nil || !strings.HasPrefix(string(raw), "<svg") {
		t.Fatalf("the QR is no SVG: %v", err)
	}
	newPhone := env.NewDevice()
	var out apptest.APIError
	if st := newPhone.Call(http.MethodPost, "/sim/claim", "", map[string]string{"token": strings.ToLower(code[1])}, &out); st != http.StatusOK {
		t.Fatalf("claim the operator's code: %d %q", st, out.Error.Code)
	}
	if st := env.NewDevice().Call(http.MethodPost, "/sim/claim", "", map[string]string{"token": code[1]}, &out); st != http.StatusBadRequest {
		t.Fatalf("the code a second time: %d, want 400", st)
	}
	for _, m := range old.Messages(oldToken) {
		if m.Channel == "sms" {
			t.Fatal("the old phone still reads SMS")
		}
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Chuyển SIM sang thiết bị khác") {
		t.Error("the move is not in the log")
	}
}
