#!/usr/bin/env bash
# Ask real ARM kernels what their zram makes of page files: Debian's armhf kernels 6.1 (bookworm) and 6.12
# (trixie), each without and with LPAE, and its arm64 kernel 6.1 (bookworm: zsmalloc before 6.3 on a 64-bit kernel,
# as on many phones), booted under qemu-system-arm/-aarch64 (software emulation, about 10 s per kernel), write every
# FILE once, in order, with O_DIRECT through their own zram and print mm_stat for each compressor.
# Those lines are what `gmc measure --arch arm32|arm32-lpae|64 [--legacy-classes]` must print (ArmKernelTest,
# MeasureCommandTest; the results are in docs/results/arm32-zram/ and arm64-zram/).
#
# usage: scripts/oracle/arm-zram.sh OUTDIR FILE...     (root, Debian 12; downloads ~240 MB of .deb packages)
#   KERNELS="6.1-armmp ... 6.18-arm64 6.12-arm64-16k 6.18-arm64-16k" (the default: all of them) picks kernels;
#   the -16k ones are arm64 kernels with 16 KiB pages (written one 16 KiB page per write; `gmc measure --page-size 16k`).
#   The -x86-64 kernels are not ARM: Ubuntu's generic x86-64 kernels 5.4 (20.04), 5.15, 6.2, 6.5 (22.04), 6.8, 6.11,
#   6.14 and 6.17 (24.04), from archive.ubuntu.com's -updates suites (~170 MB each). Up to 6.11 zram reaches its
#   compressors through the crypto API (zstd: `gmc measure --algo zstd-crypto` from 6.2); all of them also run lz4hc,
#   deflate and 842 (docs/results/x86-64-zram/).
#   FILE: raw pages (a multiple of 4096 bytes; decompress .gz samples first). Output: OUTDIR/linux-KERNEL.txt
#   A compressor written ALGO:N (6.12: zstd:1, zstd:7, zstd:-1) is given "algo=ALGO level=N" in algorithm_params.
#   CHURN_OPS=ops CHURN_SRC=pages: also replay OPS on a fresh 1000-page device per compressor: a line "SLOT SRC"
#   writes page SRC of CHURN_SRC into SLOT (overwriting what was there); a line "C" prints mm_stat, compacts and
#   prints it again (about 2 minutes per 4,000 writes and kernel: one dd each). CHURN_ALGOS="lz4 zstd" replays it
#   with those compressors only (default: the kernel's list below). Pages, slots and the device are the kernel's
#   page size: for the -16k kernels CHURN_SRC holds 16 KiB pages (scripts/oracle/synthetic-16k.sh makes gmc's).
#   WB_OPS=ops CHURN_SRC=pages [WB_BLOCKS=300]: writeback (CONFIG_ZRAM_WRITEBACK) on a 1000-page device whose
#   backing_dev is a loop device of WB_BLOCKS blocks of a page each: lines "W SLOT SRC" (write), "R SLOT" (read), "D SLOT"
#   (discard), "I" (echo all > idle), "B TEXT" (echo TEXT > writeback; 6.18 takes several parameters), "C" (compact), "S" (print mm_stat, bd_stat),
#   "E N" (echo N > writeback_limit_enable), "L N" (echo N > writeback_limit), "Q" (print both), "T N" (sleep N
#   seconds), "A TEXT" (echo TEXT > idle: an age in seconds with CONFIG_ZRAM_TRACK_ENTRY_ACTIME), "U" (echo the
#   seconds since boot > idle: an age equal to the clock, a cutoff of 0).
#   WB_BATCH=N sets writeback_batch_size (6.19 and later) and WB_COMPRESSED=1 compressed_writeback (7.0 and later)
#   on the device before the ops run.
#
# Nothing downloaded here is kept in the repository (GPL kernel binaries); only this script and its output are.
set -euo pipefail
out=$(realpath -m "$1"); shift
[ $# -gt 0 ] || { echo "usage: $0 OUTDIR FILE..." >&2; exit 2; }
files=(); for f in "$@"; do files+=("$(realpath "$f")"); done
if [ -n "${CHURN_OPS:-}" ]; then CHURN_OPS=$(realpath "$CHURN_OPS"); CHURN_SRC=$(realpath "$CHURN_SRC"); fi
if [ -n "${WB_OPS:-}" ]; then WB_OPS=$(realpath "$WB_OPS"); CHURN_SRC=$(realpath "$CHURN_SRC"); fi
work=${GMC_ARM32_WORK:-/tmp/gmc-arm32-zram}
KERNELS=${KERNELS:-5.10-armmp 5.10-armmp-lpae 6.1-armmp 6.1-armmp-lpae 6.12-armmp 6.12-armmp-lpae 5.10-arm64 6.1-arm64 \
6.18-arm64 6.12-arm64-16k 6.18-arm64-16k 6.8-x86-64 6.11-x86-64 6.14-x86-64 6.17-x86-64 5.4-x86-64 5.15-x86-64 6.2-x86-64 \
6.5-x86-64 5.8-x86-64 5.11-x86-64 5.13-x86-64 5.19-x86-64 7.0-x86-64 6.16-x86-64 6.19-x86-64 7.1-x86-64 7.2-x86-64 \
7.3-x86-64}
mkdir -p "$out" "$work" && cd "$work"

if ! command -v qemu-system-arm >/dev/null || ! command -v cpio >/dev/null; then
  apt-get install -y -q qemu-system-arm cpio xz-utils >/dev/null
fi
# wants GLOB: whether KERNELS names a kernel matching GLOB (so that a run of Ubuntu's kernels downloads no Debian one)
wants() { local k; for k in $KERNELS; do case $k in $1) return 0 ;; esac; done; return 1; }
if wants "*-armmp*"; then
  dpkg --print-foreign-architectures | grep -qx armhf || { dpkg --add-architecture armhf; apt-get update -q >/dev/null; }
