// virtio-9p: a host directory shared with the guest (virtio device ID 9, "9P transport",
// Virtio 1.2 §5 device ID table; the config layout and feature bit are those of Linux's
// include/uapi/linux/virtio_9p.h, as QEMU's virtio-9p-device implements them). One
// request queue; each chain carries one 9P2000.L T-message in its device-readable buffers
// and gets the R-message in its device-writable ones. virt: on the PCIe bus (1af4:1049)
// or in a virtio-mmio slot; Linux: 9pnet_virtio + 9p,
// `mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`.
// The device (device.ts) serves the protocol over a ShareBackend port (backend.ts); the
// host side provides it (src/share/local.ts: a directory, through node:fs).

export { MOUNT_TAG_PATTERN, VIRTIO_9P_MOUNT_TAG, VIRTIO_ID_9P } from "./spec.js";

export type { OpenMode, ShareBackend, ShareChanges, ShareEntry, ShareHandle, SharePath, ShareStat, ShareStatfs } from "./backend.js";
export { Virtio9p, type Virtio9pOptions, type Virtio9pStats, MAX_MSIZE } from "./device.js";
