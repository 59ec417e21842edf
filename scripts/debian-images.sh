#!/bin/sh
# Collects images shipped in this machine's Debian packages (PNG > 2 KiB, JPEG, GIF, BMP) into DIR, for
# `gmc kernel-check DIR` and `gmc measure DIR`. Names are prefixed with a hash of the source path (no clashes).
set -eu
dir=${1:-/tmp/debian-images}
mkdir -p "$dir"
find /usr/share /usr/lib -iname '*.png' -size +2k 2>/dev/null | head -400 | while read -r f; do
  cp "$f" "$dir/$(printf %s "$f" | md5sum | cut -c1-10)-$(basename "$f")"
done
find /usr/share /usr/lib \( -iname '*.jpg' -o -iname '*.gif' -o -iname '*.bmp' \) 2>/dev/null | head -50 |
  while read -r f; do cp "$f" "$dir/$(printf %s "$f" | md5sum | cut -c1-10)-$(basename "$f")"; done
echo "$(ls "$dir" | wc -l) images in $dir"
