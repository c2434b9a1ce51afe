#!/bin/sh
# Rebuilds builtin.fc.gz (run by `go generate ./scanner/rules/wordlist/`).
# Needs Debian's wamerican and wbritish packages and npm; see README.md.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack --silent @zxcvbn-ts/language-common@4.1.3 >/dev/null && tar xzf zxcvbn-ts-language-common-4.1.3.tgz)
go run ./gen -curated curated.txt \
	-passwords "$dir/package/src/passwords.json" \
	-words /usr/share/dict/american-english \
	-words /usr/share/dict/british-english \
	-o builtin.fc.gz
