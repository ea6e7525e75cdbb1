package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"dvclogin/store"
)

// The data folder's database as a file an operator carries: a backup while serving, a restore
// while stopped.

// parseFileArgs parses fs's flags around exactly one file argument, so that both
// "backup FILE -data DIR" and "backup -data DIR FILE" work.
func parseFileArgs(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	switch {
	case err != nil:
		return "", err
	case len(pos) == 0:
		return "", fmt.Errorf("thiếu tên tệp: %s FILE [-data DIR | -db URL]", fs.Name())
	case len(pos) > 1:
		return "", fmt.Errorf("thừa tham số %q: %s FILE [-data DIR | -db URL]", pos[1], fs.Name())
	}
	return pos[0], nil
}

// runBackup is "dvclogin backup FILE": a consistent copy of the database, even while the
// server runs.
func runBackup(ctx context.Context, args []string, s Streams) error {
	fs := flag.NewFlagSet("dvclogin backup", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	data := dataFlags(fs)
	file, err := parseFileArgs(fs, args)
	if err != nil {
		return err
	}
	st, err := data.open(ctx, s.Err) // a folder without a database gets one first
	if err != nil {
		return err
	}
	if data.db != "" {
		defer st.Close()
		return backupPostgres(ctx, st, data, file, s)
	}
	st.Close()
	db := data.database()
	if err := store.Backup(ctx, db, file); err != nil {
		return explain(err)
	}
	size := int64(0)
	if fi, err := os.Stat(file); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(s.Out, "Đã sao lưu %s vào %s (%d KB, kiểm tra toàn vẹn: ok).\n", db, file, (size+1023)/1024)
	return nil
}

// runRestore is "dvclogin restore FILE": the database of the data folder replaced by a
// backup, with the server stopped; the replaced database is kept beside it.
func runRestore(ctx context.Context, args []string, s Streams) error {
	fs := flag.NewFlagSet("dvclogin restore", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	data := dataFlags(fs)
	file, err := parseFileArgs(fs, args)
	if err != nil {
		return err
	}
	if data.db != "" {
		return restorePostgres(ctx, data, file, s)
	}
	db := data.database()
	keep := db + ".truoc-khoi-phuc-" + time.Now().Format("20060102-150405")
	if err := store.Restore(ctx, file, db, keep); err != nil {
		return explain(err)
	}
	fmt.Fprintf(s.Out, "Đã khôi phục %s từ %s.\n", db, file)
	if _, err := os.Stat(keep); err == nil {
		fmt.Fprintf(s.Out, "Cơ sở dữ liệu cũ được giữ ở %s.\n", keep)
	}
	fmt.Fprintln(s.Out, "Khởi động lại máy chủ để dùng dữ liệu vừa khôi phục.")
	return nil
}

// backupPostgres writes the PostgreSQL database's data to file as the SQLite backup file an
// SQLite server's backup is, so it restores on either.
func backupPostgres(ctx context.Context, st *store.Store, data *dataFolder, file string, s Streams) error {
	if err := st.BackupTo(ctx, file); err != nil {
		if errors.Is(err, store.ErrExists) {
			return explain(err)
		}
		return fmt.Errorf("sao lưu %s không thành công: %w", data.where(), explain(err))
	}
	size := int64(0)
	if fi, err := os.Stat(file); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(s.Out, "Đã sao lưu %s vào %s (một ảnh chụp nhất quán, %d KB, kiểm tra toàn vẹn: ok).\n", data.where(), file, (size+1023)/1024)
	return nil
}

// restorePostgres replaces the PostgreSQL database's data with the backup file's, in one
// transaction, once every server on it is stopped (a running one holds a lock restore checks);
// the replaced data is kept first in a backup file beside file.
func restorePostgres(ctx context.Context, data *dataFolder, file string, s Streams) error {
	if !store.IsPostgresURL(data.db) {
		return errors.New("-db (DVC_DB) phải là địa chỉ PostgreSQL dạng postgres://NGƯỜI_DÙNG:MẬT_KHẨU@MÁY:CỔNG/TÊN_CSDL; để trống để dùng SQLite trong thư mục -data")
	}
	if _, err := store.CheckDatabase(ctx, file); err != nil {
		return explain(err)
	}
	made, err := store.Made(ctx, data.db)
	if err != nil {
		return data.explain(err)
	}
	st, err := store.Open(ctx, data.db)
	if err != nil {
		return data.explain(err)
	}
	defer st.Close()
	inUse := func(n int) error {
		return fmt.Errorf("%d máy chủ dvclogin đang chạy trên cơ sở dữ liệu PostgreSQL %s: dừng tất cả máy chủ rồi chạy lại lệnh (khôi phục thay cả khoá và bí mật mà máy chủ đang giữ)", n, data.where())
	}
	n, err := st.InstancesRunning(ctx)
	if err != nil {
		return data.explain(err)
	}
	if n > 0 {
		return inUse(n)
	}
	keep := ""
	if made {
		keep = filepath.Join(filepath.Dir(file), "postgres.truoc-khoi-phuc-"+time.Now().Format("20060102-150405")+".db")
		if err := st.BackupTo(ctx, keep); err != nil {
			return fmt.Errorf("giữ bản sao dữ liệu cũ vào %s không thành công, không có gì bị thay đổi: %w", keep, explain(err))
		}
	}
	counts, err := st.RestoreFrom(ctx, file)
	if errors.Is(err, store.ErrInUse) {
		n, _ := st.InstancesRunning(ctx)
		return inUse(max(n, 1))
	}
	if err != nil {
		return fmt.Errorf("khôi phục %s không thành công, cơ sở dữ liệu không bị thay đổi: %w", data.where(), explain(err))
	}
	total := 0
	for _, c := range counts {
		total += c.Rows
	}
	fmt.Fprintf(s.Out, "Đã khôi phục %s từ %s (%d dòng của %d bảng, trong một giao dịch).\n", data.where(), file, total, len(counts))
	if keep != "" {
		fmt.Fprintf(s.Out, "Dữ liệu cũ được giữ ở %s.\n", keep)
	}
	fmt.Fprintln(s.Out, "Khởi động các máy chủ để dùng dữ liệu vừa khôi phục.")
	return nil
}

// explain says in the operator's words why the database tools refused a file, and what to do.
func explain(err error) error {
	var fe *store.FileError
	if !errors.As(err, &fe) {
		return err
	}
	var newer *store.NewerSchemaError
	switch {
	case errors.As(err, &newer):
		return fmt.Errorf("%s được tạo bởi một phiên bản dvclogin mới hơn (lược đồ %d, chương trình này chỉ biết đến %d): hãy dùng phiên bản dvclogin mới hơn", fe.Path, newer.Version, newer.Known)
	case errors.Is(err, store.ErrInUse):
		return fmt.Errorf("cơ sở dữ liệu %s đang được mở (máy chủ dvclogin đang chạy?): dừng máy chủ (Ctrl+C) rồi chạy lại lệnh", fe.Path)
	case errors.Is(err, store.ErrExists):
		return fmt.Errorf("tệp %s đã tồn tại: chọn tên tệp khác (không bao giờ ghi đè)", fe.Path)
	case errors.Is(err, store.ErrNoDatabase):
		return fmt.Errorf("không tìm thấy %s: kiểm tra lại đường dẫn (thư mục dữ liệu của máy chủ chọn bằng -data DIR)", fe.Path)
	case errors.Is(err, store.ErrNotSQLite):
		return fmt.Errorf("%s không phải cơ sở dữ liệu SQLite hoặc đã bị hỏng: không dùng tệp này", fe.Path)
	case errors.Is(err, store.ErrNotDvclogin):
		return fmt.Errorf("%s là cơ sở dữ liệu SQLite nhưng không phải của dvclogin: không dùng tệp này", fe.Path)
	}
	return err
}
