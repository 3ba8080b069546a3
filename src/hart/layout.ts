// Linear-memory layout of the hart module. Guest RAM starts at RAM_OFFSET (index.ts
// exports it and the few other addresses the host needs); everything below is hart
// state, and below ACTIVE the module's own static data. The running hart's registers and
// CSRs are swapped into one fixed block (ACTIVE) for its turn, so the hot loop addresses
// them with constant offsets; its TLBs stay in its own block.

export const RAM_OFFSET: u32 = 0x0500_0000;
export const RAM_BASE: u64 = 0x8000_0000;
export const ROM_OFFSET: u32 = 0x3_0000; // the boot ROM at physical 0x1000, 4 KiB
export const ROM_BASE: u64 = 0x1000;
export const ROM_SIZE: u32 = 0x1000;
// A host page no guest address maps to: decoded records of page-straddling instructions
// run from here, one at a time (interp.ts runStraddler).
export const SCRATCH_PAGE: u32 = 0x3_1000;
// The debugger's breakpoints (u64 virtual addresses) and watchpoints ({ start, end, kind }
// of u64 each), set by the host (debug.ts).
export const BREAKS: u32 = 0x3_2000;
export const MAX_BREAKS: i32 = 64;
export const WATCHES: u32 = 0x3_2200;
export const MAX_WATCHES: i32 = 16;

export const HARTS_BASE: u32 = 0x10_0000;
export const HART_STRIDE: u32 = 0x1_0000;
export const MAX_HARTS: i32 = 8;
export const STATE_SIZE: u32 = 0x400; // registers + CSRs, swapped into ACTIVE
export const ACTIVE: u32 = 0x8000;

// Offsets inside a state block.
export const X: u32 = 0x000; // x0..x31
export const F: u32 = 0x100; // f0..f31, NaN-boxed
export const PC: u32 = 0x200;
export const PRIV: u32 = 0x208;
export const FFLAGS: u32 = 0x210;
export const FRM: u32 = 0x218;
export const MSTATUS: u32 = 0x220;
export const MEDELEG: u32 = 0x228;
export const MIDELEG: u32 = 0x230;
export const MIE: u32 = 0x238;
export const MIP: u32 = 0x240; // software-visible bits; PLIC lines are in EXTIP
export const MTVEC: u32 = 0x248;
export const MSCRATCH: u32 = 0x250;
export const MEPC: u32 = 0x258;
export const MCAUSE: u32 = 0x260;
export const MTVAL: u32 = 0x268;
export const STVEC: u32 = 0x270;
export const SSCRATCH: u32 = 0x278;
export const SEPC: u32 = 0x280;
export const SCAUSE: u32 = 0x288;
export const STVAL: u32 = 0x290;
export const SATP: u32 = 0x298;
export const MCOUNTEREN: u32 = 0x2a0;
export const SCOUNTEREN: u32 = 0x2a8;
export const MENVCFG: u32 = 0x2b0;
export const SENVCFG: u32 = 0x2b8;
export const MTIMECMP: u32 = 0x2c0;
export const INSTRET: u32 = 0x2c8;
export const RES_ADDR: u32 = 0x2d0; // LR reservation: address (all ones = none) and value seen
export const RES_VAL: u32 = 0x2d8;
export const EXTIP: u32 = 0x2e0; // MEIP/SEIP as driven by the PLIC
export const RUNNING: u32 = 0x2e8;
export const WAITING: u32 = 0x2ec;
export const SBIMODE: u32 = 0x2f0;
export const HARTID: u32 = 0x2f4;
export const MCOUNTINHIBIT: u32 = 0x2f8;
export const PMPCFG: u32 = 0x300; // pmpcfg0, pmpcfg2
export const PMPADDR: u32 = 0x310; // pmpaddr0..15
export const TSELECT: u32 = 0x390; // Sdtrig: the selected trigger, then TRIGGERS x { tdata1 bits, tdata2 }
export const TDATA: u32 = 0x398;
export const TRIGGERS: i32 = 2;
// TLBs (per hart, not swapped): TLB_ENTRIES entries of { tag, addend: host - vaddr },
// direct-mapped by the low bits of the virtual page number. The tag is the virtual page
// number with, in bits 56-59, the context its permissions were checked in (mmu.ts
// tlbTag), so entries survive privilege and mstatus changes. TLB_LEVEL keeps, per entry,
// the level of the leaf it came from (0 = 4 KiB page), for sfence.vma of one address
// inside a superpage. 1024 entries: a Debian boot to /init takes 330 misses per M
// instructions, against 1,350 with 256.
export const TLB_ENTRIES: u32 = 1024;
export const TLB_MASK: u32 = TLB_ENTRIES - 1;
export const TLB_TABLE: u32 = TLB_ENTRIES * 16; // bytes of one TLB
export const TLB_LEVEL: u32 = 0x0400; // 3 x TLB_ENTRIES bytes, in TLB_R, TLB_W, TLB_X order
export const TLB_R: u32 = 0x1000;
export const TLB_W: u32 = TLB_R + TLB_TABLE;
export const TLB_X: u32 = TLB_W + TLB_TABLE;
export const TLB_BYTES: u32 = 3 * TLB_TABLE;
export const TLB_INVALID: u64 = 0xffff_ffff_ffff_ffff; // no tag has bit 63 set
export const TLB_VPN: u64 = (<u64>1 << 52) - 1;
// Expansions of the 65536 possible 16-bit (RVC) instructions into their 32-bit
// equivalents, filled on first use: 0 = not yet expanded, 1 = illegal.
export const CTABLE: u32 = 0x4_0000;

// Decoded-instruction cache: DCACHE_SLOTS slots, each the decoded form of one 4 KiB page
// of guest code (a u64 record per 2-byte instruction slot), tagged by the page's host
// address in DTAGS. Shared by the harts (it caches physical memory).
export const DTAGS: u32 = 0x8_0000;
export const DCACHE: u32 = 0x0100_0000;
export const DCACHE_SLOTS: u32 = 4096;
export const DSLOT_BYTES: u32 = 0x4000;
// x-register slot that instructions with rd = x0 write to, so the hot loop needs no test.
export const XSINK: u32 = 127;
