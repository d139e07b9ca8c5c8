# worv-proxy container image.
#   docker build -t worv-proxy .
#   podman build --format docker --build-arg BUILT=build -t worv-proxy .   (keeps the HEALTHCHECK;
#     podman 4.3 reads the stage name only when the argument is given)
#   docker run -p 8080:8080 -e VLLM_BASE_URL=http://vllm:8000 -v worv-data:/app/data worv-proxy
# The final stage holds production dependencies and the built server and console only,
# and runs as the unprivileged `node` user of the base image.
ARG NODE_IMAGE=node:22-bookworm-slim
# The stage the runtime copies /app from. Tests point it at a stand-in that holds an
# already-built tree, where the registry or a compiler is out of reach.
ARG BUILT=build

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies are needed to build (tsc, vite); `prepare` needs the sources, so it runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BUILT} AS built

FROM ${NODE_IMAGE} AS runtime
# A published port's connections come from the container network's gateway (Docker 172.17.0.1,
# Podman 10.88.0.1), not loopback: a reverse proxy on the host is trusted from private addresses.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/app/data/proxy.db \
    TRUST_PROXY=loopback,uniquelocal
WORKDIR /app
COPY --from=built /app/package.json ./package.json
COPY --from=built /app/node_modules ./node_modules
COPY --from=built /app/bin ./bin
COPY --from=built /app/dist ./dist
COPY --from=built /app/web/dist ./web/dist
RUN mkdir -p -m 700 /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight requests; give `docker stop` time (for example --stop-timeout 1230).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/worv-proxy.js"]
CMD ["serve"]
