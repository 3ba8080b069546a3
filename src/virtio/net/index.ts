// virtio-net: public surface, the spec's numbers and the host port (spec.ts) and the device
// model (device.ts). device.ts imports spec.ts, never this file, so the two stay a tree.
export * from "./spec.js";
export { type NetOptions, type NetStats, VirtioNet } from "./device.js";
