// RV64GC disassembler: RV64IMAFD, Zicsr, Zifencei, C, and the privileged instructions, printed
// as GNU objdump (binutils 2.40) prints them by default, so its output reads like the listings
// users already know and a test can hold it to objdump instruction by instruction.
// Specs: RISC-V Unprivileged ISA 20191213, chapter 24 (RV32/64G listings) and chapter 16 (RVC,
// tables 16.5-16.7); Privileged ISA 1.12, chapter 2 (CSR names) and 3.3 / 4.2 (xRET, WFI,
// SFENCE.VMA).
//
// Like objdump, the first row of TABLE that matches a word wins, so pseudo-instructions (li, mv,
// ret, beqz, csrr, fmv.s, ...) sit before the instructions they stand for, and compressed words
// print by their expanded names (c.addi a0,1 is "add a0,a0,1"); the `c.` rows at the end of the
// C block catch the HINT encodings objdump prints by their own names (c.nop 1, c.li zero,0).
// A word no row matches prints as objdump's data directive (.2byte / .4byte / .8byte / .byte).

/** Reads up to `len` bytes at `addr`; fewer (or none) where memory cannot be read. */
export type ByteReader = (addr: bigint, len: number) => Uint8Array;

export interface Insn {
  readonly addr: bigint;
  /** Bytes, by the length encoding of the first halfword (2, 4, 6, 8, or 10-22 bytes). */
  readonly length: number;
  readonly bytes: Uint8Array;
  /** objdump's raw column: little-endian halfwords or words, "f14022f3", "0001", "001f 0000 0000". */
  readonly hex: string;
  readonly mnemonic: string;
  readonly operands: string;
  /** objdump's "# ADDR" after an auipc/lui pair or an absolute address, "" when none. */
  readonly comment: string;
  /** mnemonic, operands and comment, space separated. */
  readonly text: string;
}

const X = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"];
const F = ["ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
  "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"];
/** Rounding modes 0-7; 5 and 6 are reserved, printed as objdump does. */
const RM = ["rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn"];
/** FENCE predecessor/successor sets, bits i o r w. */
const IORW = ["unknown", "w", "r", "rw", "o", "ow", "or", "orw", "i", "iw", "ir", "irw", "io", "iow", "ior", "iorw"];

