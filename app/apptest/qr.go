package apptest

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/http"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"dvclogin/app/client"
)

// QRStatus reads a QR login's status as browser b and returns the answer's HTTP status with
// it: a refusal (another browser, a lost binding) is a status to check, any other failure
// fails t.
func QRStatus(t testing.TB, b *client.Browser, statusURL string) (int, client.QRStatus) {
	t.Helper()
	st, err := b.QRStatus(context.Background(), statusURL)
	var ue *client.UnexpectedError
	switch {
	case err == nil:
		return http.StatusOK, st
	case errors.As(err, &ue):
		return ue.Page.Resp.StatusCode, st
	}
	t.Fatalf("QR status: %v", err)
	return 0, st
}

// DecodeQR reads the text a PNG image of a QR code encodes (an image the server drew, or a
// screenshot of the page): the proof that the picture really carries the payload.
func DecodeQR(pngBytes []byte) (string, error) {
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return "", err
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	// A picture of just the code (the server's image, or a screenshot of the image element) is
	// read as a pure barcode; the finder-pattern search, which misreads about 1 code in 150 at
	// this size, is only the fallback.
	reader := qrcode.NewQRCodeReader()
	res, err := reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		res, err = reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	}
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
