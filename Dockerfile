# The authgate container Action built from source: what `uses: ./` and
# `uses: authgate/authgate@main` run (a release's action.yml instead pins
# the prebuilt image, docs/releasing.md; release.Dockerfile makes that one
# from GoReleaser's binaries). The same two files as the release's
# image, on scratch: the golang image's (Debian's) CA certificates at
# /etc/ssl/certs/ca-certificates.crt and the static binary
# (release.Dockerfile says why nothing else is needed). No USER: the
# runner mounts the workspace and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
# files for root, and the Action must write them.
#
# VERSION and REVISION stamp `authgate version` and the reports'
# tool.version (cli.Version, cli.Revision):
#   docker build --build-arg VERSION=v1.2.3 --build-arg REVISION="$(git rev-parse HEAD)" .
# The runner builds an Action's Dockerfile without build arguments; then
# the version comes from the checkout's .git, which is in the build context
# (`uses: ./` after actions/checkout: Go's pseudo-version and the revision,
# "+dirty" when the tree was modified). `uses: authgate/authgate@main` is a
# download without .git, made by git archive, which writes its commit into
# cli/archive_version.txt (export-subst in .gitattributes): that image says
# dev+<12 hex> with the full revision (a release commit's download: its tag).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=auto \
      -ldflags="-s -w -X github.com/authgate/authgate/cli.Version=${VERSION} -X github.com/authgate/authgate/cli.Revision=${REVISION}" \
      -o /authgate .

FROM scratch
ARG VERSION=dev
ARG REVISION=
LABEL org.opencontainers.image.source="https://github.com/authgate/authgate" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /authgate /authgate
ENTRYPOINT ["/authgate"]
