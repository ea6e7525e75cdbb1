package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"

	"dvclogin/app"
	"dvclogin/store"
)

// runCopy is "dvclogin copy -from DIR -to postgres://…": an office's SQLite database moved
// to PostgreSQL, every table in one transaction, into an empty database.
func runCopy(ctx context.Context, args []string, s Streams) error {
	fs := flag.NewFlagSet("dvclogin copy", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	from := fs.String("from", env("DVC_DATA", app.DefaultConfig().DataDir), "data folder whose SQLite database is copied (env DVC_DATA)")
	to := fs.String("to", env("DVC_DB", ""), "PostgreSQL URL of an empty database to copy into (env DVC_DB)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("thừa tham số %q: dvclogin copy -from THƯ_MỤC -to postgres://…", pos[0])
	}
	if !store.IsPostgresURL(*to) {
		return errors.New("-to phải là địa chỉ PostgreSQL dạng postgres://NGƯỜI_DÙNG:MẬT_KHẨU@MÁY:CỔNG/TÊN_CSDL (một cơ sở dữ liệu trống)")
	}
	where := "PostgreSQL"
	if u, err := url.Parse(*to); err == nil {
		where = u.Redacted()
	}
	file := app.DatabaseFile(*from)
	if made, err := store.Made(ctx, file); err != nil || !made {
		return fmt.Errorf("không có cơ sở dữ liệu dvclogin trong thư mục %s: hãy chỉ -from tới thư mục dữ liệu của máy chủ", *from)
	}
	src, err := store.Open(ctx, file)
	if err != nil {
		return explain(err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to)
	if err != nil {
		d := &dataFolder{db: *to}
		return d.explain(err)
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("cơ sở dữ liệu PostgreSQL %s đã có dữ liệu (%v): chỉ chép vào một cơ sở dữ liệu trống, không có gì đã bị thay đổi", where, err)
	}
	if err != nil {
		return fmt.Errorf("chép sang %s không thành công, cơ sở dữ liệu đích không bị thay đổi: %w", where, err)
	}
	total := 0
	for _, c := range counts {
		if c.Rows > 0 {
			fmt.Fprintf(s.Out, "  %-24s %d\n", c.Table, c.Rows)
		}
		total += c.Rows
	}
	fmt.Fprintf(s.Out, "Đã chép %d dòng của %d bảng từ %s sang %s.\n", total, len(counts), file, where)
	fmt.Fprintf(s.Out, "Khởi động máy chủ với -db %s (hoặc DVC_DB) để dùng dữ liệu này.\n", where)
	return nil
}
