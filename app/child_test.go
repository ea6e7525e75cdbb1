package app_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// child is this test binary run again as a server in a process of its own, for the tests that
// kill servers (SIGKILL) and start them again.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // open while this process lives; the child exits when it closes
	exited chan struct{}
}

// startChild runs the test named run in a new process with env added, its output going to out,
// and waits until it answers 200 on http://addr/healthz (a minute at most).
func startChild(run string, env []string, out io.Writer, addr string) (*child, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &child{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	c := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("exited while starting: %v", cmd.ProcessState)
		default:
		}
		if resp, err := c.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
	p.kill()
	return nil, fmt.Errorf("/healthz did not answer 200 within a minute")
}

// kill ends the child with SIGKILL and waits until it is gone.
func (p *child) kill() error {
	err := p.cmd.Process.Kill()
	<-p.exited
	return err
}
