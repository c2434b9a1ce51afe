# The released image, built by GoReleaser's dockers_v2 (.goreleaser.yaml)
# from the binaries it has just built: no compiler here, so the image holds
# exactly the released linux binary for its platform, which the build
# context has at <os>/<arch>/authgate ($TARGETPLATFORM is buildx's, e.g.
# linux/arm64).
#
# Two files and nothing else (issue 14): the CA certificates, for the
# target and GitHub's API over TLS, at /etc/ssl/certs/ca-certificates.crt,
# the first file Go's crypto/x509 reads on linux; and the static binary.
# It reads no other file of the image: no /etc/passwd (no user lookup),
# no time zones (reports are in UTC), no /tmp (a report's temporary file
# is made next to the report). Docker mounts /etc/hosts and
# /etc/resolv.conf into the container when it runs. image_test.go runs
# the binary chrooted into exactly these files and measures the image.
#
# The certificates come from Alpine's base image, which ships them
# (ca-certificates-bundle). Nothing runs in that stage, so it needs no
# qemu, and --platform=$BUILDPLATFORM pulls one Alpine for both platforms
# (the file is the same). Pinned to the minor release, whose images get
# the bundle's updates until 3.22's end of support (May 2027), rather
# than to a digest, which would freeze the list of trusted CAs until
# someone moves it. The certificates' layer comes first: it changes
# rarely, so a new release's pull is mostly the binary's layer.
#
# No USER: the runner mounts the workspace and the GITHUB_OUTPUT /
# GITHUB_STEP_SUMMARY files owned by root, and the Action must write them.
# The OCI labels (source, version, revision, licenses) come from
# .goreleaser.yaml. The Dockerfile next to this one builds the same image
# from source, for `uses: ./` and `uses: authgate/authgate@main`.
FROM --platform=$BUILDPLATFORM alpine:3.22 AS certs

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/authgate /authgate
ENTRYPOINT ["/authgate"]