/** CSR names of the privileged spec 1.12 (and the extensions objdump names), by number. */
const CSR = new Map<number, string>();
{
  const named: [number, string][] = [
    [0x001, "fflags"], [0x002, "frm"], [0x003, "fcsr"], [0x008, "vstart"], [0x009, "vxsat"], [0x00a, "vxrm"],
    [0x00f, "vcsr"], [0x015, "seed"],
    [0x100, "sstatus"], [0x104, "sie"], [0x105, "stvec"], [0x106, "scounteren"], [0x10a, "senvcfg"],
    [0x114, "sieh"], [0x140, "sscratch"], [0x141, "sepc"], [0x142, "scause"], [0x143, "stval"], [0x144, "sip"],
    [0x14d, "stimecmp"], [0x150, "siselect"], [0x151, "sireg"], [0x154, "siph"], [0x15c, "stopei"],
    [0x15d, "stimecmph"], [0x180, "satp"],
    [0x200, "vsstatus"], [0x204, "vsie"], [0x205, "vstvec"], [0x214, "vsieh"], [0x240, "vsscratch"],
    [0x241, "vsepc"], [0x242, "vscause"], [0x243, "vstval"], [0x244, "vsip"], [0x24d, "vstimecmp"],
    [0x250, "vsiselect"], [0x251, "vsireg"], [0x254, "vsiph"], [0x25c, "vstopei"], [0x25d, "vstimecmph"],
    [0x280, "vsatp"],
    [0x300, "mstatus"], [0x301, "misa"], [0x302, "medeleg"], [0x303, "mideleg"], [0x304, "mie"], [0x305, "mtvec"],
    [0x306, "mcounteren"], [0x308, "mvien"], [0x309, "mvip"], [0x30a, "menvcfg"], [0x310, "mstatush"],
    [0x313, "midelegh"], [0x314, "mieh"], [0x318, "mvienh"], [0x319, "mviph"], [0x31a, "menvcfgh"],
    [0x320, "mcountinhibit"], [0x340, "mscratch"], [0x341, "mepc"], [0x342, "mcause"], [0x343, "mtval"],
    [0x344, "mip"], [0x34a, "mtinst"], [0x34b, "mtval2"], [0x350, "miselect"], [0x351, "mireg"], [0x354, "miph"],
    [0x35c, "mtopei"], [0x5a8, "scontext"],
    [0x600, "hstatus"], [0x602, "hedeleg"], [0x603, "hideleg"], [0x604, "hie"], [0x605, "htimedelta"],
    [0x606, "hcounteren"], [0x607, "hgeie"], [0x608, "hvien"], [0x609, "hvictl"], [0x60a, "henvcfg"],
    [0x613, "hidelegh"], [0x615, "htimedeltah"], [0x618, "hvienh"], [0x61a, "henvcfgh"], [0x643, "htval"],
    [0x644, "hip"], [0x645, "hvip"], [0x646, "hviprio1"], [0x647, "hviprio2"], [0x64a, "htinst"], [0x655, "hviph"],
    [0x656, "hviprio1h"], [0x657, "hviprio2h"], [0x680, "hgatp"], [0x6a8, "hcontext"],
    [0x747, "mseccfg"], [0x757, "mseccfgh"], [0x7a0, "tselect"], [0x7a1, "tdata1"], [0x7a2, "tdata2"],
    [0x7a3, "tdata3"], [0x7a4, "tinfo"], [0x7a5, "tcontrol"], [0x7a8, "mcontext"], [0x7aa, "mscontext"],
    [0x7b0, "dcsr"], [0x7b1, "dpc"], [0x7b2, "dscratch0"], [0x7b3, "dscratch1"],
    [0xb00, "mcycle"], [0xb02, "minstret"], [0xb80, "mcycleh"], [0xb82, "minstreth"],
    [0xc00, "cycle"], [0xc01, "time"], [0xc02, "instret"], [0xc20, "vl"], [0xc21, "vtype"], [0xc22, "vlenb"],
    [0xc80, "cycleh"], [0xc81, "timeh"], [0xc82, "instreth"], [0xda0, "scountovf"], [0xdb0, "stopi"],
    [0xe12, "hgeip"], [0xeb0, "vstopi"], [0xf11, "mvendorid"], [0xf12, "marchid"], [0xf13, "mimpid"],
    [0xf14, "mhartid"], [0xf15, "mconfigptr"], [0xfb0, "mtopi"],
  ];
  for (const [n, s] of named) CSR.set(n, s);
  const series = (base: number, name: string, from: number, to: number, suffix = ""): void => {
    for (let i = from; i <= to; i++) CSR.set(base + i - from, `${name}${i}${suffix}`);
  };
  for (const [base, x] of [[0x10c, "s"], [0x30c, "m"], [0x60c, "h"]] as const) series(base, `${x}stateen`, 0, 3);
  series(0x31c, "mstateen", 0, 3, "h");
  series(0x61c, "hstateen", 0, 3, "h");
  series(0x323, "mhpmevent", 3, 31);
  series(0x723, "mhpmevent", 3, 31, "h");
  series(0x3a0, "pmpcfg", 0, 15);
  series(0x3b0, "pmpaddr", 0, 63);
  series(0xb03, "mhpmcounter", 3, 31);
  series(0xb83, "mhpmcounter", 3, 31, "h");
  series(0xc03, "hpmcounter", 3, 31);
  series(0xc83, "hpmcounter", 3, 31, "h");
}

// Fields. w is the word as an unsigned 32-bit number; `w | 0` makes it signed for the sign bit.
const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);
const immI = (w: number): number => (w | 0) >> 20;
const immS = (w: number): number => (((w | 0) >> 25) << 5) | bits(w, 11, 7);
const immB = (w: number): number =>
  sext((bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1), 13);
const immJ = (w: number): number =>
  sext((bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1), 21);
/** CI immediate: imm[5] at bit 12, imm[4:0] at bits 6:2. */
const immCI = (w: number): number => sext((bits(w, 12, 12) << 5) | bits(w, 6, 2), 6);
/** Compressed immediates: [bit of the word, bit of the immediate] pairs, listed high to low. */
const scatter = (w: number, map: readonly (readonly [number, number])[]): number => {
  let v = 0;
  for (const [from, to] of map) v |= bits(w, from, from) << to;
  return v;
};
const run = (hi: number, lo: number, to: number): [number, number][] =>
  Array.from({ length: hi - lo + 1 }, (_, i) => [hi - i, to + hi - lo - i] as [number, number]);
