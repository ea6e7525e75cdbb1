// Command dvclogin serves, offline, the login world of the National Public Service Portal
// with VNeID: the portal, the identity provider, a VNeID phone-app simulator and an operator
// console. `dvclogin help` lists its commands.
package main

import (
	"context"
	"fmt"
	"os"

	"dvclogin/app/cli"
)

func main() {
	if err := cli.Run(context.Background(), os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "dvclogin:", err)
		os.Exit(1)
	}
}
