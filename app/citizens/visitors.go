package citizens

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// MaxVisitors is the most visitor accounts one request makes: a class is 30 people, and with
// random secrets each visitor costs two slow hashes.
const MaxVisitors = 200

// VisitorOptions say how visitor accounts are made.
type VisitorOptions struct {
	RandomSecrets bool // each gets its own random password and passcode, else the demo ones
	WebLogin      bool // "Đăng nhập trên website" on
}

// Common family names, and middle and given names by gender: the visitors' names are made of
// them (made up, like the visitors). Names and the stored genders are data, the same in every
// language.
var (
	familyNames = strings.Fields("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý") // i18n:vi
	middleNames = map[string][]string{
		"Nam": strings.Fields("Văn Đức Minh Quang Hữu Thành Công Xuân Gia Quốc"),  // i18n:vi
		"Nữ":  strings.Fields("Thị Ngọc Thu Thanh Minh Phương Kim Bảo Hồng Diệu"), // i18n:vi
	}
	givenNames = map[string][]string{
		"Nam": strings.Fields("An Bình Cường Dũng Hải Hùng Khánh Long Nam Phong Quân Sơn Tuấn Việt Hiếu Đạt Trung Thắng Huy Khoa"), // i18n:vi
		"Nữ":  strings.Fields("Anh Chi Dung Giang Hà Hạnh Hoa Hương Lan Linh Mai Nhung Phương Thảo Trang Vy Yến Hằng Thủy Ngân"),   // i18n:vi
	}
)

// Visitors makes n made-up visitor accounts of level 2 for a class: plausible Vietnamese names,
// adult birth dates, ID numbers with the real structure and mobile numbers, none of them a
// citizen's yet (st is asked) nor repeated among themselves. now is the clock.
func Visitors(ctx context.Context, st *store.Store, n int, opts VisitorOptions, now time.Time) ([]Draft, error) {
	if n < 1 || n > MaxVisitors {
		return nil, Problems{problem(0, "", i18n.Msg("Số tài khoản khách phải từ 1 đến %d.", MaxVisitors))}
	}
	codes := make([]string, 0, len(provinces))
	for code := range provinces {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	prefixes := make([]string, 0, len(mobilePrefixes))
	for p := range mobilePrefixes {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	used := map[string]bool{}
	drafts := make([]Draft, 0, n)
	for len(drafts) < n {
		f := visitorFields(codes, prefixes, used, now)
		fresh, err := unused(ctx, st, f.IDNumber, f.Phone)
		if err != nil {
			return nil, err
		}
		if !fresh {
			continue
		}
		f.Level, f.WebLogin = "2", "0"
		if opts.WebLogin {
			f.WebLogin = "1"
		}
		if opts.RandomSecrets {
			f.Password, f.Passcode = randomPassword(), randomPasscode(f.Birth, now)
		}
		d, ps := Check(f, now)
		if len(ps) > 0 {
			return nil, fmt.Errorf("made-up visitor refused: %w", ps)
		}
		used[f.IDNumber], used[f.Phone], used[d.Citizen.FullName] = true, true, true
		drafts = append(drafts, d)
	}
	return drafts, nil
}

// visitorFields draws one visitor, with an ID number, phone number and name not in used (a
// name may repeat only when a class is larger than the names allow).
func visitorFields(codes, prefixes []string, used map[string]bool, now time.Time) Fields {
	gender := []string{"Nam", "Nữ"}[mrand.IntN(2)]
	var name string
	for try := 0; try < 20 && (name == "" || used[name]); try++ {
		name = pick(familyNames) + " " + pick(middleNames[gender]) + " " + pick(givenNames[gender])
	}
	// An adult of 18 to 65: a day drawn from the 47 years that ended on the 18th birthday.
	today := now.In(vnZone)
	youngest := time.Date(today.Year()-18, today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	birth := youngest.AddDate(0, 0, -mrand.IntN(47*365))
	var id, phone string
	for id == "" || used[id] {
		id = makeIDNumber(pick(codes), birth.Year(), gender, mrand.IntN(1000000))
	}
	for phone == "" || used[phone] {
		phone = fmt.Sprintf("%s%07d", pick(prefixes), mrand.IntN(10000000))
	}
	return Fields{IDNumber: id, Name: name, Birth: birth.Format(time.DateOnly), Gender: gender, Phone: phone}
}

// unused reports whether no citizen has this ID number or this phone number.
func unused(ctx context.Context, st *store.Store, id, phone string) (bool, error) {
	for _, lookup := range []func() (store.Citizen, error){
		func() (store.Citizen, error) { return st.CitizenByIDNumber(ctx, id) },
		func() (store.Citizen, error) { return st.CitizenByPhone(ctx, phone) },
	} {
		_, err := lookup()
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	return true, nil
}

func pick(list []string) string { return list[mrand.IntN(len(list))] }

// passwordAlphabet has no characters that read alike on a printed card (0/O, 1/l/I).
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomPassword is a password to print on a card: two groups of four characters from the
// system's random source (about 46 bits), easy to type from paper.
func randomPassword() string {
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i == 4 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[cryptoIntN(len(passwordAlphabet))])
	}
	return b.String()
}

// randomPasscode is a 6-digit passcode from the system's random source that the passcode rules
// accept for this birth date.
func randomPasscode(birth string, now time.Time) string {
	iso, _ := parseBirth(birth, now)
	for {
		pc := fmt.Sprintf("%06d", cryptoIntN(1000000))
		if secretProblem(web.CheckPasscode(pc, iso)).Key == "" {
			return pc
		}
	}
}

// cryptoIntN is a uniform random number in [0, n) from crypto/rand.
func cryptoIntN(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int(v.Int64())
}
