// The hot loop: fetch, decode, execute for the running hart (unprivileged spec v20191213,
// RV64IMAFDC + Zicsr + Zifencei). One function, one loop, one switch on the major opcode.
// Loads and stores hit the software TLB inline; misses, MMIO and page crossings take the
// slow paths in mmu.ts. Interrupts are checked between turns (run.ts), so anything that
// may change them (CSR writes, xRET, WFI, ECALL to the host, MMIO stores) ends the turn.
import { ACTIVE, F, PC, PRIV, MSTATUS, MIE, RES_ADDR, RES_VAL, WAITING, SBIMODE,
  TLB_R, TLB_W, TLB_X, TLB_INVALID, CTABLE } from "./layout";
import {
  H, st, setSt, trapped, setTrapped, raiseException, xret, csrRead, csrWrite, csrRmwBase, csrIllegal, flushTlb,
  pendingMip, fpuDirty, curHart, setSliceExecuted, exitRequested,
  PRV_U, PRV_S, MSTATUS_TW, MSTATUS_TVM,
  CAUSE_ILLEGAL, CAUSE_BREAKPOINT, CAUSE_ECALL_U,
} from "./state";
import { loadSlow, storeSlow, fetchHost, atomicHost, ACC_READ, ACC_WRITE } from "./mmu";
import { expandC } from "./rvc";
import { execFp, execFma, fpLoadStoreAllowed } from "./fpops";

@external("env", "ecall") declare function hostEcall(hart: i32): i32;

@inline function rx(r: u32): u64 { return load<u64>(ACTIVE + (r << 3)); }
@inline function wx(r: u32, v: u64): void { if (r != 0) store<u64>(ACTIVE + (r << 3), v); }
@inline function sx32(v: u64): u64 { return <u64><i64><i32>v; }

