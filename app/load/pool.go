package load

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"dvclogin/app/citizens"
	"dvclogin/app/client"
)

// citizen is one account of the pool with its own phone. A login leases it, and no other login
// uses it until it is handed back: a real office never sees one person log in twice at once, and
// one citizen's overlapping logins would take each other's codes and end each other's app
// sessions.
type citizen struct {
	idNumber, password, passcode string
	app                          *client.Phone // this citizen's phone: it holds the citizen's SIM
	token                        string        // the app session that reads codes; "" when none
	used                         map[string]bool
	qr                           bool // mixed: this citizen does QR logins (else direct)
}

// pool hands out citizens, least recently used first.
type pool struct {
	all    []*citizen
	direct chan *citizen
	qr     chan *citizen // the same channel as direct when the pool cannot be split
}

// loadCitizens reads the accounts of CSV files in the import format (as `dvclogin citizens
// generate` writes them, secrets filled in). A repeated header line (files joined with cat) is
// skipped; accounts that cannot log in on the web are left out with a note.
func loadCitizens(paths []string, note io.Writer) ([]*citizen, error) {
	var out []*citizen
	seen := map[string]bool{}
	idCol, pwCol, pcCol := citizens.CSVColumn(citizens.FieldID), citizens.CSVColumn(citizens.FieldPassword), citizens.CSVColumn(citizens.FieldPasscode)
	levelCol, webCol := citizens.CSVColumn(citizens.FieldLevel), citizens.CSVColumn(citizens.FieldWebLogin)
	skipped := 0
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("load: -citizens: %w", err)
		}
		cr := csv.NewReader(bufio.NewReader(f))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("load: -citizens %s: %w", path, err)
		}
		col := map[string]int{}
		for line, rec := range recs {
			if len(rec) > 0 && strings.TrimPrefix(strings.TrimSpace(rec[0]), "\ufeff") == idCol {
				col = map[string]int{}
				for i, name := range rec {
					col[strings.TrimPrefix(strings.TrimSpace(name), "\ufeff")] = i
				}
				continue
			}
			get := func(name string) string {
				i, ok := col[name]
				if !ok || i >= len(rec) {
					return ""
				}
				return strings.TrimSpace(rec[i])
			}
			if len(col) == 0 {
				return nil, fmt.Errorf("load: -citizens %s: no header line (%s)", path, strings.Join(citizens.CSVHeader(), ","))
			}
			id, pw, pc := get(idCol), get(pwCol), get(pcCol)
			if id == "" && len(rec) <= 1 {
				continue // a blank line
			}
			if id == "" || pw == "" || pc == "" {
				return nil, fmt.Errorf("load: -citizens %s line %d: needs %s, %s and %s (the CSV of `dvclogin citizens generate` has them)",
					path, line+1, idCol, pwCol, pcCol)
			}
			if get(levelCol) == "1" || get(webCol) == "0" {
				skipped++
				continue
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, &citizen{idNumber: id, password: pw, passcode: pc})
		}
	}
	if skipped > 0 {
		fmt.Fprintf(note, "load: %d accounts left out: level 1 or \"Đăng nhập trên website\" off\n", skipped)
	}
	if len(out) == 0 {
		return nil, errors.New("load: -citizens: no account that may log in on the web")
	}
	return out, nil
}

// newPool makes the pool. Mixed splits it: half the citizens do direct logins, half QR logins,
// so that a QR confirm (which signs the app out) never ends the session a direct login reads
// its code with. One citizen cannot be split and does both, one login at a time.
func newPool(all []*citizen, mixed bool) *pool {
	p := &pool{all: all, direct: make(chan *citizen, len(all))}
	p.qr = p.direct
	if mixed && len(all) >= 2 {
		p.qr = make(chan *citizen, len(all))
	}
	for i, c := range all {
		c.qr = mixed && len(all) >= 2 && i%2 == 1
		if c.qr {
			p.qr <- c
		} else {
			p.direct <- c
		}
	}
	return p
}

// lease takes a free citizen for one login, waiting (timed as lease_wait) when every one is
// busy.
func (r *runner) lease(ctx context.Context, qr bool) (*citizen, error) {
	ch := r.pool.direct
	if qr {
		ch = r.pool.qr
	}
	t0 := time.Now()
	select {
	case c := <-ch:
		r.stats.add("lease_wait", time.Since(t0))
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *runner) handBack(c *citizen) {
	if c.qr {
		r.pool.qr <- c
	} else {
		r.pool.direct <- c
	}
}

// devices is the file that keeps each citizen's phone between runs: the device key of the phone
// that took the citizen's SIM, and its app session. Without it a later run's new phone would
// not hold the SIM and could not log in to the app.
type devices struct {
	path string
	mu   sync.Mutex
}

// read returns the kept phones by số định danh: device key and app session ("" if none).
func (d *devices) read() (map[string][2]string, error) {
	byID := map[string][2]string{}
	if d.path == "" {
		return byID, nil
	}
	b, err := os.ReadFile(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return byID, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load: -devices: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		tok := ""
		if len(f) >= 3 && f[2] != "-" {
			tok = f[2]
		}
		byID[f[0]] = [2]string{f[1], tok}
	}
	return byID, nil
}

// save writes every citizen's device key and app session (secrets: mode 0600).
func (d *devices) save(pool []*citizen) error {
	if d.path == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	b.WriteString("# dvclogin load: số định danh, device key of the phone holding the SIM, app session\n")
	for _, c := range pool {
		if k := c.app.Key(); k != "" {
			tok := c.token
			if tok == "" {
				tok = "-"
			}
			fmt.Fprintf(&b, "%s %s %s\n", c.idNumber, k, tok)
		}
	}
	tmp := d.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("load: -devices: %w", err)
	}
	return os.Rename(tmp, d.path)
}
