package citizens

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Account is a stored citizen and the secrets to print on a login card when they are known:
// right after Create (the caller typed or generated them), or the demo ones. The server keeps
// only hashes, so otherwise they are "".
type Account struct {
	Citizen  store.Citizen
	Password string
	Passcode string
}

// DemoAccount is a stored citizen with the secrets it is known to have: the demo password and
// passcode where it still has them.
func DemoAccount(c store.Citizen) Account {
	a := Account{Citizen: c}
	if c.PasswordIsDemo {
		a.Password = store.DemoPassword
	}
	if c.PasscodeIsDemo {
		a.Passcode = store.DemoPasscode
	}
	return a
}

// Create stores checked drafts as new citizens, all of them or none. An ID number or phone
// number that a citizen already has is reported (with the draft's line) before any secret is
// hashed, and again by the store's transaction if another writer took it meanwhile. Secrets
// are hashed with h; the demo secrets once for the whole batch, since they are published and a
// salt of their own would protect nothing. It returns the accounts with their secrets.
func Create(ctx context.Context, st *store.Store, h *web.Hasher, drafts []Draft, now time.Time) ([]Account, error) {
	if ps, err := taken(ctx, st, drafts); err != nil || len(ps) > 0 {
		if err != nil {
			return nil, err
		}
		return nil, ps
	}
	hashes := map[string]string{}
	hash := func(secret string, shared bool) (string, error) {
		if known, ok := hashes[secret]; ok && shared {
			return known, nil
		}
		out, err := h.Hash(ctx, secret)
		if shared {
			hashes[secret] = out
		}
		return out, err
	}
	cs := make([]store.Citizen, len(drafts))
	accounts := make([]Account, len(drafts))
	for i, d := range drafts {
		c := d.Citizen
		var err error
		if c.PasswordHash, err = hash(d.Password, c.PasswordIsDemo); err != nil {
			return nil, err
		}
		if c.PasscodeHash, err = hash(d.Passcode, c.PasscodeIsDemo); err != nil {
			return nil, err
		}
		c.ID, c.CreatedAt = newID(), now
		cs[i] = c
		accounts[i] = Account{Citizen: c, Password: d.Password, Passcode: d.Passcode}
	}
	var dup *store.DuplicateError
	if err := st.CreateCitizens(ctx, cs); errors.As(err, &dup) {
		return nil, Problems{duplicate(drafts[dup.Index], dup.Field)}
	} else if err != nil {
		return nil, err
	}
	return accounts, nil
}

// taken reports each draft whose ID number or phone number a citizen already has.
func taken(ctx context.Context, st *store.Store, drafts []Draft) (Problems, error) {
	var ps Problems
	for _, d := range drafts {
		for _, f := range []struct {
			field  string
			lookup func(context.Context, string) (store.Citizen, error)
			value  string
		}{
			{FieldID, st.CitizenByIDNumber, d.Citizen.IDNumber},
			{FieldPhone, st.CitizenByPhone, d.Citizen.Phone},
		} {
			_, err := f.lookup(ctx, f.value)
			switch {
			case err == nil:
				ps = append(ps, duplicate(d, f.field))
			case !errors.Is(err, store.ErrNotFound):
				return nil, err
			}
		}
	}
	return ps, nil
}

// duplicate is the problem of a draft whose field (FieldID or FieldPhone; the store's
// "id_number" is the ID) another citizen has.
func duplicate(d Draft, field string) Problem {
	if field == FieldPhone {
		return problem(d.Line, FieldPhone, i18n.Msg("Số điện thoại %s đã thuộc về một công dân khác.", d.Citizen.Phone))
	}
	return problem(d.Line, FieldID, i18n.Msg("Số định danh %s đã có trong hệ thống.", d.Citizen.IDNumber))
}

// Import reads a CSV file (ReadCSV) and creates its citizens (Create): the whole file or
// nothing.
func Import(ctx context.Context, st *store.Store, h *web.Hasher, r io.Reader, now time.Time) ([]Account, error) {
	drafts, err := ReadCSV(r, now)
	if err != nil {
		return nil, err
	}
	return Create(ctx, st, h, drafts, now)
}

// newID returns a new citizen's opaque id (the OpenID Connect subject): a random UUID, like the
// seeded citizens'.
func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
