// The page-table walk as a debugger sees it (privileged spec v1.12, 4.3.2 and 4.5): Sv39
// and Sv48 from a hart's satp, level by level, reading PTEs from physical memory and
// changing nothing (no A/D updates, no faults raised, permissions reported, not enforced).
// The hart's own walk (src/hart/mmu.ts) is the one that executes; this one explains.

export interface WalkStep {
  readonly level: number;
  /** Physical address of the PTE read at this level. */
  readonly pteAddr: bigint;
  readonly pte: bigint;
}

export type WalkResult =
  /** satp.MODE is Bare (or the hart is in M-mode): virtual = physical. */
  | { readonly kind: "bare"; readonly pa: bigint }
  | { readonly kind: "mapped"; readonly pa: bigint; readonly steps: readonly WalkStep[]; readonly pageSize: bigint }
  | { readonly kind: "fault"; readonly reason: string; readonly steps: readonly WalkStep[] };

const PTE_V = 1n, PTE_R = 2n, PTE_W = 4n, PTE_X = 8n;
const PPN_MASK = (1n << 44n) - 1n;

/** Walk `va` through the tables of `satp`; `readPhys64` answers undefined outside RAM. */
export function walk(satp: bigint, va: bigint, readPhys64: (pa: bigint) => bigint | undefined): WalkResult {
  const mode = satp >> 60n;
  if (mode === 0n) return { kind: "bare", pa: va };
  if (mode !== 8n && mode !== 9n) return { kind: "fault", reason: `satp mode ${mode} is not Sv39 or Sv48`, steps: [] };
  const levels = mode === 8n ? 3 : 4;
  const vaBits = 12n + 9n * BigInt(levels);
  if (BigInt.asUintN(64, BigInt.asIntN(Number(vaBits), va)) !== BigInt.asUintN(64, va)) {
    return { kind: "fault", reason: `0x${va.toString(16)} is not a canonical Sv${vaBits} address`, steps: [] };
  }
  const steps: WalkStep[] = [];
  let table = (satp & PPN_MASK) << 12n;
  for (let level = levels - 1; level >= 0; level--) {
    const idx = (va >> (12n + 9n * BigInt(level))) & 511n;
    const pteAddr = table + idx * 8n;
    const pte = readPhys64(pteAddr);
    if (pte === undefined) return { kind: "fault", reason: `the level-${level} PTE at 0x${pteAddr.toString(16)} is outside RAM`, steps };
    steps.push({ level, pteAddr, pte });
    if ((pte & PTE_V) === 0n) return { kind: "fault", reason: `the level-${level} PTE is not valid`, steps };
    if ((pte & PTE_R) === 0n && (pte & PTE_W) !== 0n) return { kind: "fault", reason: `the level-${level} PTE is writable but not readable (reserved)`, steps };
    if ((pte & (PTE_R | PTE_X)) !== 0n) {
      const shift = 12n + 9n * BigInt(level);
      const ppn = (pte >> 10n) & PPN_MASK;
      if (level > 0 && (ppn & ((1n << (9n * BigInt(level))) - 1n)) !== 0n) return { kind: "fault", reason: `misaligned superpage at level ${level}`, steps };
      const mask = (1n << shift) - 1n;
      return { kind: "mapped", pa: ((ppn << 12n) & ~mask) | (va & mask), steps, pageSize: 1n << shift };
    }
    table = ((pte >> 10n) & PPN_MASK) << 12n;
  }
  return { kind: "fault", reason: "no leaf PTE at level 0", steps };
}

/** A PTE's flags as letters, `-` where clear: V R W X U G A D. */
export function pteFlags(pte: bigint): string {
  return "VRWXUGAD".split("").map((c, i) => ((pte >> BigInt(i)) & 1n ? c : "-")).join("");
}
