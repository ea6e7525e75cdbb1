package apptest

import (
	"bytes"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

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
