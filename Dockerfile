# Deployment image: one static-ish binary on Debian slim. Queries are checked at build time
# against the committed .sqlx/ data, so no database is needed to build.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked && cp target/release/ringside /usr/local/bin/ringside

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/ringside ringside
COPY --from=build /usr/local/bin/ringside /usr/local/bin/ringside
USER ringside
ENV RINGSIDE_BIND=0.0.0.0:3000 RINGSIDE_DATA_DIR=/var/lib/ringside
EXPOSE 3000
ENTRYPOINT ["ringside"]
CMD ["serve"]
