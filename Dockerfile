# filmdex in a container: see docs/deploy.md.
#
#   docker build -t filmdex .
#   docker run --rm -p 8000:8000 filmdex                               # = up --sample --host 0.0.0.0
#   docker run --rm -p 8000:8000 -v filmdex-data:/data filmdex up --host 0.0.0.0   # the real dumps
#
# Two stages: `builder` compiles the binary (the bundled DuckDB, about 30 minutes on 2 cores, in a
# layer of its own that only a change of Cargo.lock or of a Cargo.toml rebuilds); `runtime` is
# Debian slim with the binary, run as an unprivileged user (uid 10001) in /data.

FROM rust:1.95-slim-bookworm AS builder
# g++ for the bundled DuckDB (C++); the Rust image has gcc and libc6-dev only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# 1. The dependencies alone, from the manifests and stub sources: this layer stays cached until
#    Cargo.lock or a Cargo.toml changes.
COPY Cargo.toml Cargo.lock ./
COPY crates/filmdex/Cargo.toml crates/filmdex/
COPY crates/filmdex-dumps/Cargo.toml crates/filmdex-dumps/
COPY crates/filmdex-similarity/Cargo.toml crates/filmdex-similarity/
COPY crates/filmdex-synth/Cargo.toml crates/filmdex-synth/
COPY crates/filmdex-text/Cargo.toml crates/filmdex-text/
RUN for crate in filmdex filmdex-dumps filmdex-similarity filmdex-synth filmdex-text; do \
        mkdir -p "crates/$crate/src" && : > "crates/$crate/src/lib.rs"; \
    done \
 && echo 'fn main() {}' > crates/filmdex/src/main.rs \
 && cargo build --release -p filmdex --locked

# 2. The sources, and what they embed (include_bytes!/include_str!: crates/filmdex/assets,
#    the SQL and openapi.json under src/, data/sample). The touch makes cargo rebuild the five
#    crates over their stubs whatever the copied files' timestamps.
COPY crates/filmdex crates/filmdex
COPY crates/filmdex-dumps crates/filmdex-dumps
COPY crates/filmdex-similarity crates/filmdex-similarity
COPY crates/filmdex-synth crates/filmdex-synth
COPY crates/filmdex-text crates/filmdex-text
COPY data/sample data/sample
RUN touch crates/filmdex/src/main.rs crates/*/src/lib.rs \
 && cargo build --release -p filmdex --locked \
 && ./target/release/filmdex --version

FROM debian:bookworm-slim AS runtime
# ca-certificates: `filmdex fetch` downloads over https; curl: the HEALTHCHECK (filmdex has no
# health-check command); libstdc++6: DuckDB is C++ (already in the slim image, named to be sure).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 filmdex \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin filmdex \
 && mkdir /data \
 && chown 10001:10001 /data
COPY --from=builder /src/target/release/filmdex /usr/local/bin/filmdex
# Numeric, so that Kubernetes' runAsNonRoot can check it (deploy/kubernetes/serve.yaml).
USER 10001:10001
# The workdir: datasets/, output/, duckdb/films.duckdb, .filmdex/. Mount a volume here to keep
# a build across containers.
WORKDIR /data
ENV HOME=/data
EXPOSE 8000
# /healthz answers once the server listens; `up` builds first (seconds for the sample, much
# longer for the real dumps: the start period only delays counting failures). The port is
# FILMDEX_PORT if set: a --port flag on the command line needs a matching FILMDEX_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${FILMDEX_PORT:-8000}/healthz" || exit 1
ENTRYPOINT ["filmdex"]
CMD ["up", "--sample", "--host", "0.0.0.0"]
