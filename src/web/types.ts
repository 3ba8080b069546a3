// The API's answers as the page reads them: the fields it uses of VmInfo and VmStats
// (src/rootos/supervisor/types.ts), the board view (src/rootos/commands/board.ts) and an
// event-log entry (src/rootos/supervisor/event-log.ts). Written out here rather than
// imported, so that the page's type check does not take in the RootOS's Node modules.

export interface VmInfo {
  readonly name: string;
  readonly os: string;
  readonly criticality: string;
  readonly state: string;
  readonly since: string;
  readonly cores: readonly number[];
  readonly ramBytes: number;
  readonly timing: string;
  readonly bootMode: string;
  readonly throttle: { readonly kind: "mips"; readonly mips: number } | { readonly kind: "share"; readonly percent: number } | null;
  readonly starts: number;
  readonly boots: number;
  readonly devices: readonly string[];
  readonly lastExit: string | null;
  readonly verifiedBoot: { readonly bundle: string; readonly version: number; readonly key: string } | null;
  readonly measurements: { readonly value: string; readonly entries: readonly { readonly stage: string; readonly name: string; readonly digest: string }[] } | null;
}

export interface DeviceStats {
  readonly label: string;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export interface VmStats {
  readonly vm: string;
  readonly state: string;
  readonly instructions: number;
  readonly mips: number;
  readonly interrupts: number;
  readonly devices: readonly DeviceStats[];
  readonly [k: string]: unknown;
}

export type Owner = { readonly vm: string } | { readonly rootos: string } | null;

export interface BoardView {
  readonly name: string;
  readonly cores: readonly (string | null)[];
  readonly memory: { readonly base: string; readonly size: number };
  readonly regions: readonly { readonly base: string; readonly size: number; readonly vm: string | null }[];
  readonly devices: readonly { readonly kind: string; readonly name: string; readonly detail: string; readonly owners: readonly Owner[] }[];
  readonly networks: readonly { readonly name: string; readonly vms: readonly string[]; readonly uplink: string | null }[];
}

export interface LogEntry {
  readonly seq: number;
  readonly time: string;
  readonly kind: string;
  readonly vm?: string;
  readonly message: string;
}

export interface SlotsInfo {
  readonly active: string | null;
  readonly committed: number | null;
  readonly upgrading: { readonly phase: string; readonly version: number; readonly slot: string } | null;
  readonly slots: readonly { readonly slot: string; readonly state: string; readonly version: number | null; readonly key: string | null; readonly why: string | null }[];
}
