# riskon in a container: the binary (cgo: the DuckDB driver) and the shipped
# configs. Data and results live on a volume mounted at /shared.
#
#   docker build -t riskon:0.1.0 .
#   docker run --rm -v "$PWD/out:/shared" riskon:0.1.0 quickstart
#
# The first build compiles DuckDB (a few minutes); later builds reuse the
# module and build caches.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ENV GOCACHE=/cache/go-build
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/cache/go-build \
    CGO_ENABLED=1 go build -trimpath -buildvcs=false -o /out/riskon ./cmd/riskon

FROM debian:bookworm-slim
RUN useradd --uid 10001 --create-home riskon
COPY --from=build /out/riskon /usr/local/bin/riskon
COPY configs /opt/riskon/configs
WORKDIR /opt/riskon
USER 10001
ENTRYPOINT ["riskon"]
CMD ["--help"]
