#!/bin/sh
# Build the ISA test programs: src/<area>.S + src/runtime.S -> bin/<area>.elf, and for
# the programs with checks where QEMU 7.2 departs from the spec, a strict variant
# (assembled with SPEC_STRICT=1) -> bin/strict/<area>.elf.
# Needs GNU binutils for riscv64 (Debian: binutils-riscv64-linux-gnu).
# Reproducible: no timestamps, no build ids, no absolute paths in the output;
# `./build.sh --check` rebuilds into a scratch folder and compares with bin/.
# `./build.sh --keep-going DIR` builds diagnostic variants into DIR (not committed): a
# failed check prints its line and the program goes on, to list every failure at once.
set -eu
cd "$(dirname "$0")"
AS=${AS:-riscv64-linux-gnu-as}
LD=${LD:-riscv64-linux-gnu-ld}
check=0
extra=
out=bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "${1:-}" in
  --check) check=1; out=$tmp/bin ;;
  --keep-going) out=${2:?--keep-going needs a folder}; extra="--defsym KEEP_GOING=1"
                case $out in /*) ;; *) out=$OLDPWD/$out ;; esac ;;
esac
mkdir -p "$out/strict" "$tmp/obj"

# asm SRC OBJ [as options]: run from src/ so that only relative names enter the objects
asm() { a_src=$1 a_obj=$2; shift 2; (cd src && $AS -march=rv64gc_zicsr_zifencei -mabi=lp64d -mno-relax $extra "$@" -o "$a_obj" "$a_src"); }
link() { $LD -static -nostdlib --no-relax --build-id=none -T src/link.ld -o "$1" "$tmp/obj/runtime.o" "$2"; echo "built $1"; }

asm runtime.S "$tmp/obj/runtime.o"
for src in src/*.S; do
  name=$(basename "$src" .S)
  [ "$name" = runtime ] && continue
  asm "$name.S" "$tmp/obj/$name.o"
  link "$out/$name.elf" "$tmp/obj/$name.o"
  if grep -q SPEC_STRICT "$src"; then
    asm "$name.S" "$tmp/obj/$name-strict.o" --defsym SPEC_STRICT=1
    link "$out/strict/$name.elf" "$tmp/obj/$name-strict.o"
  fi
done

if [ $check = 1 ]; then
  status=0
  for f in "$out"/*.elf "$out"/strict/*.elf; do
    rel=${f#"$out"/}
    if ! cmp -s "$f" "bin/$rel"; then echo "differs: bin/$rel"; status=1; fi
  done
  for f in bin/*.elf bin/strict/*.elf; do
    [ -e "$out/${f#bin/}" ] || { echo "no source for $f"; status=1; }
  done
  [ $status = 0 ] && echo "bin/ is reproduced by the sources"
  exit $status
fi
