package citizens

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"dvclogin/app/i18n"
)

// MaxCSVBytes is the largest file accepted: a class fits in a few kilobytes, and the whole file
// is read into memory before anything is created.
const MaxCSVBytes = 10 << 20

// MaxCSVRows is the most citizens one file may add: each may bring its own password and
// passcode, and each secret costs a slow hash (about 50 ms), so a bigger file would keep the
// server's hashing busy for minutes while a class tries to log in.
const MaxCSVRows = 500

// requiredColumns must be in a file's header; the others may be left out (level 2, web login
// on, demo secrets).
var requiredColumns = []string{FieldID, FieldName, FieldBirth, FieldGender, FieldPhone}

// ReadCSV reads a file of new citizens: a header row naming the columns (CSVHeader, in any
// order; the field keys of earlier versions are read too),
// then one citizen a line. It is UTF-8, with or without a byte order mark, separated by commas
// (or semicolons, as some spreadsheets write). The whole file is checked first: the drafts
// come back only when every line is right, otherwise Problems name each wrong value by line and
// column. now is the clock for the birth dates.
func ReadCSV(r io.Reader, now time.Time) ([]Draft, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCSVBytes {
		return nil, Problems{problem(0, "", i18n.Msg("Tệp lớn hơn 10 MB. Hãy chia thành nhiều tệp nhỏ hơn rồi nhập từng tệp."))}
	}
	if p, ok := checkEncoding(data); !ok {
		return nil, Problems{p}
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1 // a short line is reported with its line number below
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, Problems{problem(1, "", i18n.Msg("Tệp trống: dòng đầu phải là dòng tiêu đề, ví dụ %s.", strings.Join(CSVHeader(), ",")))}
	}
	if err != nil {
		return nil, Problems{parseProblem(err)}
	}
	cols, ps := readHeader(header)
	if len(ps) > 0 {
		return nil, ps
	}
	return readRows(cr, cols, now)
}

// checkEncoding refuses what is not UTF-8, naming the line of the first stray byte.
func checkEncoding(data []byte) (Problem, bool) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return problem(1, "", i18n.Msg("Tệp được lưu dạng UTF-16 (Unicode Text). Hãy lưu lại dạng \"CSV UTF-8 (phân cách bằng dấu phẩy)\" rồi nhập lại.")), false
	}
	if utf8.Valid(data) {
		return Problem{}, true
	}
	bad := 0
	for bad < len(data) {
		r, size := utf8.DecodeRune(data[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	line := 1 + bytes.Count(data[:bad], []byte("\n"))
	return problem(line, "", i18n.Msg("Tệp không phải UTF-8 (có thể đang là Windows-1258 hoặc TCVN3). Trong Excel chọn Lưu thành \"CSV UTF-8 (phân cách bằng dấu phẩy)\" rồi nhập lại.")), false
}

// separator is the header line's separator: a semicolon when it has semicolons and no comma
// (spreadsheets in locales that write decimal commas), else a comma.
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(first, ';') >= 0 && bytes.IndexByte(first, ',') < 0 {
		return ';'
	}
	return ','
}

// parseProblem says which line the CSV syntax broke on.
func parseProblem(err error) Problem {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return problem(1, "", i18n.Msg("Không đọc được tệp CSV."))
	}
	line := max(pe.StartLine, 1)
	if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
		return problem(line, "", i18n.Msg("Dấu ngoặc kép (\") không đúng chỗ (dòng %d của tệp). Một ô có dấu phẩy hoặc ngoặc kép phải nằm trong ngoặc kép, và ngoặc kép bên trong viết thành \"\".", pe.Line))
	}
	return problem(line, "", i18n.Msg("Dòng này không đúng định dạng CSV."))
}

// columnKeys maps a header's column name to its field key: the CSV's names, and the field keys
// that files of earlier versions have in their headers.
var columnKeys = func() map[string]string {
	m := map[string]string{}
	for _, key := range Columns() {
		m[key], m[csvColumns[key]] = key, key
	}
	return m
}()

