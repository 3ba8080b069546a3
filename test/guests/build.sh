#!/bin/sh
# Build the test guests: src/<name>.S (with src/common.inc) -> bin/<name>.elf.
# Bare-metal M-mode programs for the virt machine, used by the RootOS tests.
# Needs GNU binutils for riscv64 (Debian: binutils-riscv64-linux-gnu).
# Reproducible: no timestamps, no build ids, no absolute paths in the output;
# `./build.sh --check` rebuilds into a scratch folder and compares with bin/.
set -eu
cd "$(dirname "$0")"
AS=${AS:-riscv64-linux-gnu-as}
LD=${LD:-riscv64-linux-gnu-ld}
check=0
out=bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "${1:-}" = --check ] && { check=1; out=$tmp/bin; }
mkdir -p "$out"
for src in src/*.S; do
  name=$(basename "$src" .S)
  (cd src && $AS -march=rv64gc_zicsr -mabi=lp64d -mno-relax -o "$tmp/$name.o" "$name.S")
  $LD -static -nostdlib --no-relax --build-id=none --no-warn-rwx-segments -T src/link.ld -o "$out/$name.elf" "$tmp/$name.o"
  echo "built $out/$name.elf"
done
if [ $check = 1 ]; then
  status=0
  for f in "$out"/*.elf; do cmp -s "$f" "bin/$(basename "$f")" || { echo "differs: bin/$(basename "$f")"; status=1; }; done
  for f in bin/*.elf; do [ -e "$out/$(basename "$f")" ] || { echo "no source for $f"; status=1; }; done
  [ $status = 0 ] && echo "bin/ is reproduced by the sources"
  exit $status
fi
