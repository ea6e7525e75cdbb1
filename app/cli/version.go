package cli

import (
	"context"
	"flag"
	"fmt"

	"dvclogin/app/version"
)

// runVersion prints the version, commit, commit date and Go version of this binary (also
// `dvclogin -version`).
func runVersion(_ context.Context, args []string, s Streams) error {
	fs := flag.NewFlagSet("dvclogin version", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	_, err := fmt.Fprint(s.Out, version.Get())
	return err
}
