// A request body of files with its JSON (RFC 7578 multipart/form-data, as `curl -F` and
// `bulkhead ctl create … kernel=@FILE` send it): one part named `json` holding what the
// route's JSON body would (at most MAX_BODY_BYTES), and file parts that the JSON names as
// "@PART" (`{"name": "dev", "spec": {"kernel": "@k"}}` with a part `k`). Only a route whose
// command takes files (a `files` parameter) accepts one; the whole body is read first, at
// most the route's upload limit, and parsed by Node's own fetch implementation (undici).
import { Upload } from "../rootos/supervisor/uploads.js";
import { ApiError } from "./errors.js";

/** The part that holds the JSON body. */
export const JSON_PART = "json";

/** Does the request's Content-Type say multipart/form-data? */
export function isForm(contentType: string | undefined): boolean {
  return /^multipart\/form-data\s*;/i.test(contentType ?? "");
}

/** The JSON part, parsed, and the file parts by name. BadBody naming what is wrong. */
export async function parseForm(body: Uint8Array, contentType: string, maxJson: number): Promise<{ json: unknown; files: Map<string, Upload> }> {
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { "content-type": contentType } }).formData();
  } catch (e) {
    throw new ApiError({ kind: "BadBody", why: `not a multipart/form-data body: ${(e as Error).message}` });
  }
  let json: unknown;
  const files = new Map<string, Upload>();
  for (const [name, value] of form.entries()) {
    if (name === JSON_PART) {
      const text = typeof value === "string" ? value : await value.text();
      if (json !== undefined) throw new ApiError({ kind: "BadBody", why: `the part '${JSON_PART}' is sent twice` });
      if (Buffer.byteLength(text) > maxJson) throw new ApiError({ kind: "BodyTooLarge", limit: maxJson });
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new ApiError({ kind: "BadBody", why: `the part '${JSON_PART}' is not JSON: ${(e as Error).message}` });
      }
    } else {
      if (typeof value === "string") throw new ApiError({ kind: "BadBody", why: `the part '${name}' is not a file (send it as one: curl -F ${name}=@FILE)` });
      if (files.has(name)) throw new ApiError({ kind: "BadBody", why: `the file part '${name}' is sent twice` });
      files.set(name, new Upload(new Uint8Array(await value.arrayBuffer()), value.name || name));
    }
  }
  if (json === undefined) throw new ApiError({ kind: "BadBody", why: `no part '${JSON_PART}' with the request's JSON (curl -F '${JSON_PART}={...}' -F k=@FILE)` });
  return { json, files };
}
