// Package config holds authgate's one configuration: defaults, the YAML
// file, command-line flags and (later) Action inputs all fill the same
// Config, and Validate says what is wrong with it.
package config

import "time"

// Config is everything a scan needs to know. Field names follow the flags.
type Config struct {
	Target    string   `yaml:"target"`
	OpenAPI   string   `yaml:"openapi"`
	Endpoints []string `yaml:"endpoints"` // "METHOD /path?query"
	Auth      []string `yaml:"auth"`      // "Header: value"
	PeerAuth  []string `yaml:"peerAuth"`  // "Header: value"
	Mode      string   `yaml:"mode"`      // "safe" or "active"

	Outputs []Output `yaml:"-"` // from --format and -o, or the file's format: and output:

	FailUnder    int      `yaml:"failUnder"`
	FailOn       string   `yaml:"failOn"` // critical|high|medium|low|none
	Baseline     string   `yaml:"baseline"`
	BaselineURL  string   `yaml:"baselineUrl"`
	MaxScoreDrop int      `yaml:"maxScoreDrop"` // -1: not set
	Suppress     []string `yaml:"suppress"`     // fingerprints or rule ids whose findings are dropped

	Rate        float64       `yaml:"rate"`        // requests per second, 0: unlimited
	Concurrency int           `yaml:"concurrency"` // parallel requests
	Timeout     time.Duration `yaml:"timeout"`     // per request
	Budget      int           `yaml:"budget"`      // max requests in total
	Wait        time.Duration `yaml:"wait"`        // wait for the target before scanning
	Shard       Shard         `yaml:"-"`           // from --shard I/N, or the file's shard: "I/N"
}

// Output is one report destination: Path "" or "-" is stdout.
type Output struct {
	Format string // text, json, sarif, markdown, junit
	Path   string
}

// Shard selects part of the operations: shard Index (1-based) of Count.
// The zero value means all operations.
type Shard struct {
	Index, Count int
}

// Defaults, each with its reason.
const (
	DefaultMode        = "safe"
	DefaultFailUnder   = 70 // the contract's default threshold: grade C or better
	DefaultFailOn      = "high"
	DefaultRate        = 50 // polite to a preview deployment, fast enough for hundreds of operations
	DefaultConcurrency = 8
	DefaultTimeout     = 10 * time.Second
	DefaultBudget      = 20000 // far above what a safe scan of 1,000 operations needs; stops runaway scans
	DefaultWait        = 5 * time.Second
	DefaultFile        = ".authgate.yml"
)

// Default returns a Config with every default set.
func Default() Config {
	return Config{
		Mode:         DefaultMode,
		FailUnder:    DefaultFailUnder,
		FailOn:       DefaultFailOn,
		MaxScoreDrop: -1,
		Rate:         DefaultRate,
		Concurrency:  DefaultConcurrency,
		Timeout:      DefaultTimeout,
		Budget:       DefaultBudget,
		Wait:         DefaultWait,
	}
}
