// The RootOS command table (table.ts) and what its rows are made of: typed parameters
// (params.ts), the shell's words (words.ts), routes (command.ts), answers for people
// (format.ts). The shell, `bulkhead ctl` and the HTTP API are its front ends.
export { COMMANDS, LOG_KINDS, findCommand, runWords } from "./table.js";
export { usageOf, paramsOf, route, command, convert, type Command, type CommandResult, type CommandRoute } from "./command.js";
export { argsFromWords, assignWords, type Supplied } from "./words.js";
export { ParamError, parseDuration, parseThrottle, parseU64, type Args, type Bytes, type Param, type Params } from "./params.js";
export { formatList, formatInfo, formatStats, formatMeasurements, formatSlots, formatUpgrade } from "./format.js";
