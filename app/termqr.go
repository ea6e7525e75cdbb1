package app

import (
	"strings"

	"dvclogin/app/web"
)

// TerminalQR draws text as a QR code with Unicode half blocks (two modules per character
// cell), with a quiet zone, so a presenter's phone camera opens the URL from the terminal.
func TerminalQR(text string) string {
	bm, err := web.QRBitmap(text)
	if err != nil {
		return ""
	}
	const quiet = 2
	n := len(bm)
	dark := func(y, x int) bool {
		y, x = y-quiet, x-quiet
		return y >= 0 && x >= 0 && y < n && x < n && bm[y][x]
	}
	var b strings.Builder
	size := n + 2*quiet
	for y := 0; y < size; y += 2 {
		b.WriteString("  ")
		for x := 0; x < size; x++ {
			// Light modules are drawn as blocks so the code reads on dark terminals too.
			top, bottom := !dark(y, x), !dark(y+1, x)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