const C_LW = [...run(12, 10, 3), [6, 2], [5, 6]] as const;
const C_LD = [...run(12, 10, 3), ...run(6, 5, 6)] as const;
const C_LWSP = [[12, 5], ...run(6, 4, 2), ...run(3, 2, 6)] as const;
const C_LDSP = [[12, 5], ...run(6, 5, 3), ...run(4, 2, 6)] as const;
const C_SWSP = [...run(12, 9, 2), ...run(8, 7, 6)] as const;
const C_SDSP = [...run(12, 10, 3), ...run(9, 7, 6)] as const;
const C_4SPN = [...run(12, 11, 4), ...run(10, 7, 6), [6, 2], [5, 3]] as const;
const C_16SP = [[12, 9], [6, 4], [5, 6], ...run(4, 3, 7), [2, 5]] as const;
const C_B = [[12, 8], ...run(11, 10, 3), ...run(6, 5, 6), ...run(4, 3, 1), [2, 5]] as const;
const C_J = [[12, 11], [11, 4], ...run(10, 9, 8), [8, 10], [7, 6], [6, 7], ...run(5, 3, 1), [2, 5]] as const;
const immC16 = (w: number): number => sext(scatter(w, C_16SP), 10);

/** Extra conditions beyond match/mask, as objdump's match functions check them. */
const CHECKS: Record<string, (w: number) => boolean> = {
  rd: (w) => bits(w, 11, 7) !== 0,
  /** c.mv / c.add: rd and rs2 nonzero (rs2 = 0 is c.jr / c.jalr). */
  cadd: (w) => bits(w, 11, 7) !== 0 && bits(w, 6, 2) !== 0,
  /** c.mv / c.add HINTs with rd = 0: rs2 still nonzero. */
  crs2: (w) => bits(w, 6, 2) !== 0,
  /** c.lui: rd not sp (that is c.addi16sp), nonzero immediate; `clui` also wants rd nonzero. */
  clui: (w) => bits(w, 11, 7) !== 0 && bits(w, 11, 7) !== 2 && immCI(w) !== 0,
  cluih: (w) => bits(w, 11, 7) !== 2 && immCI(w) !== 0,
  c4spn: (w) => scatter(w, C_4SPN) !== 0,
  /** c.slli / c.srli / c.srai: shamt 0 is the RV128 form, printed as c.slli64. */
  csh: (w) => (immCI(w) & 0x3f) !== 0,
  /** c.slli as sll: also rd nonzero (rd = 0 is a HINT, printed as c.slli). */
  cslli: (w) => (immCI(w) & 0x3f) !== 0 && bits(w, 11, 7) !== 0,
  /** fmv / fneg / fabs: rs1 = rs2. */
  eq: (w) => bits(w, 19, 15) === bits(w, 24, 20),
};

interface Row { readonly name: string; readonly args: string; readonly match: number; readonly mask: number; readonly check?: (w: number) => boolean }

