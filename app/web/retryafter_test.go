package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// A 429 or 423 written by a handler that named no wait still carries Retry-After; one that did
// name it keeps its own; other statuses get none.
func TestRetryAfterMiddleware(t *testing.T) {
	tests := []struct {
		name   string
		status int
		own    string
		want   string
	}{
		{"TooManyRequests", http.StatusTooManyRequests, "", "60"},
		{"Locked", http.StatusLocked, "", "60"},
		{"OwnValueKept", http.StatusTooManyRequests, "7", "7"},
		{"OKUntouched", http.StatusOK, "", ""},
		{"UnauthorizedUntouched", http.StatusUnauthorized, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := echo.New()
			e.Use(RetryAfterMiddleware)
			e.GET("/", func(c echo.Context) error {
				if tc.own != "" {
					c.Response().Header().Set("Retry-After", tc.own)
				}
				return c.String(tc.status, "x")
			})
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := rec.Header().Get("Retry-After"); rec.Code != tc.status || got != tc.want {
				t.Fatalf("%d Retry-After %q, want %d %q", rec.Code, got, tc.status, tc.want)
			}
		})
	}
}
