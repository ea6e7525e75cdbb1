package cli

import (
	"io"
	"io/fs"
)

// stdinKind is what the process's standard input is.
type stdinKind int

const (
	stdinNone     stdinKind = iota // no input at all: closed, or not a file
	stdinTerminal                  // a character device: a console window, a terminal, or the null device a file manager gives
	stdinOther                     // a pipe or a file: a script runs us
)

// stdinOf tells what r is. The null device cannot be told from a terminal by its mode; both
// mean that no script feeds the program, and a question asked there gets no yes by itself.
func stdinOf(r io.Reader) stdinKind {
	f, ok := r.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return stdinNone
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		return stdinNone
	case fi.Mode()&fs.ModeCharDevice != 0:
		return stdinTerminal
	}
	return stdinOther
}
