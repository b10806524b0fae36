# syntax=docker/dockerfile:1
# ci-bot: multi-stage, Node 24 slim, non-root, with a health check.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY commands ./commands
COPY config ./config
RUN npm run build

FROM node:24-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client ca-certificates libjemalloc2 && rm -rf /var/lib/apt/lists/*
# Node's flags and the allocator (jemalloc, else glibc's settings): bin/node-runtime.js (test/unit/project.test.ts keeps them equal).
ENV NODE_ENV=production LD_PRELOAD=libjemalloc.so.2 MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY config ./config
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--max-semi-space-size=1", "--heap-growing-percent=25", "--bytecode-old-age=1", "--flush-baseline-code", "dist/src/main.js"]
CMD ["all"]
