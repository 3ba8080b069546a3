// virtio console device (virtio-console): the spec's numbers and the backend port. Spec: Virtio 1.2 §5.3, with
// VIRTIO_CONSOLE_F_MULTIPORT. virt: on the PCIe bus (00:NN.0, 1af4:1043) or in a
// virtio-mmio slot; Linux: built-in virtio_console. Port 0 is a console (/dev/hvc0,
// `console=hvc0`); the others are named and appear as /dev/virtio-ports/NAME. Each
// port's host end is a PortBackend (src/chardev): stdio, a file, a socket.
//
// Queues (§5.3.2): port 0 receiveq 0, transmitq 1; control receiveq 2, transmitq 3;
// port n >= 1: receiveq 2n+2, transmitq 2n+3.

/** Feature bits (§5.3.3). */
export const VIRTIO_CONSOLE_F_SIZE = 0;
export const VIRTIO_CONSOLE_F_MULTIPORT = 1;
export const VIRTIO_CONSOLE_F_EMERG_WRITE = 2;

/** Config space (struct virtio_console_config, §5.3.4). */
export const VIRTIO_CONSOLE_CFG_COLS = 0;
export const VIRTIO_CONSOLE_CFG_ROWS = 2;
export const VIRTIO_CONSOLE_CFG_MAX_NR_PORTS = 4;
export const VIRTIO_CONSOLE_CFG_EMERG_WR = 8;
export const VIRTIO_CONSOLE_CFG_SIZE = 12;

/** Control message events (struct virtio_console_control.event, §5.3.6.2). */
export const VIRTIO_CONSOLE_DEVICE_READY = 0;
export const VIRTIO_CONSOLE_PORT_ADD = 1;
export const VIRTIO_CONSOLE_PORT_REMOVE = 2;
export const VIRTIO_CONSOLE_PORT_READY = 3;
export const VIRTIO_CONSOLE_CONSOLE_PORT = 4;
export const VIRTIO_CONSOLE_RESIZE = 5;
export const VIRTIO_CONSOLE_PORT_OPEN = 6;
export const VIRTIO_CONSOLE_PORT_NAME = 7;
/** struct virtio_console_control: le32 id, le16 event, le16 value. */
export const VIRTIO_CONSOLE_CONTROL_SIZE = 8;

/** The control queues' indices. */
export const CONTROL_RX = 2;
export const CONTROL_TX = 3;

/** Port n's receiveq (device to driver). */
export function rxQueueOf(port: number): number {
  return port === 0 ? 0 : 2 * port + 2;
}

/** The port a data queue belongs to, and its direction; undefined for the control queues. */
export function portOfQueue(q: number): { port: number; tx: boolean } | undefined {
  if (q === CONTROL_RX || q === CONTROL_TX) return undefined;
  return q < 2 ? { port: 0, tx: q === 1 } : { port: (q >> 1) - 1, tx: (q & 1) === 1 };
}

/** Most ports one device has (Linux takes up to 0x7fff; 31 keeps the queue count at 64). */
export const MAX_PORTS = 31;

/** A name Linux will take for /dev/virtio-ports/NAME: a file name, printable, no slash. */
export function checkPortName(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > 127) return "is longer than 127 characters";
  if (!/^[A-Za-z0-9._+-]+$/.test(name)) return "may hold only letters, digits and . _ + -";
  if (name === "." || name === "..") return "is not a file name";
  return undefined;
}
