// A link over one UDP socket: each Ethernet frame is one datagram, as it is, with no
// length prefix. This is QEMU's `-netdev socket,udp=REMOTE,localaddr=LOCAL` (net/socket.c:
// datagram sockets send with sendto() and hand each recv() to the NIC whole; only the
// stream (TCP) mode puts a 4-byte big-endian length before each frame), so a Bulkhead
// VM and a QEMU VM can share a link, each sending to the address the other is bound to.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { type Endpoint, ETH_HLEN, formatEndpoint, MAX_FRAME, type NetBackend, NetError } from "./index.js";

export interface UdpLinkOptions {
  /** Where this end is bound (the peer's remote). */
  readonly local: Endpoint;
  /** Where frames go (the peer's local). Only datagrams from here are taken. */
  readonly remote: Endpoint;
}

/** Frames and drops, for tests and --dump-stats. */
export interface LinkCounters {
  txFrames: number;
  rxFrames: number;
  /** Datagrams dropped: too short to be a frame, from another sender, or no receiver yet. */
  rxDropped: number;
  txErrors: number;
}

/**
 * The socket's receive buffer (SO_RCVBUF; Linux caps it at net.core.rmem_max): frames
 * from the peer wait there while a run slice keeps the event loop busy (libuv reads at
 * most 32 of them per turn of the loop). The default (~208 KiB, ~90 frames) overflowed
 * under a TCP stream between two VMs (npm run bench:io: 9% of the segments lost, each
 * loss a retransmission for the guest); with 4 MiB none were.
 */
const RECV_BUFFER_BYTES = 4 << 20;

/**
 * Bind a UDP link. Resolves once bound (so a bad address or a port in use fails here,
 * before any VM starts); rejects with a NetError.
 */
export function openUdpLink(opts: UdpLinkOptions): Promise<UdpLink> {
  if (opts.local.family !== opts.remote.family) {
    throw new NetError({ kind: "BadAddress", what: "remote", text: formatEndpoint(opts.remote), why: `not the same IP version as local ${formatEndpoint(opts.local)}` });
  }
  const sock = createSocket({ type: opts.local.family, reuseAddr: false, recvBufferSize: RECV_BUFFER_BYTES });
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void => {
      sock.close();
      reject(new NetError({ kind: "Bind", address: formatEndpoint(opts.local), code: e.code ?? "", message: e.message }));
    };
    sock.once("error", fail);
    sock.bind(opts.local.port, opts.local.host, () => {
      sock.off("error", fail);
      resolve(new UdpLink(sock, opts));
    });
  });
}

/** A bound UDP link; see openUdpLink. */
export class UdpLink implements NetBackend {
  readonly label: string;
  readonly counters: LinkCounters = { txFrames: 0, rxFrames: 0, rxDropped: 0, txErrors: 0 };
  /** The address actually bound (its port is the system's pick when local.port was 0). */
  readonly local: Endpoint;
  private handler: ((frame: Uint8Array) => void) | undefined;
  private closed = false;

  constructor(private readonly sock: Socket, private readonly opts: UdpLinkOptions) {
    const a = sock.address();
    this.local = { host: a.address, port: a.port, family: opts.local.family };
    this.label = `udp ${formatEndpoint(this.local)}->${formatEndpoint(opts.remote)}`;
    sock.on("message", (msg, rinfo) => this.onMessage(msg, rinfo));
    // A send to a port nobody listens on comes back as ECONNREFUSED on some systems: the
    // peer is not up yet, which is a lost frame, not a failure of this VM.
    sock.on("error", () => { this.counters.txErrors++; });
  }

  send(frame: Uint8Array): boolean {
    if (this.closed || frame.length < ETH_HLEN || frame.length > MAX_FRAME) return true;
    this.counters.txFrames++;
    // dgram copies the buffer synchronously into the kernel's queue only later: copy now.
    this.sock.send(Buffer.from(frame), this.opts.remote.port, this.opts.remote.host, (err) => { if (err) this.counters.txErrors++; });
    return true;
  }

  receive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.sock.close();
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const r = this.opts.remote;
    // Only the configured peer may put frames on this link: a stray sender on the host
    // must not reach the VM.
    if (rinfo.port !== r.port || rinfo.address !== r.host || msg.length < ETH_HLEN || !this.handler) {
      this.counters.rxDropped++;
      return;
    }
    this.counters.rxFrames++;
    this.handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  }
}