fi

# bookworm (the machine's own sources): 6.1 kernels and a static busybox
# newest NAME-VERSION-armmp in an apt-cache listing, rt kernels left out: prints VERSION
newest() { awk '{print $1}' | grep -E -- "^linux-image-$1.*-armmp\$" | grep -v -- '-rt-' | sort -V | tail -1 |
  sed -e 's/^linux-image-//' -e 's/-armmp$//'; }
if [ ! -d bb ] && wants "*-armmp*"; then
  v61=$(apt-cache search '^linux-image-6\.1\.0-.*-armmp$' | newest '6\.1\.0-')
  apt-get download -q "linux-image-$v61-armmp:armhf" "linux-image-$v61-armmp-lpae:armhf" busybox-static:armhf
  mkdir -p bb && dpkg-deb -x busybox-static_*_armhf.deb bb
  for v in armmp armmp-lpae; do mkdir -p k61-$v && dpkg-deb -x "linux-image-$v61-${v}"_*_armhf.deb k61-$v; done
fi
# private_apt DIR SUITE ARCH: an apt state of its own in DIR for Debian SUITE on ARCH, so that the machine's sources
# and architectures stay as they are; leaves the options that select it in O
private_apt() {
  mkdir -p "$1/state" "$1/cache"
  echo "deb [arch=$3 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $2 main" \
    > "$1/sources.list"
  O=(-o Dir::Etc::sourcelist="$work/$1/sources.list" -o Dir::Etc::sourceparts=/dev/null
     -o Dir::State="$work/$1/state" -o Dir::Cache="$work/$1/cache" -o APT::Architecture="$3")
  apt-get "${O[@]}" update -q >/dev/null
}
# trixie: 6.12 kernels
if [ ! -d k612-armmp ] && wants "6.12-armmp*"; then
  private_apt trixie trixie armhf
  ver=$(apt-cache "${O[@]}" search '^linux-image-6\.12\..*-armmp$' | newest '6\.12\.')
  apt-get "${O[@]}" download -q "linux-image-$ver-armmp" "linux-image-$ver-armmp-lpae"
  for v in armmp armmp-lpae; do mkdir -p k612-$v && dpkg-deb -x "linux-image-$ver-${v}"_*_armhf.deb k612-$v; done
