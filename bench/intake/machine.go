package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the bench runs: the figures mean little without it.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1] + " kB RAM"
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	load, _ := os.ReadFile("/proc/loadavg")
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	return fmt.Sprintf("machine: %s, %d CPUs, %s, Linux %s, %s (bench built with %s)\nload average at start: %s\n",
		cpu, runtime.NumCPU(), mem, strings.TrimSpace(string(kernel)), strings.TrimSpace(string(goVersion)),
		runtime.Version(), strings.TrimSpace(string(load)))
}

func writeFile(name, content string) error {
	return os.WriteFile(name, []byte(content), 0o600)
}
