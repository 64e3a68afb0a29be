#!/usr/bin/env bash
# ConvNet Notebooks GPU check: the style (128, 256 px) and triplet (96x96x3, batch 64) steps on TF.js's WebGPU
# backend (Dawn) and on wasm, on this machine, with nothing from a package registry: Node, dawn.node, the
# bundled workloads and the Vulkan/EGL loader libraries all come in the tarball that bench/gpu/pack.mjs builds.
#
#   tar xzf convnet-gpu-check.tar.gz -C /tmp && /tmp/convnet-gpu-check/check.sh [--out DIR] [--quick]
#
# Prints one JSON object (medians per workload and backend, the speed-up of webgpu over wasm, the adapter) and
# writes it to DIR/gpu-check.json with the two runs' logs beside it. Each backend gets at most 280 s, so both
# fit in a 10-minute slot. --quick: tiny sizes (a smoke test for any machine, a software adapter included).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=""
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    *) echo "check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work="${out:-$(mktemp -d)}"
mkdir -p "$work"
node="$here/bin/node"
[ -x "$node" ] || node="$(command -v node)"

# --- libraries: the machine's own where it has them, the tarball's otherwise ---------------------------
libpath=""
have_lib() { ldconfig -p 2>/dev/null | grep -qE "^[[:space:]]*${1//./\\.} "; }
if ! have_lib libvulkan.so.1; then libpath="$here/lib"; fi
# Dawn opens EGL by its development name (libEGL.so), which only -dev packages install: link it.
mkdir -p "$here/lib/egl"
if ! have_lib libEGL.so; then
  sys_egl="$(ldconfig -p 2>/dev/null | awk '/ libEGL\.so\.1 .*x86-64/ {print $NF; exit}')"
  ln -sf "${sys_egl:-$here/lib/libEGL.so.1}" "$here/lib/egl/libEGL.so"
  [ -n "$sys_egl" ] || libpath="$here/lib"
  libpath="$here/lib/egl${libpath:+:$libpath}"
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && libpath="${libpath:+$libpath:}$d"; done
export LD_LIBRARY_PATH="${libpath}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The NVIDIA driver's Vulkan ICD and EGL vendor files, where the loaders do not look by themselves.
icd_known=0
for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do ls "$d"/*.json >/dev/null 2>&1 && icd_known=1; done
if [ $icd_known = 0 ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"; break; fi
  done
fi
if ! ls /usr/share/glvnd/egl_vendor.d/*.json >/dev/null 2>&1 && [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  f=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$f" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$f"
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work/xdg}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# Dawn's GLES backend (the fallback when Vulkan finds nothing) needs EGL without a display server.
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"

{
  echo "node: $("$node" -v)   machine: $(nproc) cpus, $(uname -m)"
  command -v nvidia-smi >/dev/null && nvidia-smi -L
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-}"
} | tee "$work/environment.txt" >&2

if [ $quick = 1 ]; then sizes=(--style 32 --triplet 16x8 --warmup 1 --steps 2 --budget 5)
else sizes=(--style 128,256 --triplet 96x64 --warmup 1 --steps 5 --budget 60); fi

# webgpu first (an explicit request: the library reports, and warns, when it is not a hardware adapter), then wasm.
for b in webgpu wasm; do
  echo "--- $b" >&2
  CONVNET_BACKEND=$b timeout 280 "$node" "$here/check.js" run --backend $b "${sizes[@]}" >"$work/$b.log" 2>"$work/$b.stderr"
  rc=$?
  grep -v '^Warning: maxDynamic' "$work/$b.stderr" | tail -n 40 >&2
  [ $rc = 0 ] || echo "check.sh: the $b run exited with $rc" >&2
done

"$node" "$here/check.js" summarise "$work/webgpu.log" "$work/wasm.log" | tee "$work/gpu-check.json"
