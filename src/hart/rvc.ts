// RVC: expansion of 16-bit instructions into their 32-bit equivalents (unprivileged spec
// v20191213, chapter 16, tables 16.5-16.7). Returns 0 for an illegal or reserved encoding.

@inline function I(imm: u32, rs1: u32, f3: u32, rd: u32, op: u32): u32 {
  return ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
@inline function S(imm: u32, rs2: u32, rs1: u32, f3: u32, op: u32): u32 {
  return ((imm & 0xfe0) << 20) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op;
}
@inline function B(imm: u32, rs1: u32, f3: u32): u32 {
  return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
}
@inline function J(imm: u32, rd: u32): u32 {
  return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
@inline function R(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32): u32 {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
@inline function sext(v: u32, bits: u32): u32 { return <u32>((<i32>(v << (32 - bits))) >> (32 - bits)); }

export function expandC(c: u32): u32 {
  const rdp = ((c >> 2) & 7) + 8;
  const rs1p = ((c >> 7) & 7) + 8;
  const rd = (c >> 7) & 31;
  const rs2 = (c >> 2) & 31;
  const imm6 = sext(((c >> 7) & 0x20) | ((c >> 2) & 0x1f), 6);
  const uimmD = ((c >> 7) & 0x38) | ((c << 1) & 0xc0); // c.ld/c.sd/c.fld/c.fsd
  const uimmW = ((c >> 7) & 0x38) | ((c >> 4) & 4) | ((c << 1) & 0x40); // c.lw/c.sw
  switch (((c >> 13) << 2) | (c & 3)) {
    // Quadrant 0
    case 0b000_00: {
      const imm = ((c >> 7) & 0x30) | ((c >> 1) & 0x3c0) | ((c >> 4) & 4) | ((c >> 2) & 8);
      return imm == 0 ? 0 : I(imm, 2, 0, rdp, 0x13); // c.addi4spn
    }
    case 0b001_00: return I(uimmD, rs1p, 3, rdp, 0x07); // c.fld
    case 0b010_00: return I(uimmW, rs1p, 2, rdp, 0x03); // c.lw
    case 0b011_00: return I(uimmD, rs1p, 3, rdp, 0x03); // c.ld
    case 0b101_00: return S(uimmD, rdp, rs1p, 3, 0x27); // c.fsd
    case 0b110_00: return S(uimmW, rdp, rs1p, 2, 0x23); // c.sw
    case 0b111_00: return S(uimmD, rdp, rs1p, 3, 0x23); // c.sd
    // Quadrant 1
    case 0b000_01: return I(imm6, rd, 0, rd, 0x13); // c.addi, c.nop
    case 0b001_01: return rd == 0 ? 0 : I(imm6, rd, 0, rd, 0x1b); // c.addiw
    case 0b010_01: return I(imm6, 0, 0, rd, 0x13); // c.li
    case 0b011_01: {
      if (rd == 2) { // c.addi16sp
        const imm = sext(((c >> 3) & 0x200) | ((c >> 2) & 0x10) | ((c << 1) & 0x40) | ((c << 4) & 0x180) | ((c << 3) & 0x20), 10);
        return imm == 0 ? 0 : I(imm, 2, 0, 2, 0x13);
      }
      return imm6 == 0 ? 0 : ((imm6 << 12) & 0xffff_f000) | (rd << 7) | 0x37; // c.lui
    }
    case 0b100_01: {
      const shamt = ((c >> 7) & 0x20) | ((c >> 2) & 0x1f);
      switch ((c >> 10) & 3) {
        case 0: return I(shamt, rs1p, 5, rs1p, 0x13); // c.srli
        case 1: return I(shamt | 0x400, rs1p, 5, rs1p, 0x13); // c.srai
        case 2: return I(imm6, rs1p, 7, rs1p, 0x13); // c.andi
        default: {
          const f = (c >> 5) & 3;
          if ((c & 0x1000) == 0) {
            if (f == 0) return R(0x20, rdp, rs1p, 0, rs1p, 0x33); // c.sub
            return R(0, rdp, rs1p, f == 1 ? 4 : f == 2 ? 6 : 7, rs1p, 0x33); // c.xor/or/and
          }
          if (f == 0) return R(0x20, rdp, rs1p, 0, rs1p, 0x3b); // c.subw
          if (f == 1) return R(0, rdp, rs1p, 0, rs1p, 0x3b); // c.addw
          return 0;
        }
      }
    }
    case 0b101_01: { // c.j
      const imm = sext(((c >> 1) & 0x800) | ((c >> 7) & 0x10) | ((c >> 1) & 0x300) | ((c << 2) & 0x400) |
        ((c >> 1) & 0x40) | ((c << 1) & 0x80) | ((c >> 2) & 0xe) | ((c << 3) & 0x20), 12);
      return J(imm, 0);
    }
    case 0b110_01: case 0b111_01: { // c.beqz, c.bnez
      const imm = sext(((c >> 4) & 0x100) | ((c >> 7) & 0x18) | ((c << 1) & 0xc0) | ((c >> 2) & 6) | ((c << 3) & 0x20), 9);
      return B(imm, rs1p, (c >> 13) & 1);
    }
    // Quadrant 2
    case 0b000_10: return I(((c >> 7) & 0x20) | ((c >> 2) & 0x1f), rd, 1, rd, 0x13); // c.slli
    case 0b001_10: return I(((c >> 7) & 0x20) | ((c >> 2) & 0x18) | ((c << 4) & 0x1c0), 2, 3, rd, 0x07); // c.fldsp
    case 0b010_10: // c.lwsp
      return rd == 0 ? 0 : I(((c >> 7) & 0x20) | ((c >> 2) & 0x1c) | ((c << 4) & 0xc0), 2, 2, rd, 0x03);
    case 0b011_10: // c.ldsp
      return rd == 0 ? 0 : I(((c >> 7) & 0x20) | ((c >> 2) & 0x18) | ((c << 4) & 0x1c0), 2, 3, rd, 0x03);
    case 0b100_10: {
      if ((c & 0x1000) == 0) {
        if (rs2 == 0) return rd == 0 ? 0 : I(0, rd, 0, 0, 0x67); // c.jr
        return R(0, rs2, 0, 0, rd, 0x33); // c.mv
      }
      if (rs2 == 0) return rd == 0 ? 0x0010_0073 : I(0, rd, 0, 1, 0x67); // c.ebreak, c.jalr
      return R(0, rs2, rd, 0, rd, 0x33); // c.add
    }
    case 0b101_10: return S(((c >> 7) & 0x38) | ((c >> 1) & 0x1c0), rs2, 2, 3, 0x27); // c.fsdsp
    case 0b110_10: return S(((c >> 7) & 0x3c) | ((c >> 1) & 0xc0), rs2, 2, 2, 0x23); // c.swsp
    case 0b111_10: return S(((c >> 7) & 0x38) | ((c >> 1) & 0x1c0), rs2, 2, 3, 0x23); // c.sdsp
  }
  return 0;
}
