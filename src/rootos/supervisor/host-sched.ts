// A thread's host placement applied to the calling thread (plan/host.ts): its affinity
// (sched_setaffinity through util-linux `taskset -p`) and its scheduling class (`chrt -p`
// for SCHED_FIFO, `renice` for a nice value), on its own thread id, which Linux names in
// /proc/thread-self. Node has no binding for either call, and a VM's worker runs this
// once before its machine starts, so two short-lived processes cost nothing on the path
// that matters. What the host refuses (no CAP_SYS_NICE for SCHED_FIFO, not Linux) falls
// back, and the fallback is said in `notes`: a placement never silently differs.
import { execFileSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { formatCpuList, parseCpuList, RT_SHARED_NICE } from "../plan/host.js";
import type { HostPlacement, HostSched } from "../plan/index.js";

/** What a thread got, read back from the kernel. */
export interface HostApplied {
  /** Its Linux thread id; 0 when not on Linux. */
  readonly tid: number;
  /** Cpus_allowed_list of /proc/TID/status after applying. */
  readonly cpus: readonly number[];
  readonly sched: HostSched;
  /** Where it differs from the plan, and why. */
  readonly notes: readonly string[];
}

/** The calling thread's id: /proc/thread-self links to PID/task/TID. */
export function threadId(): number {
  return Number(readlinkSync("/proc/thread-self").split("/").pop());
}

/** Place the calling thread as `p` says, and read back what it got. */
export function applyPlacement(p: HostPlacement): HostApplied {
  let tid: number;
  try {
    tid = threadId();
  } catch {
    return { tid: 0, cpus: p.cpus, sched: { policy: "other", nice: 0 }, notes: ["not Linux (no /proc/thread-self): not placed"] };
  }
  const notes: string[] = [];
  const run = (cmd: string, args: (string | number)[]): string | undefined => {
    try {
      execFileSync(cmd, args.map(String), { stdio: ["ignore", "ignore", "pipe"] });
      return undefined;
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      return (err.stderr?.toString().trim() || err.message).split("\n")[0];
    }
  };
  const affinity = run("taskset", ["-p", "-c", formatCpuList(p.cpus), tid]);
  if (affinity !== undefined) notes.push(`affinity ${formatCpuList(p.cpus)} refused (${affinity})`);
  let nice = p.sched.policy === "other" ? p.sched.nice : undefined;
  if (p.sched.policy === "fifo") {
    const refused = run("chrt", ["-f", "-p", p.sched.priority, tid]);
    if (refused !== undefined) {
      notes.push(`SCHED_FIFO ${p.sched.priority} refused (${refused}; needs root or CAP_SYS_NICE): nice ${RT_SHARED_NICE} instead`);
      nice = RT_SHARED_NICE;
    }
  }
  // Always, nice 0 too: a thread starts at its creator's nice, and the RootOS's is ROOTOS_NICE.
  if (nice !== undefined) {
    const refused = run("renice", ["-n", nice, "-p", tid]);
    if (refused !== undefined) notes.push(`nice ${nice} refused (${refused}): it keeps the nice it started with`);
  }
  return { tid, ...readBack(tid), notes };
}

/** Thread `tid`'s affinity and scheduling class as the kernel has them. */
export function readBack(tid: number): { cpus: number[]; sched: HostSched } {
  const status = readFileSync(`/proc/${tid}/status`, "utf8");
  const cpus = parseCpuList(/^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? "");
  // /proc/TID/stat: fields after the command's closing paren; nice is field 19, policy 41, rt_priority 40.
  const stat = readFileSync(`/proc/${tid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const at = (n: number) => Number(f[n - 3]);
  const policy = at(41);
  return { cpus, sched: policy === 1 ? { policy: "fifo", priority: at(40) } : { policy: "other", nice: at(19) } };
}
