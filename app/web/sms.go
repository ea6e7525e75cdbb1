package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"time"

	"dvclogin/store"
)

// Sender delivers an SMS or in-app notice to a citizen's phone.
type Sender interface {
	Send(ctx context.Context, m store.Message) error
}

// Outbox is the built-in Sender: it writes the message to the database, where the phone
// simulator's "Tin nhắn" and the console read it. Optional real delivery (a command such as a
// GSM modem's tool, or an HTTP webhook) runs after the message is stored.
type Outbox struct {
	Store   *store.Store
	Command string // run with the recipient and body as arguments (SMS only)
	Webhook string // POSTed {"to","from","body","channel"} as JSON (SMS only)
	OnSend  func(m store.Message)
	Log     interface {
		Warn(msg string, args ...any)
	}
}

// Send stores m and forwards SMS to the configured real channels.
func (o *Outbox) Send(ctx context.Context, m store.Message) error {
	if _, err := o.Store.AddMessage(ctx, m); err != nil {
		return err
	}
	if o.OnSend != nil {
		o.OnSend(m)
	}
	if m.Channel != "sms" {
		return nil
	}
	if o.Command != "" {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, o.Command, m.Recipient, m.Body).CombinedOutput(); err != nil && o.Log != nil {
			o.Log.Warn("sms command failed", "err", err, "output", string(out))
		}
	}
	if o.Webhook != "" {
		body, _ := json.Marshal(map[string]string{"to": m.Recipient, "from": m.Sender, "body": m.Body, "channel": m.Channel})
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Webhook, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			var resp *http.Response
			resp, err = http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					err = fmt.Errorf("webhook answered %s", resp.Status)
				}
			}
		}
		if err != nil && o.Log != nil {
			o.Log.Warn("sms webhook failed", "err", err)
		}
	}
	return nil
}
