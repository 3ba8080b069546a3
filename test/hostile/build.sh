#!/bin/sh
# Build the hostile virtio guest: src/hostile.S -> bin/hostile.elf (test/boot/hostile-virtio.test.ts).
# Needs GNU binutils for riscv64 (Debian: binutils-riscv64-linux-gnu). Reproducible: no
# timestamps, build ids or absolute paths; `./build.sh --check` rebuilds into a scratch
# folder and compares with bin/.
set -eu
cd "$(dirname "$0")"
AS=${AS:-riscv64-linux-gnu-as}
LD=${LD:-riscv64-linux-gnu-ld}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=bin
[ "${1:-}" = --check ] && out=$tmp/bin
mkdir -p "$out"
(cd src && $AS -march=rv64gc_zicsr -mabi=lp64d -mno-relax -o "$tmp/hostile.o" hostile.S)
$LD -static -nostdlib --no-relax --build-id=none --no-warn-rwx-segments -T src/link.ld -o "$out/hostile.elf" "$tmp/hostile.o"
echo "built $out/hostile.elf"
if [ "${1:-}" = --check ]; then
  cmp "$out/hostile.elf" bin/hostile.elf && echo "bin/hostile.elf is reproduced by the source"
fi
