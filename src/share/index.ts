// Host file shares: a directory served to a guest over virtio-9p. local.ts is the
// directory's side (the jail); openShare() is what a device factory (`bulkhead run
// --virtfs`, a VM's `- virtio: share`) calls to put one on a machine.
import { Virtio9p } from "../virtio/9p/index.js";
import type { VirtioDeviceConfig } from "../virtio/device.js";
import { LocalShare } from "./local.js";

export { LocalShare, ShareError } from "./local.js";

export interface ShareSpec {
  /** The host directory. */
  readonly path: string;
  readonly tag: string;
  readonly readOnly: boolean;
  readonly transport: VirtioDeviceConfig["transport"];
  readonly label: string;
}

/**
 * Open `spec.path` (throws a one-line Error naming it when it is not a directory) and
 * return the machine's device config: each boot builds a fresh device over the same
 * directory, the last boot's open files closed first; close() ends the share.
 */
export function openShare(spec: ShareSpec): { readonly config: VirtioDeviceConfig; close(): void } {
  const backend = LocalShare.open(spec.path);
  let live: Virtio9p | undefined;
  return {
    config: {
      transport: spec.transport,
      create: (env) => {
        live?.reset();
        return live = new Virtio9p({ backend, tag: spec.tag, readOnly: spec.readOnly, label: spec.label, log: (l) => env.log(l) });
      },
    },
    close: () => {
      live?.reset();
      backend.dispose();
    },
  };
}
