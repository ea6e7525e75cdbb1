package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"dvclogin/app"
	"dvclogin/store"
)

// runReset is "dvclogin reset": the console's "Khôi phục dữ liệu demo" from a terminal. It
// works while a server runs on the same folder: the server keeps nothing of the demo data in
// memory, so its next request sees the new data. Every session ends, the operator's too.
func runReset(ctx context.Context, args []string, s Streams) error {
	fs := flag.NewFlagSet("dvclogin reset", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	data := dataFlags(fs)
	yes := fs.Bool("yes", false, "reset without asking (only a terminal is asked)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("thừa tham số %q: dvclogin reset [-data DIR] [-yes]", pos[0])
	}
	db := data.database()
	if data.db != "" {
		db = data.where() // the URL without its password
	}
	st, err := data.open(ctx, s.Err)
	if err != nil {
		return explain(err)
	}
	defer st.Close()
	// A script (input not a terminal) asked for the reset by running it: only a person at a
	// terminal is asked to confirm.
	if !*yes && stdinOf(s.In) == stdinTerminal {
		if err := confirmReset(ctx, st, db, s); err != nil {
			return err
		}
	}
	now := time.Now()
	lost, err := app.ResetDemo(ctx, st, newHasher(), "",
		store.Event{At: now, Actor: "cli", Detail: "demo data back to the seed; every session ended"})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Đã khôi phục dữ liệu demo trong %s: xóa %d công dân, %d phiên đăng nhập, %d tin nhắn, %d dòng nhật ký; tạo lại %d công dân demo.\n",
		data.where(), lost.Citizens, lost.Sessions, lost.Messages, lost.Audit, len(store.DemoCitizens))
	fmt.Fprintln(s.Out, "Khóa, mật khẩu quản trị, ứng dụng tích hợp đã đăng ký và cấu hình giữ nguyên. Máy chủ đang chạy (nếu có) dùng dữ liệu mới ngay; mọi người phải đăng nhập lại.")
	return nil
}

// errNotConfirmed is the answer to anything but yes.
var errNotConfirmed = errors.New("đã hủy: dữ liệu không thay đổi")

// confirmReset lists what the reset deletes and asks on the terminal s.In.
func confirmReset(ctx context.Context, st *store.Store, db string, s Streams) error {
	lost, err := st.CountDemoData(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Khôi phục dữ liệu demo trong %s sẽ xóa:\n", db)
	for _, l := range lostLines(lost) {
		fmt.Fprintf(s.Out, "  - %s\n", l)
	}
	fmt.Fprintf(s.Out, "rồi tạo lại %d công dân demo. Khóa, mật khẩu quản trị, ứng dụng tích hợp đã đăng ký và cấu hình được giữ lại.\n", len(store.DemoCitizens))
	fmt.Fprint(s.Out, "Bạn có chắc? Gõ \"y\" rồi Enter để khôi phục, Enter để hủy: ")
	answer, err := bufio.NewReader(s.In).ReadString('\n')
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(s.Out) // nobody pressed Enter: end the question's line
	} else if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes", "c", "có", "co":
		return nil
	}
	return errNotConfirmed
}

// lostLines are the counts of the demo data, in the operator's words.
func lostLines(d store.DemoData) []string {
	lines := []string{
		fmt.Sprintf("%d công dân và mọi thay đổi trên tài khoản", d.Citizens),
		fmt.Sprintf("%d phiên đăng nhập (Cổng DVC, định danh, ứng dụng VNeID, quản trị)", d.Sessions),
		fmt.Sprintf("%d yêu cầu đăng nhập và đăng nhập bằng mã QR", d.Logins),
		fmt.Sprintf("%d token OpenID Connect", d.Tokens),
		fmt.Sprintf("%d mã OTP, mã kích hoạt và mã chuyển SIM", d.Codes),
		fmt.Sprintf("%d thiết bị và SIM", d.Devices),
		fmt.Sprintf("%d tin nhắn", d.Messages),
		fmt.Sprintf("%d lượt đăng nhập và gửi SMS đã ghi nhận", d.Attempts),
		fmt.Sprintf("%d dòng nhật ký", d.Audit),
	}
	if d.Other > 0 {
		lines = append(lines, fmt.Sprintf("%d dòng dữ liệu khác", d.Other))
	}
	return lines
}
