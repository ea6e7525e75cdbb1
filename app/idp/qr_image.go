package idp

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// showQRImage draws the current frame of the caller's login: PNG, or SVG with ?format=svg.
// Only the browser that started the login gets it: the QR is shown on that screen alone.
func (p *IdP) showQRImage(c echo.Context) error {
	l, err := p.boundQRLogin(c)
	if err != nil {
		return err
	}
	now := p.d.Now()
	if l.StateAt(now) != store.QRWaiting {
		return &web.Error{Status: http.StatusGone, Code: "qr_gone", Msg: msgQRGone}
	}
	step := p.frameStep(l, now)
	svg := c.QueryParam("format") == "svg"
	img, err := p.qr.images.get(qrImageKey{id: l.ID, step: step, svg: svg}, func() ([]byte, error) {
		bm, err := web.QRBitmap(p.qrText(l, step))
		if err != nil {
			return nil, err
		}
		if svg {
			return web.QRSVG(bm), nil
		}
		return web.QRPNG(bm, qrPNGScale)
	})
	if err != nil {
		return err
	}
	web.NoStore(c)
	if svg {
		return c.Blob(http.StatusOK, "image/svg+xml", img)
	}
	return c.Blob(http.StatusOK, "image/png", img)
}

type qrImageKey struct {
	id   string
	step int64
	svg  bool
}

// qrImageCache keeps rendered frames so each (login, frame) is drawn once, however often the
// page reloads it. It is bounded: the oldest image goes first.
type qrImageCache struct {
	mu    sync.Mutex
	max   int
	items map[qrImageKey][]byte
	order []qrImageKey // insertion order, oldest first
}

func newQRImageCache(max int) *qrImageCache {
	return &qrImageCache{max: max, items: make(map[qrImageKey][]byte, max)}
}

// get returns the cached image for k or renders, stores and returns it. Rendering runs outside
// the lock: a slow frame must not hold up other logins' images.
func (c *qrImageCache) get(k qrImageKey, render func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	img, ok := c.items[k]
	c.mu.Unlock()
	if ok {
		return img, nil
	}
	img, err := render()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; !ok {
		for len(c.items) >= c.max && len(c.order) > 0 {
			delete(c.items, c.order[0])
			c.order = c.order[1:]
		}
		c.items[k] = img
		c.order = append(c.order, k)
	}
	return img, nil
}