function mulhu(a: u64, b: u64): u64 {
  const a0 = a & 0xffff_ffff, a1 = a >> 32, b0 = b & 0xffff_ffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** M extension on 64-bit operands (funct3 selects). */
function mulDiv(f3: u32, a: u64, b: u64): u64 {
  switch (f3) {
    case 0: return a * b;
    case 1: return mulhu(a, b) - (<i64>a < 0 ? b : 0) - (<i64>b < 0 ? a : 0);
    case 2: return mulhu(a, b) - (<i64>a < 0 ? b : 0);
    case 3: return mulhu(a, b);
    case 4:
      if (b == 0) return 0xffff_ffff_ffff_ffff;
      if (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) return a;
      return <u64>(<i64>a / <i64>b);
    case 5: return b == 0 ? 0xffff_ffff_ffff_ffff : a / b;
    case 6:
      if (b == 0) return a;
      if (a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff) return 0;
      return <u64>(<i64>a % <i64>b);
    default: return b == 0 ? a : a % b;
  }
}

/** M extension, W forms: 32-bit operands, sign-extended result. Returns 1 for an illegal funct3. */
function mulDivW(f3: u32, a64: u64, b64: u64): u64 {
  const a = <i32>a64, b = <i32>b64;
  switch (f3) {
    case 0: return sx32(<u64>(a * b));
    case 4:
      if (b == 0) return 0xffff_ffff_ffff_ffff;
      if (a == i32.MIN_VALUE && b == -1) return sx32(<u64>a);
      return sx32(<u64>(a / b));
    case 5: return b == 0 ? 0xffff_ffff_ffff_ffff : sx32(<u64>(<u32>a / <u32>b));
    case 6:
      if (b == 0) return sx32(<u64>a);
      if (a == i32.MIN_VALUE && b == -1) return 0;
      return sx32(<u64>(a % b));
    default: return b == 0 ? sx32(<u64>a) : sx32(<u64>(<u32>a % <u32>b));
  }
}

/** A/AMO (chapter 8). Returns false for an illegal encoding; faults raise and set `trapped`. */
function execAmo(insn: u32, rd: u32, rs1: u32, rs2: u32, f3: u32): bool {
  if (f3 != 2 && f3 != 3) return false;
  const isD = f3 == 3;
  const size: i32 = isD ? 8 : 4;
  const f5 = insn >> 27;
  const va = rx(rs1);
  if (f5 == 2) { // LR
    if (rs2 != 0) return false;
    const host = atomicHost(va, size, ACC_READ);
    if (trapped) return true;
    const v = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
    setSt(RES_ADDR, va); setSt(RES_VAL, v);
    wx(rd, v);
    return true;
  }
  if (f5 == 3) { // SC: succeeds only if the reserved word still holds what LR saw
    const src = rx(rs2);
    if (st(RES_ADDR) != va) { setSt(RES_ADDR, TLB_INVALID); wx(rd, 1); return true; }
    setSt(RES_ADDR, TLB_INVALID);
    const host = atomicHost(va, size, ACC_WRITE);
    if (trapped) return true;
    const cur = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
    if (cur != st(RES_VAL)) { wx(rd, 1); return true; }
    if (isD) store<u64>(host, src); else store<u32>(host, <u32>src);
    wx(rd, 0);
    return true;
  }
  const src = rx(rs2);
  const host = atomicHost(va, size, ACC_WRITE);
  if (trapped) return true;
  const old = isD ? load<u64>(host) : <u64><i64>load<i32>(host);
  let v: u64;
  switch (f5) {
    case 0x01: v = src; break;
    case 0x00: v = old + src; break;
    case 0x04: v = old ^ src; break;
    case 0x0c: v = old & src; break;
    case 0x08: v = old | src; break;
    case 0x10: v = isD ? (<i64>old < <i64>src ? old : src) : (<i32>old < <i32>src ? old : src); break;
    case 0x14: v = isD ? (<i64>old > <i64>src ? old : src) : (<i32>old > <i32>src ? old : src); break;
    case 0x18: v = isD ? (old < src ? old : src) : (<u32>old < <u32>src ? old : src); break;
    case 0x1c: v = isD ? (old > src ? old : src) : (<u32>old > <u32>src ? old : src); break;
    default: return false;
  }
  if (isD) store<u64>(host, v); else store<u32>(host, <u32>v);
  wx(rd, old);
  return true;
}

/** Take exception `cause` at `pc`; returns the handler's pc. */
function exc(pc: u64, cause: u64, tval: u64): u64 {
  setSt(PC, pc);
  raiseException(cause, tval);
  setTrapped(false);
  return st(PC);
}

/** Run the current hart for at most `budget` instructions; returns how many it executed. */
export function exec(budget: i32): i32 {
  let pc = st(PC);
  let n = budget;
  let codeVpn: u64 = TLB_INVALID;
  let codeAdd: u64 = 0;
  const tlbR = H + TLB_R;
  const tlbW = H + TLB_W;
  const tlbX = H + TLB_X;
  while (n > 0) {
    n--;
    // ---- fetch ----
    const vpn = pc >> 12;
    if (vpn != codeVpn) {
      const e = tlbX + ((<u32>vpn & 255) << 4);
      if (load<u64>(e) == vpn) {
        codeAdd = load<u64>(e, 8);
      } else {
        setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
        const host = fetchHost(pc);
        if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
        codeAdd = <u64>host - pc;
      }
      codeVpn = vpn;
    }
    let insn: u32;
    let ilen: u64 = 4;
    const raw16 = <u32>load<u16>(<u32>(pc + codeAdd));
    if ((raw16 & 3) != 3) {
      ilen = 2;
      insn = load<u32>(CTABLE + (raw16 << 2));
      if (insn <= 1) {
        if (insn == 0) { insn = expandC(raw16); store<u32>(CTABLE + (raw16 << 2), insn == 0 ? 1 : insn); }
        if (insn <= 1) { pc = exc(pc, CAUSE_ILLEGAL, <u64>raw16); codeVpn = TLB_INVALID; continue; }
      }
    } else if ((<u32>pc & 0xfff) != 0xffe) {
      insn = load<u32>(<u32>(pc + codeAdd));
    } else {
      // A 32-bit instruction straddling two pages.
      setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
      const hi = fetchHost(pc + 2);
      if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
      insn = raw16 | (<u32>load<u16>(hi) << 16);
      codeVpn = TLB_INVALID;
    }
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const f3 = (insn >> 12) & 7;
    const rawInsn: u64 = ilen == 2 ? <u64>raw16 : <u64>insn;
    switch ((insn >> 2) & 31) {
      case 0x00: { // LOAD
        const va = rx(rs1) + <u64>(<i64>(<i32>insn >> 20));
        const size: i32 = 1 << (f3 & 3);
        const e = tlbR + ((<u32>(va >> 12) & 255) << 4);
        let v: u64;
        if (load<u64>(e) == va >> 12 && (<i32>va & 0xfff) <= 0x1000 - size) {
          const a = <u32>(va + load<u64>(e, 8));
          switch (f3) {
            case 0: v = <u64><i64>load<i8>(a); break;
            case 1: v = <u64><i64>load<i16>(a); break;
            case 2: v = <u64><i64>load<i32>(a); break;
            case 3: v = load<u64>(a); break;
            case 4: v = <u64>load<u8>(a); break;
            case 5: v = <u64>load<u16>(a); break;
            case 6: v = <u64>load<u32>(a); break;
            default: pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue;
          }
        } else {
          if (f3 == 7) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
          setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
          v = loadSlow(va, size);
          if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
          if (f3 == 0) v = <u64><i64><i8>v;
          else if (f3 == 1) v = <u64><i64><i16>v;
          else if (f3 == 2) v = <u64><i64><i32>v;
        }
        wx(rd, v);
        break;
      }
      case 0x08: { // STORE
        const va = rx(rs1) + <u64>(<i64>((<i32>(insn & 0xfe00_0000) >> 20) | <i32>((insn >> 7) & 0x1f)));
        const v = rx(rs2);
        if (f3 > 3) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        const size: i32 = 1 << f3;
        const e = tlbW + ((<u32>(va >> 12) & 255) << 4);
        if (load<u64>(e) == va >> 12 && (<i32>va & 0xfff) <= 0x1000 - size) {
          const a = <u32>(va + load<u64>(e, 8));
          switch (f3) {
            case 0: store<u8>(a, <u8>v); break;
            case 1: store<u16>(a, <u16>v); break;
            case 2: store<u32>(a, <u32>v); break;
            default: store<u64>(a, v);
          }
        } else {
          setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
          storeSlow(va, size, v);
          if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
          // An MMIO store may raise an interrupt or stop the machine: end the turn.
          if (exitRequested || pendingMip() != 0) { budget -= n; n = 0; }
        }
        break;
      }
      case 0x04: { // OP-IMM
        const a = rx(rs1);
        const imm = <u64>(<i64>(<i32>insn >> 20));
        let v: u64;
        switch (f3) {
          case 0: v = a + imm; break;
          case 1:
            if ((insn >> 26) != 0) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
            v = a << (imm & 63); break;
          case 2: v = <i64>a < <i64>imm ? 1 : 0; break;
          case 3: v = a < imm ? 1 : 0; break;
          case 4: v = a ^ imm; break;
          case 5: {
            const top = insn >> 26;
            if (top == 0) v = a >> (imm & 63);
            else if (top == 0x10) v = <u64>(<i64>a >> <i64>(imm & 63));
            else { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
            break;
          }
          case 6: v = a | imm; break;
          default: v = a & imm;
        }
        wx(rd, v);
        break;
      }
      case 0x0c: { // OP
        const a = rx(rs1), b = rx(rs2);
        const f7 = insn >> 25;
        let v: u64;
        if (f7 == 0) {
          switch (f3) {
            case 0: v = a + b; break;
            case 1: v = a << (b & 63); break;
            case 2: v = <i64>a < <i64>b ? 1 : 0; break;
            case 3: v = a < b ? 1 : 0; break;
            case 4: v = a ^ b; break;
            case 5: v = a >> (b & 63); break;
            case 6: v = a | b; break;
            default: v = a & b;
          }
        } else if (f7 == 1) {
          v = mulDiv(f3, a, b);
        } else if (f7 == 0x20 && f3 == 0) {
          v = a - b;
        } else if (f7 == 0x20 && f3 == 5) {
          v = <u64>(<i64>a >> <i64>(b & 63));
        } else { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        wx(rd, v);
        break;
      }
      case 0x05: wx(rd, pc + <u64><i64><i32>(insn & 0xffff_f000)); break; // AUIPC
      case 0x0d: wx(rd, <u64><i64><i32>(insn & 0xffff_f000)); break; // LUI
      case 0x06: { // OP-IMM-32
        const a = <u32>rx(rs1);
        const imm = <u32>(<i32>insn >> 20);
        let v: u32;
        if (f3 == 0) v = a + imm;
        else if (f3 == 1 && (insn >> 25) == 0) v = a << (imm & 31);
        else if (f3 == 5 && (insn >> 25) == 0) v = a >> (imm & 31);
        else if (f3 == 5 && (insn >> 25) == 0x20) v = <u32>(<i32>a >> (imm & 31));
        else { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        wx(rd, sx32(v));
        break;
      }
      case 0x0e: { // OP-32
        const a = rx(rs1), b = rx(rs2);
        const f7 = insn >> 25;
        let v: u64;
        if (f7 == 1 && f3 != 1 && f3 != 2 && f3 != 3) v = mulDivW(f3, a, b);
        else if (f7 == 0 && f3 == 0) v = sx32(a + b);
        else if (f7 == 0x20 && f3 == 0) v = sx32(a - b);
        else if (f7 == 0 && f3 == 1) v = sx32(<u64>(<u32>a << (<u32>b & 31)));
        else if (f7 == 0 && f3 == 5) v = sx32(<u64>(<u32>a >> (<u32>b & 31)));
        else if (f7 == 0x20 && f3 == 5) v = sx32(<u64>(<i32>a >> (<u32>b & 31)));
        else { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        wx(rd, v);
        break;
      }
      case 0x18: { // BRANCH
        const a = rx(rs1), b = rx(rs2);
        let taken: bool;
        switch (f3) {
          case 0: taken = a == b; break;
          case 1: taken = a != b; break;
          case 4: taken = <i64>a < <i64>b; break;
          case 5: taken = <i64>a >= <i64>b; break;
          case 6: taken = a < b; break;
          case 7: taken = a >= b; break;
          default: pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue;
        }
        if (taken) {
          const imm = (<i32>(insn & 0x8000_0000) >> 19) | <i32>((insn & 0x80) << 4) | <i32>((insn >> 20) & 0x7e0) | <i32>((insn >> 7) & 0x1e);
          pc += <u64><i64>imm;
          continue;
        }
        break;
      }
      case 0x1b: { // JAL
        const imm = (<i32>(insn & 0x8000_0000) >> 11) | <i32>(insn & 0xff000) | <i32>((insn >> 9) & 0x800) | <i32>((insn >> 20) & 0x7fe);
        wx(rd, pc + ilen);
        pc += <u64><i64>imm;
        continue;
      }
      case 0x19: { // JALR
        if (f3 != 0) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        const target = (rx(rs1) + <u64>(<i64>(<i32>insn >> 20))) & ~<u64>1;
        wx(rd, pc + ilen);
        pc = target;
        continue;
      }
      case 0x03: // MISC-MEM: fence, fence.i (no decoded-instruction cache to invalidate yet)
        if (f3 > 1) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        break;
      case 0x0b: { // AMO
        setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
        if (!execAmo(insn, rd, rs1, rs2, f3)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
        break;
      }
      case 0x1c: { // SYSTEM
        setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
        const priv = st(PRIV);
        if (f3 == 0) {
          if (insn == 0x0000_0073) { // ECALL
            if (priv == PRV_S && load<u32>(ACTIVE + SBIMODE) != 0 && hostEcall(curHart) != 0) {
              budget -= n; n = 0; codeVpn = TLB_INVALID; break; // pc advances below
            }
            pc = exc(pc, CAUSE_ECALL_U + priv, 0); codeVpn = TLB_INVALID; continue;
          }
          if (insn == 0x0010_0073) { pc = exc(pc, CAUSE_BREAKPOINT, pc); codeVpn = TLB_INVALID; continue; }
          if (insn == 0x3020_0073 || insn == 0x1020_0073) { // MRET, SRET
            if (!xret(insn == 0x3020_0073)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
            pc = st(PC); codeVpn = TLB_INVALID; budget -= n; n = 0; continue;
          }
          if (insn == 0x1050_0073) { // WFI
            if (priv == PRV_U || (priv == PRV_S && (st(MSTATUS) & MSTATUS_TW) != 0)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
            pc += 4;
            if ((pendingMip() & st(MIE)) == 0) store<u32>(ACTIVE + WAITING, 1);
            budget -= n; n = 0; continue;
          }
          if ((insn >> 25) == 0x09 && rd == 0) { // SFENCE.VMA
            if (priv == PRV_U || (priv == PRV_S && (st(MSTATUS) & MSTATUS_TVM) != 0)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
            flushTlb(); codeVpn = TLB_INVALID;
            break;
          }
          pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue;
        }
        if (f3 == 4) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        // Zicsr
        const csr = insn >> 20;
        const src: u64 = (f3 & 4) != 0 ? <u64>rs1 : rx(rs1);
        const op = f3 & 3;
        const old = csrRead(csr);
        if (csrIllegal) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        if (op == 1 || rs1 != 0) {
          const base = csrRmwBase(csr, old);
          csrWrite(csr, op == 1 ? src : op == 2 ? base | src : base & ~src);
          if (csrIllegal) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
          codeVpn = TLB_INVALID; budget -= n; n = 0;
        }
        wx(rd, old);
        break;
      }
      case 0x01: case 0x09: { // LOAD-FP, STORE-FP
        if (!fpLoadStoreAllowed(f3)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        const isStore = ((insn >> 2) & 31) == 0x09;
        const imm: i32 = isStore ? (<i32>(insn & 0xfe00_0000) >> 20) | <i32>((insn >> 7) & 0x1f) : <i32>insn >> 20;
        const va = rx(rs1) + <u64><i64>imm;
        const size: i32 = f3 == 3 ? 8 : 4;
        setSt(PC, pc); setSliceExecuted(<u64>(budget - n));
        if (isStore) {
          const fv = load<u64>(ACTIVE + F + (rs2 << 3));
          const e = tlbW + ((<u32>(va >> 12) & 255) << 4);
          if (load<u64>(e) == va >> 12 && (<i32>va & 0xfff) <= 0x1000 - size) {
            const a = <u32>(va + load<u64>(e, 8));
            if (size == 8) store<u64>(a, fv); else store<u32>(a, <u32>fv);
          } else {
            storeSlow(va, size, fv);
            if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
          }
        } else {
          let v: u64;
          const e = tlbR + ((<u32>(va >> 12) & 255) << 4);
          if (load<u64>(e) == va >> 12 && (<i32>va & 0xfff) <= 0x1000 - size) {
            const a = <u32>(va + load<u64>(e, 8));
            v = size == 8 ? load<u64>(a) : <u64>load<u32>(a);
          } else {
            v = loadSlow(va, size);
            if (trapped) { setTrapped(false); pc = st(PC); codeVpn = TLB_INVALID; continue; }
          }
          store<u64>(ACTIVE + F + (rd << 3), size == 8 ? v : v | 0xffff_ffff_0000_0000);
          fpuDirty();
        }
        break;
      }
      case 0x14: // OP-FP
        if (!execFp(insn, rd, rs1, rs2, f3)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        break;
      case 0x10: case 0x11: case 0x12: case 0x13: // FMADD, FMSUB, FNMSUB, FNMADD
        if (!execFma(insn, rd, rs1, rs2, f3)) { pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue; }
        break;
      default:
        pc = exc(pc, CAUSE_ILLEGAL, rawInsn); codeVpn = TLB_INVALID; continue;
    }
    pc += ilen;
  }
  setSt(PC, pc);
  return budget - n;
}

