# syntax=docker/dockerfile:1
#
# Zhenxing's container image: `docker build -t zhenxing .`
#
# Two stages: a full Rust toolchain builds the release binary, and a slim Debian
# image runs it. Needs BuildKit (the default since Docker 23) for the cache mounts.

# ---------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------
FROM rust:1-bookworm AS build

# libpq-dev: diesel's PostgreSQL backend links libpq. SQLite is compiled from source
# (libsqlite3-sys "bundled") with the C compiler the rust image already has.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The whole workspace is needed, not just api/: cargo resolves every member, and the
# migrations and the divisions CSV (data/) are embedded into the binary at compile time.
COPY . .

# The registry and target/ live in cache mounts so that a rebuild after a code change
# recompiles our crates only. A cache mount is not part of the image, so the binary is
# copied out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api --bin zhenxing \
    && install -D -m 0755 target/release/zhenxing /out/zhenxing

# ---------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# libpq5: the binary's one shared library beyond libc.
# ca-certificates: for PostgreSQL over TLS (sslmode=require/verify-full).
# curl: for HEALTHCHECK; the slim image has no HTTP client and zhenxing has no
#       health subcommand.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user that owns the working directory: with the default
# DATABASE_URL (sqlite://zhenxing.db) the database file is created there.
RUN groupadd --system --gid 10001 zhenxing \
    && useradd --system --uid 10001 --gid zhenxing \
        --home-dir /var/lib/zhenxing --create-home --shell /usr/sbin/nologin zhenxing

COPY --from=build /out/zhenxing /usr/local/bin/zhenxing

USER zhenxing:zhenxing
# Mount a volume here to keep an SQLite database; with PostgreSQL (DATABASE_URL=
# postgres://...) the container keeps no state. A ./.env file here is read at start.
WORKDIR /var/lib/zhenxing

# Listen on every interface of the container (the binary's own default is 127.0.0.1,
# which would be unreachable from outside it).
ENV BIND_ADDR=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080

# Liveness only (/healthz): a database outage should give 503s from /readyz, not get
# the container killed. The port follows BIND_ADDR if it is overridden.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${BIND_ADDR##*:}/healthz" || exit 1

ENTRYPOINT ["zhenxing"]
CMD ["serve"]
