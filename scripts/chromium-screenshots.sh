#!/usr/bin/env bash
# Makes phone-sized screenshots (1080x2340 PNG) of varied local HTML pages with Debian's headless Chromium, as real
# colour-buffer data for `gmc measure` and `gmc kernel-check` (decoded to RGBA8888 surfaces). Pages: this machine's
# HTML documentation (Debian docs, Rust and Python docs where installed), chosen by a fixed stride over the sorted
# list so that reruns pick the same ones. Needs: apt-get install -y chromium
# Usage: scripts/chromium-screenshots.sh [OUT_DIR] [COUNT]   (default /tmp/gmc-shots, 24)
set -euo pipefail
out=${1:-/tmp/gmc-shots}
count=${2:-24}
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; }
mkdir -p "$out"
mapfile -t all < <(find /usr/share/doc /root/.rustup /usr/lib/python3* /root/.pyenv -name '*.html' -size +12k \
  2>/dev/null | sort)
[ "${#all[@]}" -gt 0 ] || { echo "no local HTML pages found" >&2; exit 1; }
step=$(( ${#all[@]} / count )); [ "$step" -ge 1 ] || step=1
profile=$(mktemp -d)
i=0
for ((k = 0; k < ${#all[@]} && i < count; k += step)); do
  page=${all[$k]}
  name=$(printf '%02d-%s' "$i" "$(basename "$page" .html | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-40)")
  # the flags keep Chromium off the network (this machine has none) and out of any earlier profile
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1080,2340 --screenshot="$out/$name.png" "file://$page" \
    >/dev/null 2>&1 || { echo "skipped $page (chromium failed)" >&2; continue; }
  echo "$out/$name.png  <- $page"
  i=$((i + 1))
done
rm -rf "$profile"
