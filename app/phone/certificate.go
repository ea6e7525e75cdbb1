package phone

import (
	"encoding/pem"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// The certificate pages' paths, at the site's root: the composition root serves them over
// plain HTTP on the HTTPS port too.
const (
	GuidePath = "/cai-dat-chung-chi" // how to install the server's authority on a phone
	CAPath    = "/ca.crt"            // the authority itself (PEM)
)

const guideTemplate = "phone/certificate"

// caFileName is the name a phone saves the authority under; Android lists CA certificates to
// install by the .crt extension.
const caFileName = "dvclogin-ca.crt"

// guidePage explains, for a phone, how the server serves HTTPS and what to install.
type guidePage struct {
	web.Page
	HTTPS    web.HTTPS
	OverHTTP bool // this page came over plain HTTP although the server serves HTTPS
	AppURL   string
}

func (s *Simulator) showCertificateGuide(c echo.Context) error {
	page := guidePage{
		Page:     web.Page{Title: "Cài đặt chứng chỉ cho điện thoại"},
		HTTPS:    s.d.HTTPS,
		OverHTTP: s.d.HTTPS.On && c.Request().TLS == nil,
		AppURL:   s.d.URL("/app/"),
	}
	return s.d.Render.Page(c, http.StatusOK, guideTemplate, &page)
}

// downloadCA serves the server's authority as a phone installs it: PEM, which Android, iOS,
// desktop browsers and command-line tools all read, with the type that makes iOS offer a
// profile and Firefox its trust dialog, under a .crt name.
func (s *Simulator) downloadCA(c echo.Context) error {
	h := s.d.HTTPS
	switch {
	case !h.On:
		return &web.Error{Status: http.StatusNotFound,
			Msg: "Máy chủ đang chạy HTTP nên không có chứng chỉ nào để cài. Người vận hành có thể khởi động lại máy chủ với tùy chọn -tls để bật HTTPS."}
	case h.CA == nil:
		return &web.Error{Status: http.StatusNotFound,
			Msg: "Máy chủ dùng chứng chỉ của cơ quan nên không có chứng chỉ gốc nào để cài từ đây. Nếu điện thoại vẫn cảnh báo, hãy hỏi bộ phận công nghệ thông tin của cơ quan."}
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+caFileName+`"`)
	return c.Blob(http.StatusOK, "application/x-x509-ca-cert", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.CA}))
}
