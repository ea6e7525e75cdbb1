package citizens

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"testing"
)

// FuzzCitizensCSV imports any file into a real database: it never panics; it adds every
// citizen of the file or none; and every refusal names the line it is on.
func FuzzCitizensCSV(f *testing.F) {
	ctx := context.Background()
	st := openStore(f)
	h := fastHasher()
	f.Fuzz(func(t *testing.T, data []byte) {
		before, err := st.CountCitizens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		accounts, err := Import(ctx, st, h, bytes.NewReader(data), now)
		after, cerr := st.CountCitizens(ctx)
		if cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("refused without problems: %v", err)
			}
			for _, p := range ps {
				if p.Line < 1 || p.Msg == "" {
					t.Fatalf("a problem without a line or a message: %+v", p)
				}
			}
			if after != before {
				t.Fatalf("a refused file added %d citizens", after-before)
			}
			return
		}
		if rows := dataRows(t, data); len(accounts) != rows || after-before != rows {
			t.Fatalf("%d lines of citizens, %d accounts, %d added", rows, len(accounts), after-before)
		}
		for _, a := range accounts {
			if _, err := st.CitizenByIDNumber(ctx, a.Citizen.IDNumber); err != nil {
				t.Fatalf("%s: %v", a.Citizen.IDNumber, err)
			}
		}
	})
}

// dataRows counts the lines of citizens in an accepted file, read on its own: the records after
// the header that have something in a cell.
func dataRows(t *testing.T, data []byte) int {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("an accepted file does not parse: %v", err)
	}
	n := 0
	for _, rec := range records[1:] {
		if !blankRecord(rec) {
			n++
		}
	}
	return n
}
