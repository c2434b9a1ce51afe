#!/bin/sh
# authgate as one step of any CI system (Jenkins, CircleCI, Buildkite,
# Azure Pipelines, Drone, a cron job...): scan a running API, write the
# reports, and end with authgate's exit code, so the step fails exactly
# when the gate does. POSIX sh: runs under dash, busybox ash and bash.
#
#   AUTHGATE_TARGET=https://preview.example.com sh authgate.sh [more scan flags]
#
# Environment (only AUTHGATE_TARGET is required):
#   AUTHGATE_TARGET       base URL of the API to scan (e.g. the preview deployment)
#   AUTHGATE_AUTH         "Header: value" of a test user (keep it in a CI secret)
#   AUTHGATE_PEER_AUTH    "Header: value" of a second test user of the same role
#   AUTHGATE_WAIT         how long to wait for the target to answer (default 2m)
#   AUTHGATE_REPORT_DIR   where the reports go (default authgate-reports)
#   AUTHGATE_VERSION      release to download when authgate is not on PATH, e.g. v1.2.3
#   AUTHGATE_DOWNLOAD_URL where releases are (default GitHub's release downloads)
# Extra arguments go to `authgate scan` as they are: --openapi openapi.yaml,
# --fail-under 80, --baseline authgate-main.json, --config .authgate.yml...
#
# Reports: $AUTHGATE_REPORT_DIR/authgate.json (the next run's --baseline),
# authgate-junit.xml (for the CI's test report view), and the text report
# in the log.
#
# Exit codes are authgate's (the contract): 0 gate passed; 1 gate failed;
# 2 usage or configuration error, nothing scanned; 3 the scan could not run
# (target unreachable after the wait, credentials rejected everywhere) or
# authgate could not be installed. 2 and 3 are not a verdict on the API:
# the message says so, so nobody reads them as "the API is insecure".

set -eu

target=${AUTHGATE_TARGET:-}
if [ -z "$target" ]; then
	echo "authgate.sh: AUTHGATE_TARGET is not set (want the API's base URL, e.g. https://preview.example.com)" >&2
	exit 2
fi
dir=${AUTHGATE_REPORT_DIR:-authgate-reports}
mkdir -p "$dir"

# fetch URL FILE downloads with curl or wget, whichever the image has.
fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 -o "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1"
	else
		echo "authgate.sh: neither curl nor wget is installed" >&2
		return 1
	fi
}

# install downloads the release archive for this machine into a temporary
# directory, checks it against the release's checksums.txt and puts the
# binary first on PATH. (To check the checksums file's signature as well,
# see "Install" in the README: cosign verify-blob.)
install_authgate() {
	version=${AUTHGATE_VERSION:-}
	if [ -z "$version" ]; then
		echo "authgate.sh: authgate is not on PATH; set AUTHGATE_VERSION (e.g. v1.2.3) to download a release" >&2
		return 1
	fi
	case "$(uname -s)" in
	Linux) os=linux ;;
	Darwin) os=darwin ;;
	*) echo "authgate.sh: no release archive for $(uname -s); install authgate yourself" >&2; return 1 ;;
	esac
	case "$(uname -m)" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) echo "authgate.sh: no release archive for $(uname -m); install authgate yourself" >&2; return 1 ;;
	esac
	base=${AUTHGATE_DOWNLOAD_URL:-https://github.com/authgate/authgate/releases/download}
	archive="authgate_${version#v}_${os}_${arch}.tar.gz"
	# Inside `install_authgate || exit 3` set -e is off, so every step
	# says when it failed.
	bindir=$(mktemp -d) || return 1
	if ! { fetch "$base/$version/$archive" "$bindir/$archive" &&
		fetch "$base/$version/checksums.txt" "$bindir/checksums.txt"; }; then
		echo "authgate.sh: cannot download $archive of $version from $base" >&2
		return 1
	fi
	want=$(awk -v f="$archive" '$2 == f { print $1 }' "$bindir/checksums.txt")
	if command -v sha256sum >/dev/null 2>&1; then
		got=$(sha256sum "$bindir/$archive" | cut -d ' ' -f 1)
	else
		got=$(shasum -a 256 "$bindir/$archive" | cut -d ' ' -f 1)
	fi
	# An empty $want (the archive is not listed) never equals a sum.
	if [ "$got" != "$want" ]; then
		echo "authgate.sh: $archive does not match the release's checksums.txt; not running it" >&2
		return 1
	fi
	tar -xzf "$bindir/$archive" -C "$bindir" authgate || return 1
	PATH="$bindir:$PATH"
	export PATH
}

if ! command -v authgate >/dev/null 2>&1; then
	install_authgate || exit 3
fi
# A binary that cannot run here (another architecture, a broken
# download) is "could not run", 3, like the rest of the set-up.
authgate version || {
	echo "authgate.sh: cannot run authgate ($(command -v authgate))" >&2
	exit 3
}

# Optional credentials become flags only when set: an empty --auth is a
# usage error, not "no credentials".
if [ -n "${AUTHGATE_PEER_AUTH:-}" ]; then
	set -- --peer-auth "$AUTHGATE_PEER_AUTH" "$@"
fi
if [ -n "${AUTHGATE_AUTH:-}" ]; then
	set -- --auth "$AUTHGATE_AUTH" "$@"
fi

# The exit code is the verdict, so it must survive `set -e`: a bare
# `authgate scan ...` that exits 1 would end this script before the
# message, and `authgate scan ... | tee log` would report tee's 0 instead.
# `|| code=$?` keeps it and does not trip -e.
code=0
authgate scan "$target" --wait "${AUTHGATE_WAIT:-2m}" --format text \
	-o "json=$dir/authgate.json" -o "junit=$dir/authgate-junit.xml" "$@" || code=$?

case "$code" in
0) echo "authgate.sh: gate passed; reports in $dir/" ;;
1) echo "authgate.sh: GATE FAILED (exit 1): the scan found what the gate does not allow (see the reasons above and $dir/authgate-junit.xml)" >&2 ;;
2) echo "authgate.sh: authgate did not scan (exit 2): a usage or configuration error; fix the flags or the config, this says nothing about the API" >&2 ;;
3) echo "authgate.sh: the scan could not run (exit 3): target unreachable or credentials rejected (see the line above); this is not a pass and not a verdict on the API" >&2 ;;
*) echo "authgate.sh: authgate ended with exit code $code (killed or crashed?); treat it as a failure" >&2 ;;
esac
exit "$code"
