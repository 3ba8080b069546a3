#!/bin/sh
# Build the ISA test programs: src/<area>.S + src/runtime.S -> bin/<area>.elf
# Needs GNU binutils for riscv64 (Debian: binutils-riscv64-linux-gnu).
# Reproducible: no timestamps, no build ids, no absolute paths in the output;
# `./build.sh --check` rebuilds into a scratch folder and compares with bin/.
set -eu
cd "$(dirname "$0")"
AS=${AS:-riscv64-linux-gnu-as}
LD=${LD:-riscv64-linux-gnu-ld}
check=0
[ "${1:-}" = "--check" ] && check=1
out=bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ $check = 1 ] && out=$tmp/bin
mkdir -p "$out" "$tmp/obj"

asm() { (cd src && $AS -march=rv64gc_zicsr_zifencei -mabi=lp64d -mno-relax -o "$2" "$1") ; }

asm runtime.S "$tmp/obj/runtime.o"
for src in src/*.S; do
  name=$(basename "$src" .S)
  [ "$name" = runtime ] && continue
  asm "$name.S" "$tmp/obj/$name.o"
  $LD -static -nostdlib --no-relax --build-id=none -T src/link.ld \
      -o "$out/$name.elf" "$tmp/obj/runtime.o" "$tmp/obj/$name.o"
  echo "built $out/$name.elf"
done

if [ $check = 1 ]; then
  status=0
  for f in "$out"/*.elf; do
    if ! cmp -s "$f" "bin/$(basename "$f")"; then echo "differs: bin/$(basename "$f")"; status=1; fi
  done
  [ $status = 0 ] && echo "bin/ is reproduced by the sources"
  exit $status
fi
