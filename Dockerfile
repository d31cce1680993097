# The service image, in three targets (README "Deploying"):
#   gpu    (default) NVIDIA CUDA 12 + cuDNN 9 runtime, Node.js 24, onnxruntime-node with its
#          CUDA 12 execution provider; INFERENCE_DEVICE=cuda
#   cpu    Node.js 24 on Debian bookworm, onnxruntime-node's bundled CPU binaries; INFERENCE_DEVICE=cpu
#   models the build stage plus scripts/models: `npm run models:download` into MODEL_DIR
# No model weights inside: mount the pack at MODEL_DIR (/app/models/CosyVoice2-0.5B).
#   docker build -t cosyvoice2-service .                   # gpu
#   docker build --target cpu -t cosyvoice2-service:cpu .

ARG NODE_IMAGE=node:24-bookworm-slim
# Ubuntu 24.04 (glibc 2.39) runs the native modules built on bookworm (glibc 2.36).
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS node

# Every dependency (the CUDA download is skipped by .npmrc), then the compiled TypeScript in dist/
# and the web playground in web/dist/.
FROM node AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# The one-shot model download (compose profile `models`): tsx runs the script from source. It runs
# as root so that it can write into a bind-mounted host directory whatever its owner.
FROM build AS models
COPY scripts/models ./scripts/models
ENV MODEL_DIR=/app/models/CosyVoice2-0.5B
ENTRYPOINT ["npm", "run", "models:download", "--"]

# Production dependencies with onnxruntime-node's bundled CPU binaries only.
FROM node AS cpu-dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# The same plus onnxruntime-node's CUDA 12 execution provider, which its install script fetches
# from NuGet (the command-line flag overrides `onnxruntime-node-install=skip` from .npmrc).
FROM node AS gpu-dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --onnxruntime-node-install=cuda12 && npm cache clean --force \
  && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so

FROM node AS cpu
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/app/data/cosyvoice.db \
    STORAGE_DIR=/app/data/audio \
    MODEL_DIR=/app/models/CosyVoice2-0.5B \
    INFERENCE_DEVICE=cpu
RUN useradd --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin cosyvoice \
  && mkdir -p /app/data /app/models && chown cosyvoice:cosyvoice /app/data
WORKDIR /app
COPY package.json ./
COPY --from=cpu-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY --from=build /app/web/dist ./web/dist
USER cosyvoice
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]

FROM ${CUDA_IMAGE} AS gpu
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/app/data/cosyvoice.db \
    STORAGE_DIR=/app/data/audio \
    MODEL_DIR=/app/models/CosyVoice2-0.5B \
    INFERENCE_DEVICE=cuda \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
# INFERENCE_DEVICE=webgpu: the Vulkan loader and glvnd (the NVIDIA container runtime mounts the
# Vulkan driver itself when NVIDIA_DRIVER_CAPABILITIES includes graphics).
RUN apt-get update \
  && apt-get install -y --no-install-recommends libvulkan1 libglvnd0 libglx0 libegl1 \
  && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin cosyvoice \
  && mkdir -p /app/data /app/models && chown cosyvoice:cosyvoice /app/data
WORKDIR /app
COPY package.json ./
COPY --from=gpu-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY proto ./proto
COPY --from=build /app/web/dist ./web/dist
USER cosyvoice
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
