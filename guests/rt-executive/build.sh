#!/bin/sh
# Build Bulkhead's real-time executive: rt-executive.S -> rt-executive.elf (committed).
# Needs GNU binutils for riscv64 (Debian: binutils-riscv64-linux-gnu).
# Reproducible: no timestamps, no build ids, no absolute paths in the output;
# `./build.sh --check` rebuilds into a scratch folder and compares with the committed ELF.
set -eu
cd "$(dirname "$0")"
AS=${AS:-riscv64-linux-gnu-as}
LD=${LD:-riscv64-linux-gnu-ld}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=rt-executive.elf
[ "${1:-}" = --check ] && out=$tmp/rt-executive.elf
$AS -march=rv64gc_zicsr -mabi=lp64d -mno-relax -o "$tmp/rt-executive.o" rt-executive.S
$LD -static -nostdlib --no-relax --build-id=none --no-warn-rwx-segments -T link.ld -o "$out" "$tmp/rt-executive.o"
echo "built $out"
if [ "${1:-}" = --check ]; then
  cmp -s "$out" rt-executive.elf || { echo "differs: rt-executive.elf is not what rt-executive.S builds"; exit 1; }
  echo "rt-executive.elf is reproduced by the source"
fi
