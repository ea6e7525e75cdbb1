package citizens

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app/web"
	"dvclogin/store"
)

func TestVisitors(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	for _, tc := range []struct {
		name string
		opts VisitorOptions
	}{
		{"DemoSecrets", VisitorOptions{WebLogin: true}},
		{"RandomSecrets", VisitorOptions{RandomSecrets: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drafts, err := Visitors(ctx, st, 40, tc.opts, now)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			password := regexp.MustCompile(`^[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}$`)
			for _, d := range drafts {
				c := d.Citizen
				f := FieldsOf(c)
				f.Password, f.Passcode = d.Password, d.Passcode
				if _, ps := Check(f, now); len(ps) > 0 {
					t.Errorf("%+v: %v", c, ps)
				}
				if c.Level != 2 || c.WebLogin != tc.opts.WebLogin || len(strings.Fields(c.FullName)) != 3 {
					t.Errorf("visitor %+v", c)
				}
				if age := now.Year() - mustYear(t, c.BirthDate); age < 18 || age > 66 {
					t.Errorf("%s is %d", c.BirthDate, age)
				}
				for _, v := range []string{c.IDNumber, c.Phone} {
					if seen[v] {
						t.Errorf("%s twice", v)
					}
					seen[v] = true
				}
				if tc.opts.RandomSecrets {
					if !password.MatchString(d.Password) || web.CheckPasscode(d.Passcode, c.BirthDate) != nil || c.PasswordIsDemo {
						t.Errorf("random secrets %q %q", d.Password, d.Passcode)
					}
				} else if d.Password != store.DemoPassword || d.Passcode != store.DemoPasscode {
					t.Errorf("secrets %q %q, want the demo ones", d.Password, d.Passcode)
				}
			}
			if _, err := Create(ctx, st, fastHasher(), drafts, now); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, n := range []int{0, MaxVisitors + 1} {
		if _, err := Visitors(ctx, st, n, VisitorOptions{}, now); err == nil || !strings.Contains(err.Error(), "từ 1 đến 200") {
			t.Errorf("%d visitors: %v", n, err)
		}
	}
}

// The demo secrets of a batch are hashed once; random ones each get their own hash.
func TestCreateHashesDemoSecretsOnce(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	for _, random := range []bool{false, true} {
		drafts, err := Visitors(ctx, st, 3, VisitorOptions{RandomSecrets: random}, now)
		if err != nil {
			t.Fatal(err)
		}
		accounts, err := Create(ctx, st, fastHasher(), drafts, now)
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[string]bool{}
		for _, a := range accounts {
			c, _ := st.CitizenByIDNumber(ctx, a.Citizen.IDNumber)
			hashes[c.PasswordHash] = true
		}
		if want := map[bool]int{false: 1, true: 3}[random]; len(hashes) != want {
			t.Errorf("random secrets %v: %d password hashes, want %d", random, len(hashes), want)
		}
	}
}

func mustYear(t *testing.T, iso string) int {
	t.Helper()
	var y int
	if _, err := fmt.Sscan(iso[:4], &y); err != nil {
		t.Fatal(err)
	}
	return y
}
