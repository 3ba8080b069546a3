// The RootOS's management API (docs/api.md): the server `bulkhead up` starts, and the
// client `bulkhead ctl` uses.
export { startApi, type ApiOptions, type ApiServer } from "./server.js";
export { DEFAULT_API_ADDRESS, DEFAULT_API_HOST, DEFAULT_API_PORT, formatAddress, parseApiAddress } from "./address.js";
export { postBundle, postCommand, openSocket, type ApiTarget } from "./client.js";
export { ApiError, type ApiErrorInfo } from "./errors.js";
export { ROUTES, matchRoute, type Route } from "./routes.js";
export { formatMetrics, metricsText, METRICS_CONTENT_TYPE } from "./metrics.js";
