// The system description: the YAML file that says what the board is and which VMs run
// on it (reference: docs/system-description.md; schema: schema/system.schema.json),
// parsed and checked once, at the edge, into frozen typed data and its partition plan.
export { DEFAULT_SYSTEM, loadSystem, loadSystemText, type LoadedSystem, type LoadOptions } from "./load.js";
export { DescriptionEditor, EditError, FILE_KEYS, wordsToData, type Edit } from "./edit.js";
export { DescriptionError, formatIssue, type DescriptionIssue, type Problem } from "./errors.js";
export { SCHEMA_URL } from "./shape.js";
export { parseDuration } from "./convert.js";
export type { Probe } from "./check.js";
export {
  DEBIAN_IMAGES, type BoardDescription, type BootDescription, type DebianImage, type DeviceDescription, type FileRef,
  type SystemDescription, type VmDescription,
} from "./types.js";
