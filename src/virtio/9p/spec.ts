// virtio-9p's numbers (Linux include/uapi/linux/virtio_9p.h), for device.ts and index.ts alike.

/** Feature bit (virtio_9p.h): the config space holds the mount tag. */
export const VIRTIO_9P_MOUNT_TAG = 0;
/** The virtio device type. */
export const VIRTIO_ID_9P = 9;

/** A mount tag: what `mount -t 9p TAG` names; kept to characters a mount command line takes as they are. */
export const MOUNT_TAG_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
