// Package cli is the dvclogin command line: the server (the default command) and the
// operator's tools, each a subcommand with its own flags. main only hands it the process's
// arguments and streams, so tests drive every command exactly as a user types it.
package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Streams are a command's standard input, output and error.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// command is one subcommand: what it does in a line, and how it runs with its arguments.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, s Streams) error
}

// commands are the subcommands by name. "serve" is also what runs without one.
var commands = map[string]command{
	"serve":    {"serve the portal, the identity provider, the phone app and the console (default)", serve},
	"load":     {"drive a running server with simulated citizens (loopback only)", runLoad},
	"clients":  {"register your own services as OpenID Connect clients (add, list, remove, rotate-secret)", runClients},
	"citizens": {"add, import, list or generate citizens of a data folder (works while the server runs)", citizensCmd},
	"reset":    {"put the demo data back as a first start seeds it, while serving (keys and console password stay)", runReset},
	"backup":   {"write a consistent copy of the database to a new file, while serving", runBackup},
	"restore":  {"replace the database with a backup (server stopped; the old one is kept)", runRestore},
	"copy":     {"move a data folder's SQLite database into an empty PostgreSQL database (-from DIR -to URL)", runCopy},
	"version":  {"print the version, commit, date and Go version", runVersion},
}

// Run runs the command named by args[0], or the server when args is empty or starts with a
// flag.
func Run(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return serve(ctx, args, s)
	}
	if args[0] == "help" {
		usage(s.Out)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(s.Err)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, args[1:], s)
}

// usage lists the commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: dvclogin [command] [flags]   (dvclogin <command> -h for a command's flags)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
