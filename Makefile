# Developer entry points. CI runs .ci/run; these are the short forms.
#
#   make test    every test, with the race detector
#   make bench   every benchmark of docs/performance.md, three runs each

GO ?= go

# The packages whose benchmarks docs/performance.md reports: the client's
# throughput, the full safe scan, parsing the description, the built
# binary (start-up, size, peak RSS of a 1,000-operation scan), and the
# scale benchmarks (CPU per operation at 1,000 and 20,000 operations,
# peak memory, CPU per request against a plain client; the 20,000 case
# takes 30-50 s a run), and the requests a whole scan sends per operation,
# which the default budget's 20 per operation is measured against (./cli/:
# about a minute a run).
BENCH_PKGS := ./scanner/ ./scanner/rules/ ./scanner/openapi/ . ./cli/

# -p 1: packages run one after another, so no benchmark shares the two
# cores with another package's. -run '^$': benchmarks only.
BENCH_FLAGS := -p 1 -run '^$$' -bench . -benchmem -count 3

.PHONY: test bench

test:
	$(GO) test -race ./...

bench:
	$(GO) test $(BENCH_FLAGS) $(BENCH_PKGS)
