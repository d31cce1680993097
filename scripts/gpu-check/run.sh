#!/bin/sh
# The GPU check on a bare Linux GPU host (see README.md in this folder): unpacks what the bundle
# compressed, finds the NVIDIA Vulkan driver, generates the real-size bench pack with this
# host's python3 (torch + onnx), then runs gpu-bench.mjs (which starts app/service.js for its
# last step). Results: $GPU_CHECK_OUT (results/).
#   GPU_CHECK_PACK=bench|tiny   which pack to generate (bench)
#   GPU_CHECK_LEVELS=1,2,4,8    concurrent streams; GPU_CHECK_REQUESTS=20 per level and transport
#   VK_DRIVER_FILES=...         the Vulkan driver's ICD file, when the search below misses it
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${GPU_CHECK_WORK:-$HERE/work}
mkdir -p "$WORK"

find "$HERE" -name '*.xz' -not -path "$WORK/*" | while read -r packed; do
  [ -e "${packed%.xz}" ] || xz -dk "$packed"
done
chmod +x "$HERE/node"

# The Vulkan loader and glvnd libraries Debian ships, unpacked into the bundle (dpkg -x).
export LD_LIBRARY_PATH="$HERE/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for dir in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    if [ -f "$dir/nvidia_icd.json" ]; then VK_DRIVER_FILES="$dir/nvidia_icd.json"; break; fi
  done
fi
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  VK_DRIVER_FILES=$(find / -xdev -name nvidia_icd.json 2>/dev/null | head -n 1 || true)
  [ -n "$VK_DRIVER_FILES" ] || VK_DRIVER_FILES=$(find / -name nvidia_icd.json 2>/dev/null | head -n 1 || true)
fi
if [ -n "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES; fi
echo "gpu-check: Vulkan driver files: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-none found}}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$WORK/xdg}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

PACK_KIND=${GPU_CHECK_PACK:-bench}
export TINY_PACK_PYTHON=${TINY_PACK_PYTHON:-$(command -v python3)}
if [ ! -f "$WORK/$PACK_KIND-pack/cosyvoice2-pack.json" ]; then
  "$HERE/node" "$HERE/models/make-pack.mjs" "$PACK_KIND" "$WORK/$PACK_KIND-pack"
fi

export GPU_CHECK_PACK_DIR="$WORK/$PACK_KIND-pack"
export GPU_CHECK_OUT=${GPU_CHECK_OUT:-$HERE/results}
export LOG_LEVEL=${LOG_LEVEL:-warn}
"$HERE/node" "$HERE/app/gpu-bench.mjs"
