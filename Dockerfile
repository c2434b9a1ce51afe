# The authgate container Action: a static binary on a minimal image with CA
# certificates. No USER: the runner mounts the workspace and the
# GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files for root, and the Action must
# write them.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/authgate/authgate/cli.Version=${VERSION}" -o /authgate .

FROM gcr.io/distroless/static-debian12
COPY --from=build /authgate /authgate
ENTRYPOINT ["/authgate"]
