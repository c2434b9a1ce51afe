package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/internal/lazyre"
)

// scanUsage is the help of `authgate scan`. It is written by hand to read
// well; a test checks that it names every flag.
const scanUsage = `Usage: authgate scan TARGET [flags]

Scan the running API at TARGET (a base URL, or one endpoint's URL) for
authentication and authorization flaws, score it and gate on the result.
Flags may come before or after TARGET; every flag can also be set in the
config file (see docs/config.md), and flags win over the file.

Input:
  --openapi PATH|URL         OpenAPI 3.x or Swagger 2.0 document (default: look on the target)
  --endpoint "METHOD /path"  add an operation by hand; repeatable
  --exclude "METHOD /path"   never send this operation ("*" method, trailing "*" path); repeatable
  --auth "Header: value"     credentials of the primary identity; repeatable
  --peer-auth "Header: value"  credentials of a second identity of the same role; repeatable
  --jwt-public-key FILE      the server's public JWT key (PEM, DER or JWK) for jwt-alg-confusion; repeatable
  --config PATH              YAML config file (default .authgate.yml if present; "" for none)
  --mode safe|active         active adds intrusive rules (default safe)
  --auto-accounts            active mode registers throw-away accounts of its own as primary and peer
  --jwt-wordlist FILE        candidate JWT HMAC keys, one a line, tried before the built-in list
  --no-discovery             do not look for endpoints the description does not list (/_debug, links)

Reports:
  --format FORMAT            report to stdout: text, json, sarif, markdown, junit, codequality; repeatable
  -o, --output [FORMAT=]PATH report to a file; format from the extension when omitted; repeatable
                             (without --format and -o: text to stdout)

Gate:
  --fail-under N             fail when the score is below N (default 70; with a baseline only when given)
  --fail-on SEVERITY         fail on a new finding at or above critical|high|medium|low|none (default high)
  --baseline PATH            an earlier JSON report; only findings not in it are new
  --baseline-url URL         scan this deployment too and use it as the baseline
  --max-score-drop N         fail when the score dropped more than N points below the baseline's

Bounds:
  --rate N                   most requests per second: the rate starts at 20/s and rises while the
                             target answers fast and cleanly, and drops at once on 429/503, errors
                             or slower answers; 0 for unlimited (default 10000)
  --concurrency N            parallel requests (default 8)
  --timeout D                per-request timeout (default 10s)
  --budget N                 max requests in total, a hard bound (default 20 per operation, at least 20000)
  --max-duration D           stop at D with a partial report marked incomplete, exit 3 (default 0: no bound)
  --shard I/N                scan only shard I of N of the operations
  --wait D                   wait up to D for the target to answer (default 5s)
  --insecure-tls             accept a self-signed certificate: no certificate checks for the target

Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error, 3 scan could not run.
`

// scanFlags is what the command line says, kept apart from the Config
// until the config file has been read, so that flags apply on top of it.
type scanFlags struct {
	configPath string
	configSet  bool
	// apply holds the flags' settings in command-line order.
	apply []func(*config.Config)
	// replaced records the list flags seen so far: the first use of a
	// list flag replaces the config file's list, later uses append.
	replaced         map[string]bool
	formats, outputs []string
	// err is the first bad flag value.
	err error
}

