# shellcheck shell=bash
# What the release scripts (release, check-release-tag, verify-install)
# share; each sources this file from its own directory.

# The image a release pushes and a release's action.yml pins.
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly IMAGE=ghcr.io/authgate/authgate

# RELEASE_VERSION matches a release version: semver 2.0.0 with a "v" (no
# leading zeros, dot-separated prerelease identifiers) and without build
# metadata, which an image tag cannot carry. v1.2.3, v1.3.0-rc.1.
# cli/archive_version_test.go's releaseTagOracle is the same grammar.
num='(0|[1-9][0-9]*)'
ident='(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)'
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly RELEASE_VERSION="^v${num}\.${num}\.${num}(-${ident}(\.${ident})*)?\$"
unset num ident
