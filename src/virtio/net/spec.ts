// virtio network device (virtio-net): the spec's numbers and the backend port. Spec: Virtio 1.2 §5.1. virt: on
// the PCIe bus (00:NN.0, 1af4:1041) or in a virtio-mmio slot; Linux: virtio_net module,
// eth0. One receiveq/transmitq pair, no offloads: every frame is a whole Ethernet frame
// behind a virtio_net_hdr. Frames go to and come from a NetBackend port (src/net): a UDP
// link or a virtual switch port.

/** Feature bits (§5.1.3). */
export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_MTU = 3;
export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;

/** Config space (struct virtio_net_config, §5.1.4): mac[6], le16 status. */
export const VIRTIO_NET_CFG_MAC = 0;
export const VIRTIO_NET_CFG_STATUS = 6;
export const VIRTIO_NET_CFG_SIZE = 8;
/** status bits */
export const VIRTIO_NET_S_LINK_UP = 1;
export const VIRTIO_NET_S_ANNOUNCE = 2;

/**
 * struct virtio_net_hdr with VIRTIO_F_VERSION_1 (§5.1.6): flags u8, gso_type u8,
 * hdr_len le16, gso_size le16, csum_start le16, csum_offset le16, num_buffers le16.
 */
export const VIRTIO_NET_HDR_SIZE = 12;
export const VIRTIO_NET_HDR_NUM_BUFFERS = 10;

/** Queue indices: one pair (no VIRTIO_NET_F_MQ, no control queue). */
export const NET_RX = 0;
export const NET_TX = 1;