// name, operands, match, mask, check. Operands: d s t = rd rs1 rs2, D S T R = frd frs1 frs2 frs3,
// j = I immediate, o(s) = I offset, q(s) = S offset, u = U immediate (hex), a p = J / B target,
// > < = 6 / 5-bit shift amount, m = rounding mode, P Q = fence sets, E = CSR, Z = rs1 as uimm,
// 0 = literal 0 when last. C operands: Cs Ct = rs1' rs2' (x8-x15), CU = rd, Cc = sp, CV = rs2,
// Co = CI immediate, Cu = c.lui immediate, C> = shift, Ck Cl Cm Cn CM CN = lw/ld/lwsp/ldsp/swsp/sdsp
// offsets, CK CL = addi4spn/addi16sp immediates, Cp Ca = CB / CJ targets, CD CT = frs2' frs2.
// The last column names a check (CHECKS), or `rm`: two rows, without and with a rounding mode.
// `@amo` and `@fp s|d` stand for the generated rows of the A extension and of F / D.
const TABLE = `
unimp      -           0000      ffff
unimp      -           c0001073  ffffffff
ebreak     -           9002      ffff
ebreak     -           00100073  ffffffff
ret        -           8082      ffff
ret        -           00008067  ffffffff
jr         d           8002      f07f      rd
jr         s           00000067  fff07fff
jr         o(s)        00000067  00007fff
jalr       d           9002      f07f      rd
jalr       s           000000e7  fff07fff
jalr       o(s)        000000e7  00007fff
jalr       d,s         00000067  fff0707f
jalr       d,o(s)      00000067  0000707f
j          Ca          a001      e003
j          a           0000006f  00000fff
jal        a           000000ef  00000fff
jal        d,a         0000006f  0000007f
nop        -           0001      ffff
nop        -           00000013  ffffffff
lui        d,Cu        6001      e003      clui
lui        d,u         00000037  0000007f
li         d,Co        4001      e003      rd
li         d,j         00000013  000ff07f
mv         d,CV        8002      f003      cadd
mv         d,s         00000013  fff0707f
and        Cs,Cs,Co    8801      ec03
and        Cs,Cs,Ct    8c61      fc63
and        d,s,t       00007033  fe00707f
zext.b     d,s         0ff07013  fff0707f
and        d,s,j       00007013  0000707f
beqz       Cs,Cp       c001      e003
beqz       s,p         00000063  01f0707f
beq        s,t,p       00000063  0000707f
blez       t,p         00005063  000ff07f
bgez       s,p         00005063  01f0707f
bge        s,t,p       00005063  0000707f
bgeu       s,t,p       00007063  0000707f
bltz       s,p         00004063  01f0707f
bgtz       t,p         00004063  000ff07f
blt        s,t,p       00004063  0000707f
bltu       s,t,p       00006063  0000707f
bnez       Cs,Cp       e001      e003
bnez       s,p         00001063  01f0707f
bne        s,t,p       00001063  0000707f
add        d,CU,CV     9002      f003      cadd
add        d,CU,Co     0001      e003      rd
add        Ct,Cc,CK    0000      e003      c4spn
add        Cc,Cc,CL    6101      ef83
add        d,s,t       00000033  fe00707f
add        d,s,j       00000013  0000707f
sll        d,CU,C>     0002      e003      cslli
sll        d,s,t       00001033  fe00707f
sll        d,s,>       00001013  fc00707f
srl        Cs,Cs,C>    8001      ec03      csh
srl        d,s,t       00005033  fe00707f
srl        d,s,>       00005013  fc00707f
sra        Cs,Cs,C>    8401      ec03      csh
sra        d,s,t       40005033  fe00707f
sra        d,s,>       40005013  fc00707f
neg        d,t         40000033  fe0ff07f
sub        Cs,Cs,Ct    8c01      fc63
sub        d,s,t       40000033  fe00707f
lb         d,o(s)      00000003  0000707f
lbu        d,o(s)      00004003  0000707f
lh         d,o(s)      00001003  0000707f
lhu        d,o(s)      00005003  0000707f
lw         Ct,Ck(Cs)   4000      e003
lw         d,Cm(Cc)    4002      e003      rd
lw         d,o(s)      00002003  0000707f
not        d,s         fff04013  fff0707f
or         Cs,Cs,Ct    8c41      fc63
or         d,s,t       00006033  fe00707f
or         d,s,j       00006013  0000707f
auipc      d,u         00000017  0000007f
seqz       d,s         00103013  fff0707f
snez       d,t         00003033  fe0ff07f
sltz       d,s         00002033  fff0707f
sgtz       d,t         00002033  fe0ff07f
slti       d,s,j       00002013  0000707f
slt        d,s,t       00002033  fe00707f
sltiu      d,s,j       00003013  0000707f
sltu       d,s,t       00003033  fe00707f
sb         t,q(s)      00000023  0000707f
sh         t,q(s)      00001023  0000707f
sw         Ct,Ck(Cs)   c000      e003
sw         CV,CM(Cc)   c002      e003
sw         t,q(s)      00002023  0000707f
fence      -           0ff0000f  ffffffff
fence      P,Q         0000000f  f00fffff
fence.i    -           0000100f  ffffffff
fence.tso  -           8330000f  ffffffff
rdcycle    d           c0002073  fffff07f
rdinstret  d           c0202073  fffff07f
rdtime     d           c0102073  fffff07f
ecall      -           00000073  ffffffff
xor        Cs,Cs,Ct    8c21      fc63
xor        d,s,t       00004033  fe00707f
xor        d,s,j       00004013  0000707f
lwu        d,o(s)      00006003  0000707f
ld         Ct,Cl(Cs)   6000      e003
ld         d,Cn(Cc)    6002      e003      rd
ld         d,o(s)      00003003  0000707f
sd         Ct,Cl(Cs)   e000      e003
sd         CV,CN(Cc)   e002      e003
sd         t,q(s)      00003023  0000707f
sext.w     d,CU        2001      f07f      rd
sext.w     d,s         0000001b  fff0707f
addw       d,CU,Co     2001      e003      rd
addw       Cs,Cs,Ct    9c21      fc63
addw       d,s,t       0000003b  fe00707f
addw       d,s,j       0000001b  0000707f
negw       d,t         4000003b  fe0ff07f
sllw       d,s,t       0000103b  fe00707f
sllw       d,s,<       0000101b  fe00707f
srlw       d,s,t       0000503b  fe00707f
srlw       d,s,<       0000501b  fe00707f
sraw       d,s,t       4000503b  fe00707f
sraw       d,s,<       4000501b  fe00707f
subw       Cs,Cs,Ct    9c01      fc63
subw       d,s,t       4000003b  fe00707f
mul        d,s,t       02000033  fe00707f
mulh       d,s,t       02001033  fe00707f
mulhsu     d,s,t       02002033  fe00707f
mulhu      d,s,t       02003033  fe00707f
div        d,s,t       02004033  fe00707f
divu       d,s,t       02005033  fe00707f
rem        d,s,t       02006033  fe00707f
remu       d,s,t       02007033  fe00707f
mulw       d,s,t       0200003b  fe00707f
divw       d,s,t       0200403b  fe00707f
divuw      d,s,t       0200503b  fe00707f
remw       d,s,t       0200603b  fe00707f
remuw      d,s,t       0200703b  fe00707f
@amo
frcsr      d           00302073  fffff07f
fscsr      s           00301073  fff07fff
fscsr      d,s         00301073  fff0707f
frrm       d           00202073  fffff07f
fsrm       s           00201073  fff07fff
fsrm       d,s         00201073  fff0707f
fsrmi      d,Z         00205073  fff0707f
frflags    d           00102073  fffff07f
fsflags    s           00101073  fff07fff
fsflags    d,s         00101073  fff0707f
fsflagsi   d,Z         00105073  fff0707f
flw        D,o(s)      00002007  0000707f
fsw        T,q(s)      00002027  0000707f
fmv.x.w    d,S         e0000053  fff0707f
fmv.w.x    D,s         f0000053  fff0707f
@fp s
fcvt.s.w   D,s         d0000053  fff0007f  rm
fcvt.s.wu  D,s         d0100053  fff0007f  rm
fcvt.l.s   d,S         c0200053  fff0007f  rm
fcvt.lu.s  d,S         c0300053  fff0007f  rm
fcvt.s.l   D,s         d0200053  fff0007f  rm
fcvt.s.lu  D,s         d0300053  fff0007f  rm
fld        CD,Cl(Cs)   2000      e003
fld        D,Cn(Cc)    2002      e003
fld        D,o(s)      00003007  0000707f
fsd        CD,Cl(Cs)   a000      e003
fsd        CT,CN(Cc)   a002      e003
fsd        T,q(s)      00003027  0000707f
@fp d
fcvt.d.w   D,s         d2000053  fff0707f
fcvt.d.wu  D,s         d2100053  fff0707f
fcvt.d.s   D,S         42000053  fff0707f
fcvt.s.d   D,S         40100053  fff0007f  rm
fcvt.l.d   d,S         c2200053  fff0007f  rm
fcvt.lu.d  d,S         c2300053  fff0007f  rm
fmv.x.d    d,S         e2000053  fff0707f
fcvt.d.l   D,s         d2200053  fff0007f  rm
fcvt.d.lu  D,s         d2300053  fff0007f  rm
fmv.d.x    D,s         f2000053  fff0707f
c.unimp    -           0000      ffff
c.nop      Co          0001      ef83
c.mv       d,CV        8002      f003      crs2
c.lui      d,Cu        6001      e003      cluih
c.li       d,Co        4001      e003
c.add      d,CV        9002      f003      crs2
c.slli     d,C>        0002      e003      csh
c.slli64   d           0002      f07f
c.srli64   Cs          8001      fc7f
c.srai64   Cs          8401      fc7f
csrr       d,E         00002073  000ff07f
csrw       E,s         00001073  00007fff
csrw       E,Z         00005073  00007fff
csrs       E,s         00002073  00007fff
csrs       E,Z         00006073  00007fff
csrc       E,s         00003073  00007fff
csrc       E,Z         00007073  00007fff
csrrw      d,E,s       00001073  0000707f
csrrw      d,E,Z       00005073  0000707f
csrrs      d,E,s       00002073  0000707f
csrrs      d,E,Z       00006073  0000707f
csrrc      d,E,s       00003073  0000707f
csrrc      d,E,Z       00007073  0000707f
uret       -           00200073  ffffffff
sret       -           10200073  ffffffff
hret       -           20200073  ffffffff
mret       -           30200073  ffffffff
dret       -           7b200073  ffffffff
sfence.vm  -           10400073  ffffffff
sfence.vm  s           10400073  fff07fff
sfence.vma -           12000073  ffffffff
sfence.vma s           12000073  fff07fff
sfence.vma s,t         12000073  fe007fff
wfi        -           10500073  ffffffff
`;

