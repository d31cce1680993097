# GPU image: onnxruntime-node with the CUDA 12 execution provider.
# Build:  docker build -t cosyvoice2-service .
# The model pack is mounted at /app/models/CosyVoice2-0.5B (fetch it with `npm run models:download`).

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04 AS base
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl gnupg python3 make g++ \
  && curl -fsSL https://deb.nodesource.com/setup_22.x | bash - \
  && apt-get install -y --no-install-recommends nodejs \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json .npmrc ./
# The flag on the command line overrides `onnxruntime-node-install=skip` from .npmrc.
RUN npm ci --onnxruntime-node-install=cuda12
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --onnxruntime-node-install=cuda12

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MODEL_DIR=/app/models/CosyVoice2-0.5B \
    INFERENCE_DEVICE=cuda
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
CMD ["node", "dist/main.js"]
