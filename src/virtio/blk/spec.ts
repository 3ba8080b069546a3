// virtio block device (virtio-blk): the spec's numbers and the backend port. Spec: Virtio 1.2 §5.2. virt: on the
// PCIe bus (00:NN.0, 1af4:1042) or in a virtio-mmio slot; Linux: virtio_blk, /dev/vdX.
// The device (device.ts) reads and writes a BlockBackend port; the host side provides it
// (src/images/disk.ts: a raw image file, or one GPT partition of it).

/** Feature bits (spec §5.2.3). */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;

/** Request types (spec §5.2.6). */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

/** Request status (the last byte of every chain). */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

/** Config space offsets (struct virtio_blk_config). */
export const VIRTIO_BLK_CFG_CAPACITY = 0;
export const VIRTIO_BLK_CFG_SIZE_MAX = 8;
export const VIRTIO_BLK_CFG_SEG_MAX = 12;
export const VIRTIO_BLK_CFG_BLK_SIZE = 20;
export const VIRTIO_BLK_CFG_NUM_QUEUES = 34;
/** Up to and including the write-zeroes fields: what Linux 6.x may read. */
export const VIRTIO_BLK_CFG_SIZE = 60;

export const SECTOR_SIZE = 512;
/** Length of the GET_ID answer (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
/** Request header: le32 type, le32 reserved, le64 sector. */
export const VIRTIO_BLK_HDR_SIZE = 16;

/**
 * The bytes behind a virtio-blk device: offsets are within [0, size). Calls are
 * synchronous (the VM's thread waits for the host disk); each throws on a host I/O
 * failure, which the device reports to the guest as VIRTIO_BLK_S_IOERR.
 */
export interface BlockBackend {
  /** Bytes; the device shows floor(size / 512) sectors. */
  readonly size: number;
  /** Fill `dst` from `offset`. */
  read(offset: number, dst: Uint8Array): void;
  /** Write `src` at `offset`. */
  write(offset: number, src: Uint8Array): void;
  /** Make every completed write durable (fsync) before returning. */
  flush(): void;
}
