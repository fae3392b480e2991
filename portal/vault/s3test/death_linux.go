package s3test

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill weed when the test binary dies, so
// a test that panics or times out leaves no server behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
