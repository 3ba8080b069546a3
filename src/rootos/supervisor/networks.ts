// The networks service: the RootOS's virtual switches, one per network of the plan
// (src/net/switch.ts), each network's uplink (a board NIC) joined to its switch once, and
// the links of a VM thread's NICs: a pair of shared-memory rings per `nic` device
// (src/net/ring-link.ts), whose RootOS end is a port of its network's switch and whose
// other end the VM's thread opens.
import { newNicRings, type NicRings, plugRings, type PortCounters } from "../../net/ring-link.js";
import { openUdpLink } from "../../net/udp.js";
import { type SwitchPort, VirtualSwitch } from "../../net/switch.js";
import type { SystemPlan, VmPlan } from "../plan/index.js";
import type { EventLog } from "./event-log.js";

/** One thread's NIC links: the rings for its thread, their switch ports' counters, and how to take them down. */
export interface NicLinks {
  readonly rings: readonly NicRings[];
  readonly counters: readonly { readonly network: string; readonly counters: PortCounters }[];
  unplug(): void;
}

export class Networks {
  private readonly switches = new Map<string, VirtualSwitch>();
  private uplinks: Promise<void> | undefined;
  private readonly uplinkPorts: SwitchPort[] = [];

  constructor(private readonly plan: () => SystemPlan, private readonly record: EventLog["record"]) {
    for (const net of plan().networks) this.switches.set(net.name, new VirtualSwitch(`switch ${net.name}`));
  }

  /** Join each network's uplink (a board NIC) to its switch, once. A failure is logged; the VMs still start. */
  openUplinks(): Promise<void> {
    this.uplinks ??= (async () => {
      for (const net of this.plan().networks) {
        const up = net.uplink;
        if (!up || up.host.kind !== "udp") continue;
        try {
          const link = await openUdpLink({ local: up.host.local, remote: up.host.remote });
          this.uplinkPorts.push(this.switches.get(net.name)!.uplink(link));
          this.record("check", undefined, `network ${net.name}: uplink ${up.nic} (${link.label})`);
        } catch (e) {
          this.record("fault", undefined, `network ${net.name}: uplink ${up.nic}: ${(e as Error).message}`);
        }
      }
    })();
    return this.uplinks;
  }

  /**
   * A pair of rings per `nic` device of `vm` to a new port of its network's switch. A batch
   * of frames for the VM also sets its thread's `poke` cell, so the slice under way ends at
   * the next turn and the frames are taken within microseconds, not a slice (milliseconds) later.
   */
  plug(vm: VmPlan, poke: Int32Array): NicLinks {
    const links: ReturnType<typeof plugRings>[] = [];
    const rings: NicRings[] = [];
    const counters: { network: string; counters: PortCounters }[] = [];
    for (const d of vm.devices) {
      if (d.kind !== "nic") continue;
      const r = newNicRings();
      const link = plugRings(this.switches.get(d.network)!.port(), r, () => Atomics.store(poke, 0, 1));
      links.push(link);
      rings.push(r);
      counters.push({ network: d.network, counters: link.counters });
    }
    return {
      rings,
      counters,
      unplug: () => { for (const l of links.splice(0)) l.close(); },
    };
  }

  async close(): Promise<void> {
    if (this.uplinks) await this.uplinks.catch(() => {});
    for (const p of this.uplinkPorts.splice(0)) p.close();
  }
}