fi
# bookworm for arm64: the 6.1 arm64 kernel and its busybox
if [ ! -d k61-arm64 ] && wants "*-arm64*"; then
  private_apt bw64 bookworm arm64
  v=$(apt-cache "${O[@]}" search '^linux-image-6\.1\.0-[0-9]*-arm64$' | awk '{print $1}' | sort -V | tail -1)
  (mkdir -p dl64 && cd dl64 && apt-get "${O[@]}" download -q "$v" busybox-static)
  mkdir -p k61-arm64 bb64 && dpkg-deb -x dl64/linux-image-*_arm64.deb k61-arm64 && dpkg-deb -x dl64/busybox-static_*_arm64.deb bb64
fi
# bullseye: 5.10 kernels (armhf without and with LPAE, arm64), the pre-6.3 pool of android12/13-5.10 phones
if [ ! -d k510-armmp ] && wants "5.10-armmp*"; then
  private_apt bullseye bullseye armhf
  v=$(apt-cache "${O[@]}" search '^linux-image-5\.10\.0-[0-9]*-armmp$' | awk '{print $1}' | sort -V | tail -1)
  v=${v%-armmp}
  (mkdir -p dl510 && cd dl510 && apt-get "${O[@]}" download -q "$v-armmp" "$v-armmp-lpae")
  for f in armmp armmp-lpae; do mkdir -p k510-$f && dpkg-deb -x dl510/"$v-$f"_*_armhf.deb k510-$f; done
fi
if [ ! -d k510-arm64 ] && wants "5.10-arm64"; then
  private_apt bullseye64 bullseye arm64
  v=$(apt-cache "${O[@]}" search '^linux-image-5\.10\.0-[0-9]*-arm64$' | awk '{print $1}' | sort -V | tail -1)
  (mkdir -p dl510a64 && cd dl510a64 && apt-get "${O[@]}" download -q "$v")
  mkdir -p k510-arm64 && dpkg-deb -x dl510a64/linux-image-*_arm64.deb k510-arm64
fi
# trixie-backports: a current arm64 kernel (6.18), for the zstd release of kernels after 6.12
if [ ! -d k618-arm64 ] && wants "6.18-arm64"; then
  private_apt tbp64 trixie-backports arm64
  v=$(apt-cache "${O[@]}" search '^linux-image-6\.18\.[0-9.]*.deb13-arm64$' | awk '{print $1}' | sort -V | tail -1)
  (mkdir -p dl618 && cd dl618 && apt-get "${O[@]}" download -q "$v")
  mkdir -p k618-arm64 && dpkg-deb -x dl618/linux-image-*_arm64.deb k618-arm64
fi
# arm64 with 16 KiB pages (Debian's arm64-16k flavour, as on Android's 16K-page devices): 6.12 (trixie) and 6.18
# (trixie-backports)
if [ ! -d k612-arm64-16k ] && wants "6.12-arm64-16k"; then
  private_apt tx64 trixie arm64
  v=$(apt-cache "${O[@]}" search '^linux-image-6\.12\.[0-9.]*.deb13-arm64-16k-unsigned$' | awk '{print $1}' | sort -V | tail -1)
  (mkdir -p dl612-16k && cd dl612-16k && apt-get "${O[@]}" download -q "$v")
  mkdir -p k612-arm64-16k && dpkg-deb -x dl612-16k/linux-image-*_arm64.deb k612-arm64-16k
fi
if [ ! -d k618-arm64-16k ] && wants "6.18-arm64-16k"; then
  private_apt tbp64 trixie-backports arm64
  v=$(apt-cache "${O[@]}" search '^linux-image-6\.18\.[0-9.]*.deb13-arm64-16k$' | awk '{print $1}' | sort -V | tail -1)
  (mkdir -p dl618-16k && cd dl618-16k && apt-get "${O[@]}" download -q "$v")
  mkdir -p k618-arm64-16k && dpkg-deb -x dl618-16k/linux-image-*_arm64.deb k618-arm64-16k
