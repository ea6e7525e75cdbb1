package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// One-click start: a double-clicked binary serves and opens the portal in the default browser;
// on Windows its console window stays open when the server stops on its own, so the reason
// can be read.

// openChoice is -open (env DVC_OPEN): unset leaves the choice to how the process was started.
type openChoice struct {
	set, on bool
}

func (o *openChoice) String() string {
	if !o.set {
		return "auto"
	}
	return strconv.FormatBool(o.on)
}

func (o *openChoice) Set(v string) error {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	o.set, o.on = true, on
	return nil
}

// IsBoolFlag lets "-open" stand alone for "-open=true".
func (o *openChoice) IsBoolFlag() bool { return true }

// launch is how the process was started, as far as the one-click start cares.
type launch struct {
	goos    string
	getenv  func(string) string
	args    []string // the command-line arguments
	stdin   stdinKind
	testing bool // a test binary: never opens a browser, never waits for Enter
}

// currentLaunch describes this process.
func currentLaunch(args []string, in io.Reader) launch {
	return launch{goos: runtime.GOOS, getenv: os.Getenv, args: args, stdin: stdinOf(in), testing: testing.Testing()}
}

// doubleClicked reports a start with no arguments, outside CI, with no input piped in: a
// double-click, or a bare `dvclogin` typed in a terminal, where a browser is welcome too.
func (l launch) doubleClicked() bool {
	return !l.testing && len(l.args) == 0 && l.getenv("CI") == "" && l.stdin != stdinOther
}

// desktop reports a graphical session a browser can open in: Windows and macOS have one
// unless reached over SSH; elsewhere X11 or Wayland must be there.
func (l launch) desktop() bool {
	if l.getenv("SSH_CONNECTION") != "" {
		return false
	}
	switch l.goos {
	case "windows", "darwin":
		return true
	}
	return l.getenv("DISPLAY") != "" || l.getenv("WAYLAND_DISPLAY") != ""
}

// shouldOpenBrowser decides whether to open the portal: what -open or DVC_OPEN says, else
// yes for a double-click in a desktop session. A test binary never opens one.
func (l launch) shouldOpenBrowser(choice openChoice) bool {
	switch {
	case l.testing:
		return false
	case choice.set:
		return choice.on
	}
	return l.doubleClicked() && l.desktop()
}

// holdsWindow reports whether the console window must wait for Enter when the server stops
// on its own: Windows closes the window a double-clicked program opened as soon as it ends.
func (l launch) holdsWindow() bool {
	return l.goos == "windows" && l.doubleClicked() && l.stdin == stdinTerminal
}

// holdWindow shows why the server stopped and waits for Enter before the window closes.
func holdWindow(s Streams, err error) {
	fmt.Fprintf(s.Err, "\ndvclogin: %v\nNhấn Enter để đóng cửa sổ.\n", err)
	bufio.NewReader(s.In).ReadString('\n')
}

// browserCommand opens url in the default browser of goos.
func browserCommand(goos, url string) *exec.Cmd {
	switch goos {
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	case "darwin":
		return exec.Command("open", url)
	}
	return exec.Command("xdg-open", url)
}

// healthURL is /healthz at the address the server listens on, from this machine, over plain
// HTTP: the server answers it there with -tls too, and no certificate has to be trusted.
func healthURL(bound net.Addr) string {
	host, port := "127.0.0.1", "8080"
	if ta, ok := bound.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
		if ta.IP != nil && !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}

// openWhenHealthy opens the portal at base in the browser once health answers 200, so the
// page never meets a server that is still starting. It gives up after 30 s or when ctx ends.
func openWhenHealthy(ctx context.Context, goos, health, base string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	for !healthy(ctx, hc, health) {
		select {
		case <-ctx.Done():
			log.Warn("did not open the browser: the server did not answer /healthz", "url", health)
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
	cmd := browserCommand(goos, base+"/")
	if err := cmd.Start(); err != nil {
		log.Warn("could not open the browser; open the portal by hand", "url", base+"/", "err", err)
		return
	}
	log.Info("opening the portal in the default browser", "url", base+"/")
	// The opener hands the address to the browser and ends; the browser lives on by itself.
	if err := cmd.Wait(); err != nil {
		log.Warn("the browser did not open; open the portal by hand", "url", base+"/", "err", err)
	}
}

// healthy reports whether url answers 200.
func healthy(ctx context.Context, hc *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
