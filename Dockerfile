# syntax=docker/dockerfile:1
# Multi-stage build of Palette: cargo-leptos builds the server binary and the
# hydrate bundle; the runtime image holds only those, as a non-root user.

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version =0.3.10 --locked \
 && cargo install wasm-bindgen-cli --version =0.2.130
WORKDIR /src
COPY tools/package.json tools/package-lock.json tools/
RUN cd tools && npm ci --no-audit --no-fund
ENV PATH=/src/tools/node_modules/.bin:$PATH
COPY . .
# --precompress: .br and .gz beside each file of the site; the hashed names
# (hash-files in Cargo.toml) are listed in target/release/hash.txt, which
# Palette reads beside its executable.
RUN cargo leptos build --release --precompress \
 && cargo build --release -p tofu-standin

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/palette --create-home palette
WORKDIR /app
COPY --from=build /src/target/release/palette /app/palette
COPY --from=build /src/target/release/hash.txt /app/hash.txt
COPY --from=build /src/target/release/tofu-standin /app/tofu-standin
COPY --from=build /src/target/site /app/site
COPY --from=build /src/examples/infra /app/infra
ENV PALETTE_SITE_ROOT=/app/site \
    PALETTE_DATA_DIR=/var/lib/palette \
    PALETTE_LISTEN=0.0.0.0:3000 \
    PALETTE_LOG_FORMAT=json
USER palette
# Metrics are off unless PALETTE_METRICS_LISTEN is set (e.g. 0.0.0.0:9464,
# on a port only Prometheus can reach); never on the public port.
EXPOSE 3000
ENTRYPOINT ["/app/palette"]
CMD ["serve"]
