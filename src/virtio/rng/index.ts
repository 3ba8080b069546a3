// virtio entropy device (virtio-rng). Spec: Virtio 1.2 §5.4: one queue (requestq), no
// feature bits, no config space; each chain is device-writable buffers to fill with
// random bytes. virt: on the PCIe bus (00:NN.0, 1af4:1044) or in a virtio-mmio slot.
// Linux: virtio_rng module, /dev/hwrng. The bytes come from an EntropySource port: the
// host's CSPRNG, or under virtual timing a seeded generator, so a run repeats byte for byte.
import { VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import type { Virtqueue } from "../queue.js";

/** Where random bytes come from (node:crypto's randomFillSync on the host). */
export interface EntropySource {
  fill(dst: Uint8Array): void;
}

export const RNG_QUEUE_SIZE = 64;
/** Bytes given per request at most: a driver asking for more gets this much (and asks again). */
export const RNG_MAX_REQUEST = 64 * 1024;

export class VirtioRng implements VirtioDevice {
  readonly type = VIRTIO_ID.entropy;
  readonly queueSizes = [RNG_QUEUE_SIZE];
  private ctx: VirtioContext | undefined;
  /** Bytes handed to the guest. */
  bytes = 0;

  constructor(private readonly source: EntropySource, readonly label = "virtio-rng0") {}

  features(): bigint { return 0n; }
  config(): Uint8Array { return new Uint8Array(0); }
  activate(ctx: VirtioContext): void { this.ctx = ctx; }
  reset(): void { this.ctx = undefined; }

  notify(q: number, vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) {
      const n = c.writer().fill(RNG_MAX_REQUEST, (view) => this.source.fill(view));
      this.bytes += n;
      vq.addUsed(c.head, n);
    }
    this.ctx?.signalUsed(q);
  }
}

/**
 * A deterministic EntropySource for virtual timing: xoshiro128** seeded by splitmix32
 * from `seed`. Not secret, by design: the point is that two runs see the same bytes.
 */
export function seededEntropy(seed = 0x6275_6c6b /* "bulk" */): EntropySource {
  let z = seed >>> 0;
  const split = (): number => {
    z = (z + 0x9e37_79b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85eb_ca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2_ae35);
    return (t ^ (t >>> 16)) >>> 0;
  };
  const s = [split(), split(), split(), split()];
  const next = (): number => {
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  };
  return {
    fill(dst: Uint8Array): void {
      for (let i = 0; i < dst.length; i += 4) {
        const r = next();
        for (let k = 0; k < 4 && i + k < dst.length; k++) dst[i + k] = (r >>> (8 * k)) & 0xff;
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