/**
 * An op with a rounding mode (`rm` in TABLE): a row without it for the dynamic mode, then one
 * with it; `mask` leaves the rm field out.
 */
function rmRows(name: string, args: string, match: number, mask: number): string[] {
  const h = (v: number): string => (v >>> 0).toString(16);
  return [`${name} ${args} ${h(match | 0x7000)} ${h(mask | 0x7000)}`, `${name} ${args},m ${h(match)} ${h(mask)}`];
}

/** The rows F and D share (`@fp s|d`), the format in bits 26:25: 00 single, 01 double. */
function fpRows(suffix: string): string[] {
  const fmt = suffix === "d" ? 0x02000000 : 0;
  const r: string[] = [];
  const row = (name: string, args: string, match: number, mask: number, check = ""): void => {
    r.push(`${name} ${args} ${(match >>> 0).toString(16)} ${(mask >>> 0).toString(16)} ${check}`);
  };
  const f = (op: string): string => `${op}.${suffix}`;
  for (const [op, m] of [["fmv", 0x20000053], ["fneg", 0x20001053], ["fabs", 0x20002053]] as const) row(f(op), "D,U", m | fmt, 0xfe00707f, "eq");
  for (const [op, m] of [["fsgnj", 0x20000053], ["fsgnjn", 0x20001053], ["fsgnjx", 0x20002053]] as const) row(f(op), "D,S,T", m | fmt, 0xfe00707f);
  const rm = (op: string, args: string, m: number, mask: number): void => { r.push(...rmRows(f(op), args, m | fmt, mask)); };
  for (const [op, m] of [["fadd", 0x00000053], ["fsub", 0x08000053], ["fmul", 0x10000053], ["fdiv", 0x18000053]] as const) rm(op, "D,S,T", m, 0xfe00007f);
  rm("fsqrt", "D,S", 0x58000053, 0xfff0007f);
  row(f("fmin"), "D,S,T", 0x28000053 | fmt, 0xfe00707f);
  row(f("fmax"), "D,S,T", 0x28001053 | fmt, 0xfe00707f);
  for (const [op, m] of [["fmadd", 0x43], ["fnmadd", 0x4f], ["fmsub", 0x47], ["fnmsub", 0x4b]] as const) rm(op, "D,S,T,R", m, 0x0600007f);
  rm("fcvt.w", "d,S", 0xc0000053, 0xfff0007f);
  rm("fcvt.wu", "d,S", 0xc0100053, 0xfff0007f);
  row(f("fclass"), "d,S", 0xe0001053 | fmt, 0xfff0707f);
  row(f("feq"), "d,S,T", 0xa0002053 | fmt, 0xfe00707f);
  row(f("flt"), "d,S,T", 0xa0001053 | fmt, 0xfe00707f);
  row(f("fle"), "d,S,T", 0xa0000053 | fmt, 0xfe00707f);
  return r;
}