fi

# Ubuntu's generic x86-64 kernels, under TCG. From 24.04 (noble-updates): 6.8 (a kernel between 6.3 and 6.11: the
# current class rule, zram on the crypto API, zstd 1.5.2 through it) and the HWE kernels 6.11 (the last one on the
# crypto API), 6.14 and 6.17 (zram's own backends, as 6.12). From 22.04 (jammy-updates): 5.15 (android13/14-5.15's
# base) and the HWE kernels 5.19, 6.2 (the last with the pre-6.3 pool) and 6.5. From 20.04 (focal-updates): 5.4
# (android11-5.4's base) and the HWE kernels 5.8, 5.11 and 5.13 (either side of android12-5.10).
# ubuntu_kernel SERIES SUITE: the newest SERIES.0-N-generic kernel of SUITE with its modules, in kSERIES-x86-64
ubuntu_kernel() {
  local d=k${1//./}-x86-64 u=http://archive.ubuntu.com/ubuntu v p f
  [ -d "$d" ] && return 0
  curl -fsS "$u/dists/$2/main/binary-amd64/Packages.xz" | xz -dc > "$2-packages.txt"
  v=$(grep -oE "^Package: linux-image-unsigned-${1//./\\.}\.0-[0-9]+-generic\$" "$2-packages.txt" | sed 's/.*unsigned-//' | sort -V | tail -1)
  mkdir -p "dl${1//./}x86" "$d.part"
  for p in "linux-image-unsigned-$v" "linux-modules-$v" "linux-modules-extra-$v"; do
    f=$(awk -v p="$p" '$1 == "Package:" { on = ($2 == p) } on && $1 == "Filename:" { print $2; exit }' "$2-packages.txt")
    [ -n "$f" ] || continue  # 7.0 has no linux-modules-extra: zram is in linux-modules
    (cd "dl${1//./}x86" && curl -fsS -O "$u/$f") && dpkg-deb -x "dl${1//./}x86/${f##*/}" "$d.part"
  done
  mv "$d.part" "$d"
}
for s in 6.8:noble 6.11:noble 6.14:noble 6.17:noble 7.0:noble 5.15:jammy 5.19:jammy 6.2:jammy 6.5:jammy 5.4:focal 5.8:focal \
    5.11:focal 5.13:focal; do
  case " $KERNELS " in *" ${s%%:*}-x86-64 "*) ubuntu_kernel "${s%%:*}" "${s#*:}-updates" ;; esac
done
# debian_tbp SERIES ARCH FLAVOUR DIR: the newest SERIES.N+deb13-FLAVOUR kernel of Debian's trixie-backports (6.16 to
# 7.3 there in November 2026) for ARCH with its modules, in DIR. From 6.19 the image is split into linux-binary and
# linux-modules.
debian_tbp() {
  local d=$4 u=http://deb.debian.org/debian v p f idx=tbp-$2-packages.txt
  [ -d "$d" ] && return 0
  [ -s $idx ] || curl -fsS "$u/dists/trixie-backports/main/binary-$2/Packages.xz" | xz -dc > $idx
  v=$(grep -oE "^Package: linux-image-${1//./\\.}\.[0-9]+\+deb13-$3\$" $idx | sed 's/.*image-//' | sort -V | tail -1)
  mkdir -p "dl-$d" "$d.part"
  # the image's Depends name its linux-binary and linux-modules (6.19 and later); the index may no longer list them
  # while the pool still holds them, so their file names are made from the version there
  local deps=$(awk -v p="linux-image-$v" '$1 == "Package:" { on = ($2 == p) } on && $1 == "Depends:" { print; exit }' $idx)
  for p in "linux-image-$v" "linux-binary-$v" "linux-modules-$v"; do
    f=$(awk -v p="$p" '$1 == "Package:" { on = ($2 == p) } on && $1 == "Filename:" { print $2; exit }' $idx)
    if [ -z "$f" ]; then
      local ver=$(echo "${deps#Depends:}" | tr ',' '\n' | awk -v p="$p" '$1 == p { gsub(/[()=]/, ""); print $2 }')
      [ -n "$ver" ] || continue
      f=pool/main/l/linux/${p}_${ver}_$2.deb
    fi
    (cd "dl-$d" && curl -fsS -O "$u/$f") && dpkg-deb -x "dl-$d/${f##*/}" "$d.part"
  done
  mv "$d.part" "$d"
}
for s in 6.16 6.19 7.1 7.2 7.3; do
  case " $KERNELS " in *" $s-x86-64 "*) debian_tbp "$s" amd64 amd64 "k${s//./}-x86-64" ;; esac
  case " $KERNELS " in *" $s-arm64-16k "*) debian_tbp "$s" arm64 arm64-16k "k${s//./}-arm64-16k" ;; esac
