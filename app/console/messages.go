package console

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// outboxLimit is how many messages the outbox shows: a day of demos fits easily.
const outboxLimit = 200

// messagesPage is "Hộp thư SMS": every SMS and in-app notice the demo sent, newest first.
type messagesPage struct {
	web.Page
	shell
	Messages    []messageRow
	RealCommand bool // SMS are also handed to a command (e.g. a GSM modem tool)
	RealWebhook bool // SMS are also POSTed to a webhook
}

// messageRow is one outbox message, formatted for display (the page and its JSON share it).
type messageRow struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
	From    string `json:"from"`
	To      string `json:"to"`
	Name    string `json:"name"`
	Body    string `json:"body"`
	SentAt  string `json:"sent_at"`
}

func (con *Console) showMessages(c echo.Context) error {
	rows, err := con.messageRows(c)
	if err != nil {
		return err
	}
	sh, err := con.newShell(c, "messages")
	if err != nil {
		return err
	}
	p := &messagesPage{Page: web.NewPage(c, "Hộp thư SMS"), shell: sh, Messages: rows}
	p.RealCommand, p.RealWebhook = con.d.SMSCommand != "", con.d.SMSWebhook != ""
	p.Scripts = []string{"console.js"}
	return con.d.Render.Page(c, http.StatusOK, "console/messages", p)
}

// listMessagesJSON feeds the outbox page's refresh.
func (con *Console) listMessagesJSON(c echo.Context) error {
	rows, err := con.messageRows(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"messages": rows})
}

// messageRows are the outbox's messages; the channel in the request's language, the body as sent.
func (con *Console) messageRows(c echo.Context) ([]messageRow, error) {
	ctx, l := c.Request().Context(), web.Lang(c)
	msgs, err := con.d.Store.ListMessages(ctx, outboxLimit)
	if err != nil {
		return nil, err
	}
	names, err := con.citizenNames(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]messageRow, 0, len(msgs))
	for _, m := range msgs {
		rows = append(rows, messageRow{ID: m.ID, Channel: l.T(channelName(m.Channel)), From: m.Sender, To: m.Recipient,
			Name: names[m.CitizenID], Body: m.Body, SentAt: web.TimeVN(m.SentAt)})
	}
	return rows, nil
}

// citizenNames maps citizen ids to full names, to label messages and log lines.
func (con *Console) citizenNames(ctx context.Context) (map[string]string, error) {
	list, err := con.d.Store.ListCitizens(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(list))
	for _, cit := range list {
		names[cit.ID] = cit.FullName
	}
	return names, nil
}

func channelName(ch string) string {
	switch ch {
	case "sms":
		return "SMS"
	case "app":
		return "Ứng dụng VNeID"
	}
	return ch
}
