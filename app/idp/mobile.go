package idp

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The VNeID app's API (/api/mobile/v1): JSON, bearer token. Errors are
// {"error":{"code","message"}} where message is the Vietnamese text the app shows.

const (
	ctxCitizen    = "idp.app.citizen"
	ctxAppSession = "idp.app.session"
	msgAppSignIn  = "Phiên đăng nhập ứng dụng đã hết hạn hoặc đã đăng xuất. Vui lòng đăng nhập lại."
)

// AppCitizen is the citizen as the app sees it.
type AppCitizen struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Level    int    `json:"level"`
}

type appMe struct {
	Citizen         AppCitizen `json:"citizen"`
	WebLoginEnabled bool       `json:"web_login_enabled"`
	TOTPEnabled     bool       `json:"totp_enabled"` // an authenticator app is set up and confirmed
	SIM             appSIM     `json:"sim"`          // the registered number's SIM, seen from this device
}

func newAppMe(c store.Citizen, sim appSIM) appMe {
	return appMe{Citizen: AppCitizen{IDNumber: c.IDNumber, Name: c.FullName, Level: c.Level}, WebLoginEnabled: c.WebLogin,
		TOTPEnabled: c.TOTPSecret != "", SIM: sim}
}

// requireApp authenticates the bearer token of an app session and loads its citizen. A
// request that names another device than the one the session was opened on is refused: a
// token copied to a second phone does not work there (T23).
func (p *IdP) requireApp(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		unauthorized := &web.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: msgAppSignIn}
		if !ok || token == "" {
			return unauthorized
		}
		ctx := c.Request().Context()
		sess, err := p.d.Store.SessionByHash(ctx, "app", store.Digest(token), p.d.Now())
		if errors.Is(err, store.ErrNotFound) {
			return unauthorized
		}
		if err != nil {
			return err
		}
		if key := deviceKeyOf(c); key != "" {
			dev, err := p.requestDevice(c)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if dev.ID != sess.DeviceID {
				unauthorized.Err = errors.New("app session used from another device")
				return unauthorized
			}
		}
		cit, err := p.d.Store.CitizenByID(ctx, sess.Subject)
		if errors.Is(err, store.ErrNotFound) {
			return unauthorized
		}
		if err != nil {
			return err
		}
		c.Set(ctxCitizen, cit)
		c.Set(ctxAppSession, sess)
		return next(c)
	}
}

// appCitizen returns the citizen of the authenticated app session.
func appCitizen(c echo.Context) store.Citizen {
	cit, _ := c.Get(ctxCitizen).(store.Citizen)
	return cit
}

// appSession returns the authenticated app session.
func appSession(c echo.Context) store.Session {
	s, _ := c.Get(ctxAppSession).(store.Session)
	return s
}

type appLoginRequest struct {
	IDNumber       string `json:"id_number"`
	Password       string `json:"password"`
	ActivationCode string `json:"activation_code"` // the SMS code, on a device without the SIM
}

type appLoginResponse struct {
	Token     string `json:"token"`
	DeviceKey string `json:"device_key,omitempty"` // only when this login created the device
	appMe
}

// appLogin signs the citizen in to the app. The password comes first. On a device that does
// not hold the citizen's SIM, the login then needs the activation code sent by SMS to the SIM
// (the first device to log in takes a free SIM). One device at a time, as the real app: a new
// app login ends the citizen's previous app session. Activating does not move the SIM.
func (p *IdP) appLogin(c echo.Context) error {
	var req appLoginRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	cit, err := p.checkPassword(c, req.IDNumber, req.Password, "phone", web.HashJoins)
	if err != nil {
		return err
	}
	dev, newKey, err := p.ensureDevice(c)
	if err != nil {
		return err
	}
	sim, err := p.takeFreeSIM(c, cit, dev)
	if err != nil {
		return err
	}
	held := sim.DeviceID == dev.ID
	if !held {
		if strings.TrimSpace(req.ActivationCode) == "" {
			return p.requireActivation(c, cit, dev, newKey)
		}
		if err := p.checkActivationCode(c, cit, dev, req.ActivationCode); err != nil {
			return err
		}
	}
	token := web.RandomToken(32)
	now := p.d.Now()
	ended, err := p.d.Store.ReplaceSubjectSession(c.Request().Context(), store.Session{
		IDHash: store.Digest(token), Kind: "app", Subject: cit.ID, Data: "{}",
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(p.d.Limits.AppSessionTTL), DeviceID: dev.ID})
	if err != nil {
		return err
	}
	detail := "device " + dev.ID
	if !held {
		detail += " (activated by SMS code; SIM elsewhere)"
	}
	if ended > 0 {
		detail += "; previous device signed out"
	}
	p.audit(c, "phone", "app_login", cit.ID, detail)
	p.recordLogin(c, cit.ID, "app", "", now)
	return c.JSON(http.StatusOK, appLoginResponse{Token: token, DeviceKey: newKey,
		appMe: newAppMe(cit, appSIM{PhoneMasked: web.MaskPhone(cit.Phone), HeldByThisDevice: held})})
}

func (p *IdP) appLogout(c echo.Context) error {
	if err := p.d.Store.DeleteSession(c.Request().Context(), appSession(c).IDHash); err != nil {
		return err
	}
	p.audit(c, "phone", "app_logout", appCitizen(c).ID, "")
	return c.NoContent(http.StatusNoContent)
}

func (p *IdP) appMe(c echo.Context) error {
	cit := appCitizen(c)
	sim, err := p.simView(c, cit, appSession(c).DeviceID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newAppMe(cit, sim))
}

type appMessage struct {
	Channel string    `json:"channel"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Body    string    `json:"body"`
	SentAt  time.Time `json:"sent_at"`
}

// appMessages lists the app's own notices and, on the device that holds the citizen's SIM
// only, the SMS that reached the number, newest first. Elsewhere the SMS are not there to
// read: a password that opened the app on another device does not open the SIM's inbox.
func (p *IdP) appMessages(c echo.Context) error {
	cit := appCitizen(c)
	msgs, err := p.d.Store.MessagesFor(c.Request().Context(), cit.ID, 100)
	if err != nil {
		return err
	}
	held, err := p.holdsSIM(c, cit.ID, appSession(c).DeviceID)
	if err != nil {
		return err
	}
	out := make([]appMessage, 0, len(msgs))
	for _, m := range msgs {
		if m.Channel == "sms" && !held {
			continue
		}
		out = append(out, appMessage{Channel: m.Channel, From: m.Sender, To: m.Recipient, Body: m.Body, SentAt: m.SentAt})
	}
	return c.JSON(http.StatusOK, map[string]any{"messages": out})
}
