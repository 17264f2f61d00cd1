# modelarts-temporal worker, CLI and simulator image.
#
#   docker build -t modelarts-temporal .
#   docker run --rm --env-file .env modelarts-temporal            # the worker (default CMD)
#   docker run --rm -p 8090:8090 modelarts-temporal simulator --port 8090 --host 0.0.0.0
#
# Debian (glibc) rather than Alpine: @temporalio/core-bridge ships prebuilt native binaries for glibc Linux.
# Node 22 (LTS) bundles npm 10; the lockfile lists every platform's optional binaries, so npm 10 and 11 both take it.
ARG NODE_VERSION=22

# ---- build: compile TypeScript and prebuild the workflow bundle ---------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The commit in the default build id of a versioned worker (no .git in the build context):
#   docker build --build-arg MODELARTS_BUILD_COMMIT=$(git rev-parse --short=10 HEAD) -t modelarts-temporal .
ARG MODELARTS_BUILD_COMMIT=
# tsc -p tsconfig.build.json, then dist/workflow-bundle.js (so workers skip webpack at start).
RUN npm run build \
 && test -f dist/workflow-bundle.js

# ---- runtime: production dependencies, compiled code, non-root -----------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The files stay owned by root (read-only for the app); the process runs as the image's unprivileged `node` user.
USER node
# The simulator's default port, when the image runs `simulator --port 8090`; the worker listens on nothing.
EXPOSE 8090
ENTRYPOINT ["node", "bin/modelarts-export.js"]
CMD ["worker"]