done
if [ ! -d bbx86 ]; then
  (mkdir -p dlx86 && cd dlx86 && apt-get download -q busybox-static:amd64)
  mkdir -p bbx86 && dpkg-deb -x dlx86/busybox-static_*_amd64.deb bbx86
fi

cat > init <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /m/order); do insmod /m/$m.ko || echo "insmod $m failed"; done
echo "### uname $(uname -m -r) algos: $(cat /sys/block/zram0/comp_algorithm)"
for f in /data/*; do
  for a in $(cat /algos); do
    echo 1 > /sys/block/zram0/reset
    case $a in
      *:*) echo ${a%%:*} > /sys/block/zram0/comp_algorithm
           echo "algo=${a%%:*} level=${a#*:}" > /sys/block/zram0/algorithm_params ;;
      *) echo $a > /sys/block/zram0/comp_algorithm ;;
    esac
    # a kernel built without this compressor keeps the old one: say so rather than print its figures under $a
    grep -q "\[${a%%:*}\]" /sys/block/zram0/comp_algorithm || { echo "### $(basename $f) $a refused"; continue; }
    stat -c %s $f > /sys/block/zram0/disksize
    dd if=$f of=/dev/zram0 bs=$(cat /bs) oflag=direct 2>/dev/null
    echo "### $(basename $f) $a written $(cat /sys/block/zram0/mm_stat)"
  done
done
if [ -f /churn.ops ]; then
  for a in $(cat /churn.algos); do
    echo 1 > /sys/block/zram0/reset
    case $a in
      *:*) echo ${a%%:*} > /sys/block/zram0/comp_algorithm
           echo "algo=${a%%:*} level=${a#*:}" > /sys/block/zram0/algorithm_params ;;
      *) echo $a > /sys/block/zram0/comp_algorithm ;;
    esac
    grep -q "\[${a%%:*}\]" /sys/block/zram0/comp_algorithm || { echo "### churn $a refused"; continue; }
    echo $((1000 * $(cat /bs))) > /sys/block/zram0/disksize
    n=0
    while read slot src; do
      if [ "$slot" = C ]; then
        echo "### churn $a $n written $(cat /sys/block/zram0/mm_stat)"
        echo 1 > /sys/block/zram0/compact
        echo "### churn $a $n compacted $(cat /sys/block/zram0/mm_stat)"
        continue
      fi
      dd if=/churn.src of=/dev/zram0 bs=$(cat /bs) skip=$src seek=$slot count=1 oflag=direct conv=notrunc 2>/dev/null
      n=$((n+1))
    done < /churn.ops
  done
fi
if [ -f /wb.ops ]; then
  bs=$(cat /bs)
  dd if=/dev/zero of=/bd.img bs=$bs count=$(cat /wb.blocks) 2>/dev/null
  losetup /dev/loop0 /bd.img
  for a in $(cat /churn.algos); do
    echo 1 > /sys/block/zram0/reset
    echo $a > /sys/block/zram0/comp_algorithm
    grep -q "\[$a\]" /sys/block/zram0/comp_algorithm || { echo "### wb $a refused"; continue; }
    echo /dev/loop0 > /sys/block/zram0/backing_dev
    [ -f /wb.compressed ] && { echo 1 > /sys/block/zram0/compressed_writeback || echo "### wb $a compressed_writeback refused"; }
    [ -f /wb.batch ] && { cat /wb.batch > /sys/block/zram0/writeback_batch_size || echo "### wb $a writeback_batch_size refused"; }
    echo $((1000 * bs)) > /sys/block/zram0/disksize
    n=0
    while read op x y; do
      n=$((n+1))
      case $op in
        W) dd if=/churn.src of=/dev/zram0 bs=$bs skip=$y seek=$x count=1 oflag=direct conv=notrunc 2>/dev/null ;;
        R) dd if=/dev/zram0 of=/dev/null bs=$bs skip=$x count=1 iflag=direct 2>/dev/null ;;
        D) blkdiscard -o $((x * bs)) -l $bs /dev/zram0 ;;
        I) echo all > /sys/block/zram0/idle ;;
        B) r=$(echo "$x${y:+ $y}" 2>&1 > /sys/block/zram0/writeback) || echo "### wb $a $n $x${y:+ $y} failed: $r" ;;
        C) echo 1 > /sys/block/zram0/compact ;;
        S) echo "### wb $a $n mm $(cat /sys/block/zram0/mm_stat) bd $(cat /sys/block/zram0/bd_stat)" ;;
        E) echo $x > /sys/block/zram0/writeback_limit_enable ;;
        L) echo $x > /sys/block/zram0/writeback_limit ;;
        Q) echo "### wb $a $n limit $(cat /sys/block/zram0/writeback_limit_enable) $(cat /sys/block/zram0/writeback_limit)" ;;
        T) sleep $x ;;
        A) r=$(echo "$x${y:+ $y}" 2>&1 > /sys/block/zram0/idle) || echo "### wb $a $n idle $x${y:+ $y} failed: $r" ;;
        U) u=$(cut -d. -f1 /proc/uptime); r=$(echo "$u" 2>&1 > /sys/block/zram0/idle) || echo "### wb $a $n idle $u failed: $r" ;;
      esac
    done < /wb.ops
  done
fi
echo "### done"
poweroff -f
EOF

# mod_file KDIR MOD: the module's file (.ko, .ko.xz or .ko.zst; none when built in)
mod_file() { find "$1" -name "$2.ko" -o -name "$2.ko.xz" -o -name "$2.ko.zst" | head -1; }
# closure KDIR MOD...: the MODs that are modules, each after the modules it needs (their .modinfo "depends=")
closure() {
  local k=$1 m f; shift
  for m in "$@"; do
    case " $seen " in *" $m "*) continue ;; esac
    seen="$seen $m"
    f=$(mod_file "$k" "$m"); [ -n "$f" ] || continue
    closure "$k" $(case $f in *.xz) xz -dc "$f" ;; *.zst) zstd -qdc "$f" ;; *) cat "$f" ;; esac |
      tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
    echo "$m"
  done
}

# run NAME KERNEL_DIR "MODULES" "ALGOS": one initramfs (busybox, the modules, the files) and one boot
# (MODULES "@zram": zram and what it links, found from the modules themselves: zram's own backends since 6.12)
run() {
  local name=$1 kdir=$2 mods=$3 algos=$4 r=root-$1 bb=bb qemu=(qemu-system-arm -M virt -cpu cortex-a15) console=ttyAMA0
  case " $KERNELS " in *" $name "*) ;; *) return 0 ;; esac
  case $name in
    *-arm64) bb=bb64 qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57) ;;
    *-arm64-16k) bb=bb64 qemu=(qemu-system-aarch64 -M virt -cpu max) ;;
    *-x86-64) bb=bbx86 qemu=(qemu-system-x86_64 -M q35); console=ttyS0
      command -v qemu-system-x86_64 >/dev/null || apt-get install -y -q qemu-system-x86 >/dev/null
      ;;  # TCG: under nested KVM the boot stub stops on an "emulation failure" (a VEX-coded shrx)
  esac
  rm -rf "$r"; mkdir -p "$r"/{bin,m,data,proc,sys,dev}
  cp $bb/bin/busybox "$r/bin/"
  for l in sh mount insmod cat echo dd stat basename uname poweroff grep sleep; do ln -s busybox "$r/bin/$l"; done
  : > "$r/m/order"
  [ "$mods" = @zram ] && mods=$(seen=; closure "$kdir" zram)
  for m in $mods; do
    f=$(find "$kdir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
    case $f in *.xz) xz -dc "$f" > "$r/m/$m.ko" ;; *.zst) zstd -qdc "$f" > "$r/m/$m.ko" ;; *) cp "$f" "$r/m/$m.ko" ;; esac
    echo "$m" >> "$r/m/order"
  done
  echo "$algos" > "$r/algos"; cp init "$r/init"; chmod +x "$r/init"
  # one write per kernel page: a 16 KiB-page zram takes 4 KiB writes as read-modify-write of the page (partial
  # I/O), which would churn the pool
  case $name in *-16k) echo 16384 > "$r/bs" ;; *) echo 4096 > "$r/bs" ;; esac
  for f in "${files[@]}"; do cp "$f" "$r/data/"; done
  if [ -n "${CHURN_OPS:-}" ]; then
    cp "$CHURN_OPS" "$r/churn.ops"; cp "$CHURN_SRC" "$r/churn.src"; echo "${CHURN_ALGOS:-$algos}" > "$r/churn.algos"
  fi
  if [ -n "${WB_OPS:-}" ]; then
    cp "$WB_OPS" "$r/wb.ops"; cp "$CHURN_SRC" "$r/churn.src"; echo "${CHURN_ALGOS:-$algos}" > "$r/churn.algos"
    echo "${WB_BLOCKS:-300}" > "$r/wb.blocks"
    [ -z "${WB_BATCH:-}" ] || echo "$WB_BATCH" > "$r/wb.batch"
    [ -z "${WB_COMPRESSED:-}" ] || echo 1 > "$r/wb.compressed"
    for l in losetup blkdiscard; do ln -sf busybox "$r/bin/$l"; done
    f=$(find "$kdir" -name "loop.ko" -o -name "loop.ko.xz" -o -name "loop.ko.zst" | head -1)
    if [ -n "$f" ]; then
      case $f in *.xz) xz -dc "$f" > "$r/m/loop.ko" ;; *.zst) zstd -qdc "$f" > "$r/m/loop.ko" ;; *) cp "$f" "$r/m/loop.ko" ;; esac
      echo loop >> "$r/m/order"
    fi
  fi
  (cd "$r" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "../initrd-$name.gz")
  timeout 1800 "${qemu[@]}" -m 1024 -nographic -no-reboot \
    -kernel "$(ls "$kdir"/boot/vmlinuz-* "$kdir"/usr/lib/modules/*/vmlinuz 2>/dev/null | head -1)" -initrd "initrd-$name.gz" \
    -append "console=$console rdinit=/init panic=-1 quiet" > "boot-$name.log" 2>&1
  grep '^### ' "boot-$name.log" | sed 's/^### //' | tr -d '\r' > "$out/linux-$name.txt"
  grep -q '^done' "$out/linux-$name.txt" || { echo "$name: the guest did not finish (boot-$name.log)" >&2; exit 1; }
  echo "$out/linux-$name.txt"
}
# 6.1: zram and zsmalloc are modules, lzo built in; 6.12: zsmalloc built in, zram's backends link the libraries.
run 5.10-armmp k510-armmp "zsmalloc lz4 zram" "lzo-rle lzo lz4"
run 5.10-armmp-lpae k510-armmp-lpae "zsmalloc lz4 zram" "lzo-rle lzo lz4"
run 6.1-armmp k61-armmp "zsmalloc lz4_compress lz4 zram" "lzo-rle lzo lz4"
run 6.1-armmp-lpae k61-armmp-lpae "zsmalloc lz4_compress lz4 zram" "lzo-rle lzo lz4"
run 6.12-armmp k612-armmp "lz4_compress lz4hc_compress zlib_deflate zram" "lz4 zstd zstd:1 zstd:7 zstd:-1"
run 6.12-armmp-lpae k612-armmp-lpae "lz4_compress lz4hc_compress zlib_deflate zram" "lz4 zstd zstd:1 zstd:7 zstd:-1"
run 5.10-arm64 k510-arm64 "zsmalloc lz4 zram" "lzo-rle lzo lz4"
run 6.1-arm64 k61-arm64 "zsmalloc lz4_compress lz4 zstd_compress zstd zram" "lzo-rle lzo lz4 zstd"
run 6.18-arm64 k618-arm64 "lz4_compress lz4hc_compress zram" "lz4 zstd zstd:1 zstd:7 zstd:-1"
run 6.12-arm64-16k k612-arm64-16k "lz4_compress lz4hc_compress zram" "lz4 zstd zstd:1 zstd:7 zstd:-1"
run 6.18-arm64-16k k618-arm64-16k "lz4_compress lz4hc_compress zram" "lz4 zstd zstd:1 zstd:7 zstd:-1"
# 6.8: zsmalloc and zstd built in, zram and the lz4 crypto backend modules
run 6.8-x86-64 k68-x86-64 "lz4_compress lz4 zstd zram" "lzo-rle lzo lz4 zstd"
# 6.11: as 6.8, with the lz4hc and 842 crypto modules (deflate is built in); 6.14 and 6.17: zram's backends (all
# built in, linking lz4, lz4hc and 842 modules), zstd levels through algorithm_params as on 6.12
run 6.11-x86-64 k611-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 6.14-x86-64 k614-x86-64 "842_compress 842_decompress lz4_compress lz4hc_compress zram" \
  "lzo-rle lzo lz4 lz4hc zstd zstd:1 zstd:7 zstd:-1 deflate 842"
