// One entry point from a parsed option to an open host end (the CLI's and RootOS's).
import { FilePort } from "./file.js";
import type { PortBackend } from "./index.js";
import { listenPort } from "./socket.js";
import { stdioPort } from "./stream.js";

/** Where a port's host end is. */
export type PortHost =
  | { readonly kind: "stdio" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly port: number };

/** Open (create, bind, listen) a host end; rejects with a ChardevError naming the path. */
export async function openPortHost(host: PortHost): Promise<PortBackend> {
  switch (host.kind) {
    case "stdio": return stdioPort();
    case "file": return new FilePort(host.path);
    case "unix": return listenPort({ kind: "unix", path: host.path });
    case "tcp": return listenPort({ kind: "tcp", port: host.port });
  }
}

/** Open every host end, or none: on the first failure the ones opened are closed again. */
export async function openPortHosts(hosts: readonly PortHost[]): Promise<PortBackend[]> {
  const opened: PortBackend[] = [];
  try {
    for (const h of hosts) opened.push(await openPortHost(h));
    return opened;
  } catch (e) {
    await Promise.all(opened.map((p) => p.close()));
    throw e;
  }
}
