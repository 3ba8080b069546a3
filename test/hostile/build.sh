#!/bin/sh
# Build the hostile virtio guests: src/hostile.S -> bin/hostile.elf (test/boot/hostile-virtio.test.ts),
# src/hostile-9p.S -> bin/hostile-9p.elf (test/boot/hostile-9p.test.ts).
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
for g in hostile hostile-9p; do
  (cd src && $AS -march=rv64gc_zicsr -mabi=lp64d -mno-relax -o "$tmp/$g.o" "$g.S")
  $LD -static -nostdlib --no-relax --build-id=none --no-warn-rwx-segments -T src/link.ld -o "$out/$g.elf" "$tmp/$g.o"
  echo "built $out/$g.elf"
  if [ "${1:-}" = --check ]; then
    cmp "$out/$g.elf" "bin/$g.elf" && echo "bin/$g.elf is reproduced by the source"
  fi
done