// parseScanFlags builds the scan's Config: Default(), then the config
// file (--config PATH, else .authgate.yml in the working directory if it
// exists), then the flags, then TARGET; and validates it. Errors wrap
// config.ErrInvalid and are one line; -h prints the usage to stderr and
// returns flag.ErrHelp.
//
// List flags (--endpoint, --exclude, --auth, --peer-auth) given on the
// command line replace the config file's list rather than add to it, so
// that a command line says exactly which credentials are used; --format
// and -o together replace the file's format and output.
func parseScanFlags(args []string, stderr io.Writer) (config.Config, error) {
	sf := &scanFlags{replaced: map[string]bool{}}
	fset := sf.flagSet()

	positional, err := parseInterleaved(fset, args, "scan", scanUsage, stderr, func() error { return sf.err })
	if err != nil {
		return config.Config{}, err
	}
	if len(positional) > 1 {
		// The extra arguments are not repeated: a forgotten --auth would
		// otherwise print a credential.
		return config.Config{}, config.Invalidf("scan takes one TARGET, got %d arguments (quote flag values that contain spaces)", len(positional))
	}

	cfg, err := sf.load()
	if err != nil {
		return config.Config{}, err
	}
	for _, apply := range sf.apply {
		apply(&cfg)
	}
	if sf.formats != nil || sf.outputs != nil {
		if cfg.Outputs, err = config.BuildOutputs(sf.formats, sf.outputs); err != nil {
			return config.Config{}, err
		}
	}
	if len(cfg.Outputs) == 0 {
		cfg.Outputs = []config.Output{{Format: config.FormatText, Path: config.Stdout}}
	}
	if len(positional) == 1 {
		cfg.Target = positional[0]
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// load reads the config file the flags name, or the default one if it
// exists; an explicitly named file must exist, and --config "" reads none.
func (sf *scanFlags) load() (config.Config, error) {
	path := sf.configPath
	if !sf.configSet {
		// Any error but "does not exist" (a directory, no permission)
		// is reported by Load rather than silently skipping the file.
		if _, err := os.Stat(config.DefaultFile); errors.Is(err, fs.ErrNotExist) {
			return config.Default(), nil
		}
		path = config.DefaultFile
	}
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

func (sf *scanFlags) flagSet() *flag.FlagSet {
	fset := flag.NewFlagSet("scan", flag.ContinueOnError)
	// Errors are returned as one line and usage is printed only for -h,
	// so the flag package itself prints nothing.
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}

	// set registers a flag whose value is checked now (against a
	// throwaway Config) and applied after the config file is read. A bad
	// value is recorded rather than returned, because the flag package
	// would quote it, and a misplaced credential must not be printed.
	set := func(name string, fn func(c *config.Config, v string) error) {
		fset.Func(name, "", func(v string) error {
			probe := config.Default()
			if err := fn(&probe, v); err != nil {
				if sf.err == nil {
					sf.err = config.Invalidf("--%s: %w", name, err)
				}
				return nil
			}
			sf.apply = append(sf.apply, func(c *config.Config) { _ = fn(c, v) })
			return nil
		})
	}
	str := func(name string, ptr func(*config.Config) *string) {
		set(name, func(c *config.Config, v string) error { *ptr(c) = v; return nil })
	}
	list := func(name string, ptr func(*config.Config) *[]string) {
		fset.Func(name, "", func(v string) error {
			first := !sf.replaced[name]
			sf.replaced[name] = true
			sf.apply = append(sf.apply, func(c *config.Config) {
				if first {
					*ptr(c) = nil
				}
				*ptr(c) = append(*ptr(c), v)
			})
			return nil
		})
	}
	integer := func(name string, ptr func(*config.Config) *int) {
		set(name, func(c *config.Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return errors.New("want a whole number")
			}
			*ptr(c) = n
			return nil
		})
	}
	duration := func(name string, ptr func(*config.Config) *time.Duration) {
		set(name, func(c *config.Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return errors.New("want a duration such as 10s or 1m30s")
			}
			*ptr(c) = d
			return nil
		})
	}

	fset.Func("config", "", func(v string) error {
		sf.configPath, sf.configSet = v, true
		return nil
	})
	str("openapi", func(c *config.Config) *string { return &c.OpenAPI })
	list("endpoint", func(c *config.Config) *[]string { return &c.Endpoints })
	list("exclude", func(c *config.Config) *[]string { return &c.Exclude })
	list("auth", func(c *config.Config) *[]string { return &c.Auth })
	list("peer-auth", func(c *config.Config) *[]string { return &c.PeerAuth })
	list("jwt-public-key", func(c *config.Config) *[]string { return &c.JWTPublicKeys })
	str("mode", func(c *config.Config) *string { return &c.Mode })
	str("jwt-wordlist", func(c *config.Config) *string { return &c.JWTWordlist })
	fset.Func("format", "", func(v string) error {
		sf.formats = append(sf.formats, v)
		return nil
	})
	output := func(v string) error {
		sf.outputs = append(sf.outputs, v)
		return nil
	}
	fset.Func("o", "", output)
	fset.Func("output", "", output)
	integer("fail-under", func(c *config.Config) *int { c.FailUnderSet = true; return &c.FailUnder })
	str("fail-on", func(c *config.Config) *string { return &c.FailOn })
	str("baseline", func(c *config.Config) *string { return &c.Baseline })
	str("baseline-url", func(c *config.Config) *string { return &c.BaselineURL })
	integer("max-score-drop", func(c *config.Config) *int { return &c.MaxScoreDrop })
	set("rate", func(c *config.Config, v string) error {
		r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return errors.New("want a number of requests per second")
		}
		c.Rate = r
		return nil
	})
	integer("concurrency", func(c *config.Config) *int { return &c.Concurrency })
	duration("timeout", func(c *config.Config) *time.Duration { return &c.Timeout })
	integer("budget", func(c *config.Config) *int { c.BudgetSet = true; return &c.Budget })
	duration("max-duration", func(c *config.Config) *time.Duration { return &c.MaxDuration })
	set("shard", func(c *config.Config, v string) error {
		s, err := config.ParseShard(v)
		c.Shard = s
		return err
	})
	duration("wait", func(c *config.Config) *time.Duration { return &c.Wait })
	// The flags without a value (see valueless): --insecure-tls, or
	// --insecure-tls=false to undo the config file's insecureTls.
	fset.BoolFunc("insecure-tls", "", func(v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			if sf.err == nil {
				sf.err = config.Invalidf("--insecure-tls: want true or false")
			}
			return nil
		}
		sf.apply = append(sf.apply, func(c *config.Config) { c.InsecureTLS = b })
		return nil
	})
	// --auto-accounts, or --auto-accounts=false to undo the config
	// file's autoAccounts.
	fset.BoolFunc("auto-accounts", "", func(v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			if sf.err == nil {
				sf.err = config.Invalidf("--auto-accounts: want true or false")
			}
			return nil
		}
		sf.apply = append(sf.apply, func(c *config.Config) { c.AutoAccounts = b })
		return nil
	})
	// --no-discovery undoes discovery's default (or the file's
	// discovery: true).
	fset.BoolFunc("no-discovery", "", func(string) error {
		sf.apply = append(sf.apply, func(c *config.Config) { c.Discovery = false })
		return nil
	})
	return fset
}

