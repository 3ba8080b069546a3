// virtio input device (virtio-input): public surface. Spec: Virtio 1.2 §5.8 (config space
// §5.8.4, eventq and statusq §5.8.6), events as Linux's evdev (include/uapi/linux/input.h,
// input-event-codes.h). virt: on the PCIe bus (00:NN.0, 1af4:1052, class input); Linux:
// virtio_input, one /dev/input/eventN per device with evdev. Two profiles: a keyboard and
// an absolute tablet (the pointer of a screen the host shows). Events come from the host.
// The numbers and types are in spec.ts (device.ts imports them from there, not from here).
export * from "./spec.js";
export { type InputOptions, type InputStats, VirtioInput } from "./device.js";