/** The A extension: lr/sc/amo*, .w and .d, each with no, aq, rl and aqrl orderings. */
function amoRows(): string[] {
  const r: string[] = [];
  const ops = [["lr", 0x02, "d,0(s)"], ["sc", 0x03, "d,t,0(s)"], ["amoswap", 0x01], ["amoadd", 0x00], ["amoxor", 0x04],
    ["amoand", 0x0c], ["amoor", 0x08], ["amomin", 0x10], ["amomax", 0x14], ["amominu", 0x18], ["amomaxu", 0x1c]] as const;
  for (const [w, f3] of [["w", 2], ["d", 3]] as const) {
    for (const [op, f5, args = "d,t,0(s)"] of ops) {
      for (const [ord, aqrl] of [["", 0], [".aq", 2], [".rl", 1], [".aqrl", 3]] as const) {
        const match = ((f5 << 27) | (aqrl << 25) | (f3 << 12) | 0x2f) >>> 0;
        r.push(`${op}.${w}${ord} ${args} ${match.toString(16)} ${op === "lr" ? "fff0707f" : "fe00707f"}`);
      }
    }
  }
  return r;
}

const ROWS: readonly Row[] = TABLE.trim().split("\n").flatMap((line) => {
  const [name, args, match, mask, flag] = line.trim().split(/\s+/);
  if (name === "@amo") return amoRows();
  if (name === "@fp") return fpRows(args!);
  return flag === "rm" ? rmRows(name!, args!, parseInt(match!, 16), parseInt(mask!, 16)) : [line];
}).map((line) => {
  const [name, args, match, mask, check] = line.trim().split(/\s+/) as [string, string, string, string, string?];
  const fn = check ? CHECKS[check] : undefined;
  if (check && !fn) throw new Error(`disas: unknown check ${check}`);
  return { name, args: args === "-" ? "" : args, match: parseInt(match, 16), mask: parseInt(mask, 16), check: fn };
});

