package console

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"dvclogin/app/citizens"
	"dvclogin/app/web"
)

// "Nhập từ tệp CSV": the operator uploads a file of citizens; all of them are created, or none
// and every wrong value is listed by line. The answer to a good file is the class's login
// cards, with the secrets the file gave: the server keeps only their hashes.

// importRoute is the console's one route that takes a file.
const importRoute = "/console/citizens/import"

// uploadLimit is that route's body limit: the largest CSV file, and room for the form around it.
const uploadLimit = citizens.MaxCSVBytes + 64<<10

// shownProblems is how many refusals the page lists; the operator fixes those first.
const shownProblems = 50

var errUploadTooLarge = &web.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
	Msg: "Tệp lớn hơn 10 MB. Hãy chia thành nhiều tệp nhỏ hơn rồi nhập từng tệp."}

// IsUpload reports whether the request is for the console's CSV import: the one route whose
// body may exceed the site-wide 64 KB, under LimitUpload's own limit instead.
func IsUpload(c echo.Context) bool {
	return c.Path() == importRoute && c.Request().Method == http.MethodPost
}

// LimitUpload is the body limit of the CSV import, set before anything reads the body (the
// CSRF check reads the form). Only a logged-in operator may send a large body: anyone else is
// refused before a byte of it is read. The form is parsed here, within uploadLimit, and
// everything later reads the parsed form. Other requests pass untouched.
func (con *Console) LimitUpload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !IsUpload(c) {
			return next(c)
		}
		s, err := con.sessions.Load(c)
		if err != nil {
			return err
		}
		if s == nil || !s.Data.Operator {
			return &web.Error{Status: http.StatusUnauthorized, Code: "unauthorized",
				Msg: "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."}
		}
		r := c.Request()
		if r.ContentLength > uploadLimit {
			return errUploadTooLarge
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, uploadLimit)
		// A form that is not multipart has no file: the CSRF check and the handler read it
		// as any form, within the same limit.
		if err := r.ParseMultipartForm(uploadLimit); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return errUploadTooLarge
			}
			return &web.Error{Status: http.StatusBadRequest, Code: "bad_request",
				Msg: "Không đọc được tệp gửi lên. Hãy chọn lại tệp CSV rồi bấm Nhập.", Err: err}
		}
		return next(c)
	}
}

// importPage is the upload form, with the refusals of the last file when it was refused.
type importPage struct {
	web.Page
	shell
	File     string
	Problems citizens.Problems // the first shownProblems
	Lines    []string          // each of them with its line and column, in the page's language
	More     int               // refusals not listed
	Columns  string
	Example  string // a line of the format
	MaxRows  int
}

// importExample is a citizen as a line of the file: data, the same in every language.
const importExample = "048192004711,Phạm Thị Thu Hà,1992-08-09,Nữ,0935123456,2,1,Lop-hoc-2026,246813" // i18n:vi

func (con *Console) renderImport(c echo.Context, status int, p *importPage) error {
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	p.Page, p.shell, p.Columns = web.NewPage(c, "Nhập công dân từ tệp CSV"), sh, strings.Join(citizens.CSVHeader(), ",")
	p.Here, p.Example, p.MaxRows = importRoute, importExample, citizens.MaxCSVRows
	if len(p.Problems) > shownProblems {
		p.Problems, p.More = p.Problems[:shownProblems], len(p.Problems)-shownProblems
	}
	for _, pr := range p.Problems {
		p.Lines = append(p.Lines, pr.In(web.Lang(c)))
	}
	return con.d.Render.Page(c, status, "console/citizen-import", p)
}

func (con *Console) showImport(c echo.Context) error {
	return con.renderImport(c, http.StatusOK, &importPage{})
}

func (con *Console) submitImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return con.renderImport(c, http.StatusBadRequest, &importPage{
			Problems: citizens.Problems{{Msg: "Hãy chọn một tệp CSV để nhập."}}}) // a key: Problem.Message reads it
	}
	name := fileName(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	accounts, err := citizens.Import(c.Request().Context(), con.d.Store, con.d.Hasher, f, con.d.Now())
	var ps citizens.Problems
	switch {
	case errors.As(err, &ps):
		return con.renderImport(c, http.StatusBadRequest, &importPage{File: name, Problems: ps})
	case errors.Is(err, web.ErrBusy):
		return busy(err)
	case err != nil:
		return err
	}
	for _, a := range accounts {
		con.audit(c, "citizen_created", a.Citizen.ID, "console import of "+name)
	}
	return con.renderCards(c, &cardsPage{OneTime: true, Cards: accounts,
		Heading: web.F(c, "Đã nhập %d công dân từ tệp %s", len(accounts), name)})
}

// fileName is the uploaded file's name as the page and the audit trail show it: the browser
// chose it, so only its last element, without control characters, at most 80 characters.
func fileName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, `\`, "/"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return s
}
