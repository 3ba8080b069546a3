// virtio GPU device (virtio-gpu), 2D only: public surface. Spec: Virtio 1.2 §5.7 (feature
// bits §5.7.3, config §5.7.4, the control and cursor queues §5.7.6). virt: on the PCIe bus
// (00:NN.0, 1af4:1050, class display); Linux: the virtio_gpu DRM driver, with fbcon on
// /dev/fb0 through its fbdev emulation. The device keeps the guest's resources and scanout;
// the host side sees only damage: a ScanoutSink gets each flushed rectangle, as RGBA.
// The numbers and types are in spec.ts (device.ts imports them from there, not from here).
export * from "./spec.js";
export { type GpuOptions, type GpuStats, VirtioGpu } from "./device.js";
export { buildEdid } from "./edid.js";
