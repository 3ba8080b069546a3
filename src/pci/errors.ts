// The one error type of src/pci: a machine configuration the PCI bus cannot hold. Guest
// config accesses never throw (absent functions read all-ones, read-only bits ignore writes).

export type PciErrorInfo =
  | { kind: "BusFull"; label: string; slots: number };

function describe(e: PciErrorInfo): string {
  switch (e.kind) {
    case "BusFull":
      return `no PCI slot left for ${e.label}: bus 0 holds ${e.slots} devices; use fewer devices or put some on virtio-mmio (if=virtio-mmio)`;
  }
}

/** Error thrown by src/pci: `info.kind` for code, `message` for people. */
export class PciError extends Error {
  override readonly name = "PciError";
  constructor(readonly info: PciErrorInfo) {
    super(describe(info));
  }
}