run 6.17-x86-64 k617-x86-64 "842_compress 842_decompress lz4_compress lz4hc_compress zram" \
  "lzo-rle lzo lz4 lz4hc zstd zstd:1 zstd:7 zstd:-1 deflate 842"
# 7.0 (noble-updates' HWE kernel of 2026): as 6.17
run 7.0-x86-64 k70-x86-64 "842_compress 842_decompress lz4_compress lz4hc_compress zram" \
  "lzo-rle lzo lz4 lz4hc zstd zstd:1 zstd:7 zstd:-1 deflate 842"
# Debian's 6.16, 6.19, 7.1, 7.2 and 7.3 (trixie-backports, amd64)
for k in 6.16 6.19 7.1 7.2 7.3; do
  run $k-x86-64 k${k//./}-x86-64 @zram "lzo-rle lzo lz4 lz4hc zstd zstd:1 zstd:7 zstd:-1 deflate 842"
  run $k-arm64-16k k${k//./}-arm64-16k @zram "lz4 zstd zstd:1 zstd:7 zstd:-1"
done
# 5.4 and 5.15 (zram on the crypto API, zstd and its library as modules), 6.2 and 6.5 (zstd built in)
run 5.4-x86-64 k54-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd_compress zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 5.15-x86-64 k515-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd_compress zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 6.2-x86-64 k62-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 6.5-x86-64 k65-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
# 5.8 and 5.11 (lz4 and zstd libraries built in), 5.13 (as 5.15), 5.19 (zstd built in)
run 5.8-x86-64 k58-x86-64 "lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 5.11-x86-64 k511-x86-64 "lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 5.13-x86-64 k513-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd_compress zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
run 5.19-x86-64 k519-x86-64 "lz4_compress lz4 lz4hc_compress lz4hc 842_compress 842_decompress 842 zstd zram" \
  "lzo-rle lzo lz4 lz4hc zstd deflate 842"