// valueless are the flags that take no separate value argument.
var valueless = map[string]bool{"insecure-tls": true, "auto-accounts": true, "no-discovery": true}

// parseInterleaved parses flags that may come before, between and after
// the positional arguments, which it returns. Go's flag package stops at
// the first non-flag; it is taken as a positional and parsing carries on.
// -h prints usage and returns flag.ErrHelp; a flag's own error (checked
// by valueErr after each pass) wins over the flag package's.
func parseInterleaved(fset *flag.FlagSet, args []string, cmd, usage string, stderr io.Writer, valueErr func() error) ([]string, error) {
	var positional []string
	for {
		err := fset.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, config.Invalidf("%s (authgate %s -h for help)", flagError(err), cmd)
		}
		if err := valueErr(); err != nil {
			return nil, err
		}
		rest := fset.Args()
		// Every flag but the valueless ones takes a value, so the
		// consumed arguments end at "--" exactly when the terminator
		// stopped parsing.
		if endedAtTerminator(args[:len(args)-len(rest)]) {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// endedAtTerminator reports whether flag parsing over consumed stopped at
// a "--" terminator (after which every argument is positional) rather than
// at a non-flag. Every scan flag but the valueless ones takes a value, so
// walking flag/value pairs tells a terminator from a flag's value that
// happens to be "--".
func endedAtTerminator(consumed []string) bool {
	for i := 0; i < len(consumed); i++ {
		if consumed[i] == "--" {
			return i == len(consumed)-1
		}
		if !strings.Contains(consumed[i], "=") && !valueless[strings.TrimLeft(consumed[i], "-")] {
			i++ // the flag's value is the next argument
		}
	}
	return false
}

// flagError rewrites the flag package's messages in --name spelling, and
// drops the one that repeats a whole argument, which may be a credential
// ("bad flag syntax: ---auth=…"). Bad values never reach here: see set.
func flagError(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "bad flag syntax") {
		return "bad flag syntax (flags look like --name value or --name=value)"
	}
	for _, r := range flagMessages {
		if m := r.re.FindStringSubmatch(msg); m != nil {
			return fmt.Sprintf(r.format, dashed(m[1]))
		}
	}
	return msg
}

// flagMessages are the flag package's two other errors, for flags it
// does not know and flags given last without a value.
var flagMessages = []struct {
	re     *lazyre.Regexp
	format string
}{
	{lazyre.New(`^flag provided but not defined: -(\S+)$`), "unknown flag %s"},
	{lazyre.New(`^flag needs an argument: -(\S+)$`), "%s needs a value"},
}

// dashed spells a flag name as the usage does: -o, --rate.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
