# The released image, built by GoReleaser's dockers_v2 (.goreleaser.yaml)
# from the binaries it has just built: no compiler here, so the image holds
# exactly the released linux binary for its platform, which the build
# context has at <os>/<arch>/authgate ($TARGETPLATFORM is buildx's, e.g.
# linux/arm64). The base has CA certificates (the target and GitHub's API
# over TLS), /etc/passwd and tzdata; nothing else.
#
# No USER: the runner mounts the workspace and the GITHUB_OUTPUT /
# GITHUB_STEP_SUMMARY files owned by root, and the Action must write them.
# The OCI labels (source, version, revision, licenses) come from
# .goreleaser.yaml. The Dockerfile next to this one builds the same image
# from source, for `uses: ./` and `uses: authgate/authgate@main`.
FROM gcr.io/distroless/static-debian12
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/authgate /authgate
ENTRYPOINT ["/authgate"]