/** Rows by bucket (low 2 bits for a compressed word, low 7 for a 32-bit one), table order kept. */
const BUCKETS = new Map<number, Row[]>();
for (const row of ROWS) {
  const key = (row.match & 3) === 3 ? row.match & 0x7f : row.match & 3;
  let list = BUCKETS.get(key);
  if (!list) BUCKETS.set(key, list = []);
  list.push(row);
}

/** Length of an instruction from its first halfword (Unprivileged ISA 1.5, figure 1.1). */
export function insnLength(h: number): number {
  if ((h & 3) !== 3) return 2;
  if ((h & 0x1f) !== 0x1f) return 4;
  if ((h & 0x3f) === 0x1f) return 6;
  if ((h & 0x7f) === 0x3f) return 8;
  if ((h & 0x7000) !== 0x7000) return 10 + ((h >> 11) & 0xe);
  return 2; // 192 bits and longer: reserved; objdump steps over a halfword.
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const M64 = (1n << 64n) - 1n;

/**
 * Disassembles instruction after instruction. It keeps objdump's one piece of state: the value
 * an auipc/lui left in a register, so the addi, load, store or jalr that uses it next is
 * annotated with the address the pair forms ("# 0x80006430").
 */
export class Disassembler {
  private readonly hi: (bigint | undefined)[] = new Array(32).fill(undefined);

  constructor(private readonly read: ByteReader) {}

  /** The instruction at `addr`, or undefined when its bytes cannot be read. */
  next(addr: bigint): Insn | undefined {
    const first = this.read(addr, 2);
    if (first.length < 2) return undefined;
    const length = insnLength(first[0]! | (first[1]! << 8));
    const bytes = length === 2 ? first.slice(0, 2) : this.read(addr, length);
    if (bytes.length < length) return undefined;
    return this.decode(addr, bytes.slice(0, length));
  }

  /** Decodes `bytes`, one whole instruction (its length as insnLength says) at `addr`. */
  decode(addr: bigint, bytes: Uint8Array): Insn {
    const length = bytes.length;
    const chunk = length % 4 === 0 ? 4 : 2;
    const chunks: string[] = [];
    for (let i = 0; i < length; i += chunk) {
      let v = 0;
      for (let j = chunk - 1; j >= 0; j--) v = v * 256 + bytes[i + j]!;
      chunks.push(v.toString(16).padStart(chunk * 2, "0"));
    }
    const make = (mnemonic: string, operands: string, comment = ""): Insn => ({
      addr, length, bytes, hex: chunks.join(" "), mnemonic, operands, comment,
      text: [mnemonic, operands, comment].filter((s) => s !== "").join(" "),
    });
    if (length <= 4) {
      const w = (length === 2 ? bytes[0]! | (bytes[1]! << 8) : bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
      const key = length === 2 ? w & 3 : w & 0x7f;
      for (const row of BUCKETS.get(key) ?? []) {
        if (((w & row.mask) >>> 0) !== row.match || (row.check && !row.check(w))) continue;
        const note: { at?: bigint } = {};
        const operands = this.operands(row.args, w, addr, note);
        return make(row.name, operands, note.at === undefined ? "" : `# ${hex(note.at)}`);
      }
    }
    if (length === 2 || length === 4 || length === 8) {
      let v = 0n;
      for (let i = length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
      return make(`.${length}byte`, hex(v));
    }
    return make(".byte", Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, "0")}`).join(", "));
  }

  /**
   * objdump's address note: a pending auipc/lui value in `base` plus `offset`, consumed; or an
   * offset from zero or tp, which objdump prints as an absolute address.
   */
  private note(note: { at?: bigint }, base: number, offset: number, wide = false): void {
    const hi = this.hi[base];
    let at: bigint;
    if (hi !== undefined) {
      at = ((base !== 0 ? hi : 0n) + BigInt(offset)) & M64;
      this.hi[base] = undefined;
    } else if (base === 0 || base === 4) {
      at = BigInt(offset) & M64;
    } else return;
    note.at = wide ? BigInt.asUintN(64, BigInt.asIntN(32, at)) : at;
  }

  private operands(args: string, w: number, pc: bigint, note: { at?: bigint }): string {
    const rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20);
    const target = (off: number): string => hex((pc + BigInt(off)) & M64);
    const isAddi = (w & 0x707f) === 0x13, isJalr = (w & 0x707f) === 0x67, isAddiw = (w & 0x707f) === 0x1b;
    let out = "";
    for (let i = 0; i < args.length; i++) {
      const c = args[i]!;
      if (c === "C") {
        const k = args[++i]!;
        switch (k) {
          case "s": out += X[bits(w, 9, 7) + 8]; break;
          case "t": out += X[bits(w, 4, 2) + 8]; break;
          case "U": out += X[rd]; break;
          case "c": out += "sp"; break;
          case "V": out += X[bits(w, 6, 2)]; break;
          case "o": {
            const imm = immCI(w);
            if ((w & 0xe003) === 0x0001 && rd !== 0) this.note(note, rd, imm);
            if ((w & 0xe003) === 0x2001 && rd !== 0) this.note(note, rd, imm, true);
            out += imm;
            break;
          }
          case "k": out += scatter(w, C_LW); break;
          case "l": out += scatter(w, C_LD); break;
          case "m": out += scatter(w, C_LWSP); break;
          case "n": out += scatter(w, C_LDSP); break;
          case "K": out += scatter(w, C_4SPN); break;
          case "L": out += immC16(w); break;
          case "M": out += scatter(w, C_SWSP); break;
          case "N": out += scatter(w, C_SDSP); break;
          case "p": out += target(sext(scatter(w, C_B), 9)); break;
          case "a": out += target(sext(scatter(w, C_J), 12)); break;
          case "u": out += hex(immCI(w) & 0xfffff); break;
          case ">": out += hex(immCI(w) & 0x3f); break;
          case "T": out += F[bits(w, 6, 2)]; break;
          case "D": out += F[bits(w, 4, 2) + 8]; break;
          default: throw new Error(`disas: operand C${k}`);
        }
        continue;
      }
      switch (c) {
        case ",": case "(": case ")": out += c; break;
        case "0": if (i === args.length - 1) out += "0"; break;
        case "d":
          if ((w & 0x7f) === 0x17) this.hi[rd] = (pc + BigInt((w & 0xfffff000) | 0)) & M64;
          else if ((w & 0x7f) === 0x37) this.hi[rd] = BigInt((w & 0xfffff000) | 0) & M64;
          else if ((w & 0xe003) === 0x6001) this.hi[rd] = BigInt(immCI(w) * 4096) & M64;
          out += X[rd];
          break;
        case "s":
          if (isJalr) this.note(note, rs1, immI(w));
          out += X[rs1];
          break;
        case "t": out += X[rs2]; break;
        case "u": out += hex(w >>> 12); break;
        case "m": out += RM[bits(w, 14, 12)]; break;
        case "P": out += IORW[bits(w, 27, 24)]; break;
        case "Q": out += IORW[bits(w, 23, 20)]; break;
        case "o": case "j":
          // An offset is annotated whatever its instruction; an immediate of addi, addiw, jalr.
          if (c === "o") this.note(note, rs1, immI(w));
          if ((isAddi && rs1 !== 0) || isJalr) this.note(note, rs1, immI(w));
          if (isAddiw && rs1 !== 0) this.note(note, rs1, immI(w), true);
          out += immI(w);
          break;
        case "q":
          this.note(note, rs1, immS(w));
          out += immS(w);
          break;
        case "a": out += target(immJ(w)); break;
        case "p": out += target(immB(w)); break;
        case ">": out += hex(bits(w, 25, 20)); break;
        case "<": out += hex(bits(w, 24, 20)); break;
        case "S": case "U": out += F[rs1]; break;
        case "T": out += F[rs2]; break;
        case "D": out += F[rd]; break;
        case "R": out += F[bits(w, 31, 27)]; break;
        case "E": { const n = w >>> 20; out += CSR.get(n) ?? hex(n); break; }
        case "Z": out += rs1; break;
        default: throw new Error(`disas: operand ${c}`);
      }
    }
    return out;
  }
}

/** Up to `count` instructions from `addr`, stopping early where memory cannot be read. */
export function disassemble(read: ByteReader, addr: bigint, count: number): Insn[] {
  const d = new Disassembler(read);
  const out: Insn[] = [];
  for (let i = 0; i < count; i++) {
    const insn = d.next(addr);
    if (!insn) break;
    out.push(insn);
    addr = (addr + BigInt(insn.length)) & M64;
  }
  return out;
}

/** One listing line: address, raw bytes, instruction; as objdump lays it out, without tabs. */
export function formatInsn(i: Pick<Insn, "addr" | "hex" | "mnemonic" | "operands" | "comment">): string {
  const ops = [i.operands, i.comment].filter((s) => s !== "").join(" ");
  return `${i.addr.toString(16).padStart(16, "0")}:  ${i.hex.padEnd(20)}${ops ? i.mnemonic.padEnd(10) + ops : i.mnemonic}`;
}
