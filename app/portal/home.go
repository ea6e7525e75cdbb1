package portal

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
)

// homePage is the portal's home page: header and menu, the procedure search, what each menu
// entry is on the real portal, and the footer.
type homePage struct {
	frame
	Query      string
	Procedures []procedureRow
	Found      int // rows that match Query
	LoggedOut  bool
}

// procedureRow is a sample procedure on the page; rows that do not match the query are
// hidden, not left out, so the script can show them again when the query changes.
type procedureRow struct {
	procedure
	Hidden bool
}

// procedure is one sample administrative procedure of the search box.
type procedure struct {
	Name     string // catalog keys
	Field    string // lĩnh vực
	Search   string // Name and Field folded (lower case, no diacritics) for matching
	SearchEn string // the same with their English too, for the English page
}

// sampleProcedures is a short static list for the search box; the demo files no dossiers.
var sampleProcedures = newProcedures([][2]string{
	{"Đăng ký khai sinh", "Hộ tịch"},
	{"Đăng ký kết hôn", "Hộ tịch"},
	{"Đăng ký thường trú", "Đăng ký, quản lý cư trú"},
	{"Thông báo lưu trú", "Đăng ký, quản lý cư trú"},
	{"Cấp hộ chiếu phổ thông", "Xuất nhập cảnh"},
	{"Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp"},
	{"Cấp đổi giấy phép lái xe", "Đường bộ"},
	{"Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"},
	{"Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm"},
})

func newProcedures(rows [][2]string) []procedure {
	out := make([]procedure, len(rows))
	for i, r := range rows {
		vi := fold(r[0] + " " + r[1])
		out[i] = procedure{Name: r[0], Field: r[1], Search: vi, SearchEn: vi + " " + fold(i18n.En.T(r[0])+" "+i18n.En.T(r[1]))}
	}
	return out
}

// fold lower-cases s and strips Vietnamese diacritics, so "dang ky" finds "Đăng ký". The
// browser script folds the same way.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// showHome shows the home page. The search also works without script: the form submits q.
func (p *Portal) showHome(c echo.Context) error {
	user, err := p.currentUser(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if r := []rune(q); len(r) > 100 {
		q = string(r[:100])
	}
	page := &homePage{frame: p.newFrame(c, "Cổng Dịch vụ công Quốc gia", user), Query: q,
		LoggedOut: user == nil && p.isLogoutState(c.QueryParam("state"))}
	page.NavBase = "" // the menu's anchors are on this page
	if page.LoggedOut {
		page.Flash = "Bạn đã đăng xuất."
	}
	fq := fold(q)
	for _, pr := range sampleProcedures {
		if web.Lang(c) == i18n.En {
			pr.Search = pr.SearchEn // an English visitor may type either language
		}
		match := strings.Contains(pr.Search, fq)
		if match {
			page.Found++
		}
		page.Procedures = append(page.Procedures, procedureRow{procedure: pr, Hidden: !match})
	}
	return p.d.Render.Page(c, http.StatusOK, "portal/home", page)
}
