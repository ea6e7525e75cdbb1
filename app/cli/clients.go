package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The "clients" command: an integrator registers their own service as an OpenID Connect client
// of the identity provider, in the data folder a server uses. The server need not stop: its
// provider reads registered clients from the database at each use.

// clientCommands are the subcommands of "clients".
var clientCommands = map[string]command{
	"add":           {"register a service: -id ID -name NAME -redirect-uri URI [...] [-public]", addClient},
	"list":          {"list the registered services", listClients},
	"remove":        {"remove a service, revoking its tokens and grants: remove -id ID", removeClient},
	"rotate-secret": {"give a confidential service a new secret (the old one stops working): rotate-secret -id ID", rotateClientSecret},
}

// runClients runs one subcommand of "clients".
func runClients(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		clientsUsage(s.Err)
		if len(args) == 0 {
			return errors.New("clients: missing subcommand (add, list, remove, rotate-secret)")
		}
		return nil
	}
	cmd, ok := clientCommands[args[0]]
	if !ok {
		clientsUsage(s.Err)
		return fmt.Errorf("clients: unknown subcommand %q", args[0])
	}
	return cmd.run(ctx, args[1:], s)
}

func clientsUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: dvclogin clients <subcommand> [flags]   (Ứng dụng tích hợp: dịch vụ đăng nhập qua OpenID Connect)")
	for _, n := range []string{"add", "list", "remove", "rotate-secret"} {
		fmt.Fprintf(w, "  %-14s %s\n", n, clientCommands[n].summary)
	}
	fmt.Fprintln(w, "Every subcommand takes -data DIR, the server's data folder (env DVC_DATA, default ./data).")
}

// uriList is a flag that may be given several times.
type uriList []string

func (l *uriList) String() string     { return strings.Join(*l, " ") }
func (l *uriList) Set(v string) error { *l = append(*l, v); return nil }

