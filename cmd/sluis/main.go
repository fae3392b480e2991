// Command sluis runs the Sluis secure-mail gateway and administers it.
// It is the composition root: the only place that reads flags and the
// environment, builds every dependency, and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // dates in mail are written in Europe/Amsterdam time, whatever the host has
)

// env is what a command may touch of the outside world; tests give their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr, os.Getenv})
	stop()
	os.Exit(code)
}

const usage = `Usage: sluis <command> [flags]

Commands:
  serve                          run the portal, the SMTP intake and the jobs
  demo                           serve a throw-away demo organisation
  migrate                        bring the database schema up to date
  org create --name N --domain D create an organisation (--domain may repeat)
  user add --email A --role R    add a sender or admin (password from --password or standard input)
  contacts import --org D FILE   import an organisation's address book from CSV
  blobs migrate --from DIR --to s3://BUCKET?…
                                 copy a blob folder into a bucket (resumable, verified)
  version                        print the version

Every flag has an environment twin: --base-url is SLUIS_BASE_URL.
Run 'sluis <command> -h' for a command's flags.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// run dispatches to a command and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, env) error{
		"serve":           cmdServe,
		"demo":            cmdDemo,
		"migrate":         cmdMigrate,
		"org create":      cmdOrgCreate,
		"user add":        cmdUserAdd,
		"contacts import": cmdContactsImport,
		"blobs migrate":   cmdBlobsMigrate,
		"version": func(context.Context, []string, env) error {
			_, err := fmt.Fprintln(e.stdout, "sluis", version)
			return err
		},
	}
	name, rest := args[0], args[1:]
	if _, ok := cmds[name]; !ok && len(args) > 1 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	cmd, ok := cmds[name]
	if !ok {
		if name == "help" || name == "-h" || name == "--help" {
			fmt.Fprint(e.stdout, usage)
			return 0
		}
		fmt.Fprintf(e.stderr, "sluis: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, rest, e)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(e.stderr, "sluis %s: %v\n", name, err)
	return 1
}

// errUsage: the flags were wrong; the flag package has said why.
var errUsage = errors.New("usage")

// newFlags returns a flag set for a command with the shared settings.
func newFlags(name string, e env, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("sluis "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c.register(fs)
	return fs
}

// parseFlags parses args, then the environment. The flag package has
// already explained a bad flag, so that is errUsage.
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return applyEnv(fs, e.getenv)
}