// readHeader maps each column to its field key. Names are compared without case, spaces or
// accents' encoding differences.
func readHeader(header []string) ([]string, Problems) {
	var ps Problems
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(norm.NFC.String(h)))
		key, ok := columnKeys[strings.ReplaceAll(name, "-", "_")]
		switch {
		case !ok:
			ps = append(ps, problem(1, "", i18n.Msg("Cột %q không có trong định dạng. Các cột là: %s.", h, strings.Join(CSVHeader(), ", "))))
		case seen[key]:
			ps = append(ps, problem(1, key, i18n.Msg("Cột này có hai lần trong dòng tiêu đề.")))
		}
		seen[key], cols[i] = true, key
	}
	required := make([]string, len(requiredColumns))
	for i, key := range requiredColumns {
		required[i] = csvColumns[key]
	}
	for _, key := range requiredColumns {
		if !seen[key] {
			ps = append(ps, problem(1, key, i18n.Msg("Dòng tiêu đề thiếu cột này (các cột bắt buộc: %s).", strings.Join(required, ", "))))
		}
	}
	return cols, ps
}

// readRows checks every line, and every line against the ones above it (an ID number or phone
// number twice). Blank lines, and lines of empty cells that spreadsheets add at the end, are
// skipped.
func readRows(cr *csv.Reader, cols []string, now time.Time) ([]Draft, error) {
	var drafts []Draft
	var ps Problems
	rows := 0
	idLine, phoneLine := map[string]int{}, map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, append(ps, parseProblem(err))
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if rows++; rows > MaxCSVRows {
			return nil, append(ps, problem(line, "", i18n.Msg("Tệp có hơn %d công dân. Hãy chia thành nhiều tệp, mỗi tệp tối đa %d dòng.", MaxCSVRows, MaxCSVRows)))
		}
		if len(rec) != len(cols) {
			ps = append(ps, problem(line, "", i18n.Msg("Dòng có %d ô nhưng dòng tiêu đề có %d cột.", len(rec), len(cols))))
			continue
		}
		var f Fields
		for i, key := range cols {
			*f.Field(key) = rec[i]
		}
		d, rowProblems := Check(f, now)
		d.Line = line
		for _, p := range rowProblems {
			p.Line = line
			ps = append(ps, p)
		}
		ps = append(ps, repeated(d, idLine, phoneLine, rowProblems)...)
		drafts = append(drafts, d)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if rows == 0 {
		return nil, Problems{problem(2, "", i18n.Msg("Tệp chỉ có dòng tiêu đề, chưa có công dân nào."))}
	}
	return drafts, nil
}

// repeated reports an ID number or phone number that an earlier line of the file already has,
// and remembers this line's.
func repeated(d Draft, idLine, phoneLine map[string]int, rowProblems Problems) Problems {
	var ps Problems
	c := d.Citizen
	if id := c.IDNumber; id != "" && rowProblems.Of(FieldID) == "" {
		if first, ok := idLine[id]; ok {
			ps = append(ps, problem(d.Line, FieldID, i18n.Msg("Số định danh %s trùng với dòng %d.", id, first)))
		} else {
			idLine[id] = d.Line
		}
	}
	if p := c.Phone; p != "" && rowProblems.Of(FieldPhone) == "" {
		if first, ok := phoneLine[p]; ok {
			ps = append(ps, problem(d.Line, FieldPhone, i18n.Msg("Số điện thoại %s trùng với dòng %d.", p, first)))
		} else {
			phoneLine[p] = d.Line
		}
	}
	return ps
}

func blankRecord(rec []string) bool {
	for _, cell := range rec {
		if !isBlank(cell) {
			return false
		}
	}
	return true
}

// WriteCSV writes citizens in the import format (the CSVHeader line, then one line each, UTF-8
// without a byte order mark), with their secrets where the accounts carry them: the file a
// class's accounts come back in, and can be imported again on another machine.
func WriteCSV(w io.Writer, accounts []Account) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return err
	}
	for _, a := range accounts {
		c := a.Citizen
		webLogin := "0"
		if c.WebLogin {
			webLogin = "1"
		}
		rec := []string{c.IDNumber, c.FullName, c.BirthDate, c.Gender, c.Phone, fmt.Sprint(c.Level), webLogin,
			a.Password, a.Passcode}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