// clientFlags is a subcommand's flag set with -data and -seed.
func clientFlags(name string, s Streams) (*flag.FlagSet, *dataFolder) {
	fs := flag.NewFlagSet("dvclogin clients "+name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	return fs, dataFlags(fs)
}

// parseInterspersed parses flags written before or after the positional arguments
// ("remove ID -data DIR" reads as naturally as "remove -data DIR ID") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// oneClientID is the client id of remove and rotate-secret: -id ID, or the id alone as a
// plain argument ("remove ho-tich"), as people also type it.
func oneClientID(fs *flag.FlagSet, args []string) (string, error) {
	id := fs.String("id", "", "client_id of the service")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	if *id != "" {
		pos = append([]string{*id}, pos...)
	}
	if len(pos) != 1 {
		return "", fmt.Errorf("%s: give exactly one client id (cần đúng một mã ứng dụng), e.g. %s -id ho-tich", fs.Name(), fs.Name())
	}
	return pos[0], nil
}

// clientsRefusal turns a refused request into the command's error: what to do in Vietnamese, why in
// English.
func clientsRefusal(cmd string, err error) error {
	var e *web.Error
	if errors.As(err, &e) {
		return fmt.Errorf("%s: %s (%v)", cmd, e.Msg, e.Err)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

func addClient(ctx context.Context, args []string, s Streams) error {
	fs, data := clientFlags("add", s)
	id := fs.String("id", "", "client_id: 3-64 of a-z 0-9 . _ -, starting with a letter or digit")
	name := fs.String("name", "", "the service's name, shown to citizens at login (Tên dịch vụ)")
	var redirects, logouts uriList
	fs.Var(&redirects, "redirect-uri", "an exact redirect URI (repeat for more)")
	fs.Var(&logouts, "post-logout-redirect-uri", "an exact address to return to after logout (repeat for more)")
	public := fs.Bool("public", false, "a public client (native or browser app): no secret, PKCE S256 required")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("clients add: unexpected argument %q (tham số thừa); the id goes in -id", pos[0])
	}
	c, secret, err := web.NewOIDCClient(*id, *name, redirects, logouts, *public, time.Now())
	if err != nil {
		return clientsRefusal("clients add", err)
	}
	st, err := data.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := web.RegisterOIDCClient(ctx, st, c); err != nil {
		return clientsRefusal("clients add", err)
	}
	if err := auditCLI(ctx, st, "oidc_client_added", "", clientDetail(c)); err != nil {
		return err
	}
	// Scripts read the secret from stdout, which holds that one line and nothing else; what
	// a person reads goes to stderr.
	if c.Public {
		fmt.Fprintf(s.Err, "Đã đăng ký ứng dụng công khai (public) %q.\nclient_id: %s\n", c.Name, c.ID)
		fmt.Fprintln(s.Err, "Ứng dụng công khai không có khóa bí mật: mỗi lần đăng nhập phải dùng PKCE với S256.")
		return nil
	}
	fmt.Fprintf(s.Err, "Đã đăng ký ứng dụng %q (confidential).\nclient_id: %s\n", c.Name, c.ID)
	return printSecret(s, c.ID, secret)
}

// clientDetail is the audit detail of a registration.
func clientDetail(c store.OIDCClient) string {
	kind := "confidential"
	if c.Public {
		kind = "public"
	}
	return fmt.Sprintf("client=%s (%s) name=%q redirect_uris=%s", c.ID, kind, c.Name, strings.Join(c.RedirectURIs, " "))
}

// printSecret prints the secret as the one line of stdout, and its warning on stderr.
func printSecret(s Streams, id, secret string) error {
	fmt.Fprintf(s.Err, "Khóa bí mật (client_secret) chỉ hiện một lần này: hãy lưu lại ngay. Máy chủ chỉ giữ bản băm của nó; "+
		"nếu mất, tạo khóa mới bằng: dvclogin clients rotate-secret -id %s\n", id)
	_, err := fmt.Fprintf(s.Out, "client_secret: %s\n", secret)
	return err
}

func listClients(ctx context.Context, args []string, s Streams) error {
	fs, data := clientFlags("list", s)
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("clients list: unexpected argument %q (tham số thừa)", pos[0])
	}
	st, err := data.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListOIDCClients(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(s.Out, "Chưa có ứng dụng tích hợp nào. Đăng ký bằng: dvclogin clients add -id ID -name \"Tên dịch vụ\" -redirect-uri URI")
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tTÊN DỊCH VỤ\tLOẠI\tREDIRECT URI")
	for _, c := range list {
		kind := "confidential"
		if c.Public {
			kind = "public (PKCE)"
		}
		for i, u := range c.RedirectURIs {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Name, kind, u)
			} else {
				fmt.Fprintf(tw, "\t\t\t%s\n", u)
			}
		}
	}
	return tw.Flush()
}

// namedClient reads the one client id of remove and rotate-secret and opens the data folder.
func namedClient(ctx context.Context, name string, args []string, s Streams) (string, *store.Store, error) {
	fs, data := clientFlags(name, s)
	id, err := oneClientID(fs, args)
	if err != nil {
		return "", nil, err
	}
	st, err := data.open(ctx, s.Err)
	return id, st, err
}

func removeClient(ctx context.Context, args []string, s Streams) error {
	id, st, err := namedClient(ctx, "remove", args, s)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := web.RemoveOIDCClient(ctx, st, id, time.Now())
	if err != nil {
		return clientsRefusal("clients remove", err)
	}
	if err := auditCLI(ctx, st, "oidc_client_removed", "", fmt.Sprintf("client=%s tokens=%d grants=%d", id, r.Tokens, r.Grants)); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Đã xóa ứng dụng %q: thu hồi %d token, hủy %d lượt cấp quyền và đăng nhập dang dở.\n", id, r.Tokens, r.Grants)
	return nil
}

func rotateClientSecret(ctx context.Context, args []string, s Streams) error {
	id, st, err := namedClient(ctx, "rotate-secret", args, s)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := web.RotateOIDCClientSecret(ctx, st, id, time.Now())
	if err != nil {
		return clientsRefusal("clients rotate-secret", err)
	}
	if err := auditCLI(ctx, st, "oidc_client_secret_rotated", "", "client="+id); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "Đã đổi khóa bí mật của ứng dụng %q: khóa cũ ngừng hoạt động ngay.\nclient_id: %s\n", id, id)
	return printSecret(s, id, secret)
}
