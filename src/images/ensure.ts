// Debian's images on first use: the cached ones, or a fetch when the cache is empty or
// incomplete. Several processes may ask at once (parallel test files, two `bulkhead run`
// on a new machine): one fetches while the others wait on a lock directory in the cache.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchDebianImages, refreshInitramfs, type FetchOptions } from "./debian.js";
import { ImagesError } from "./errors.js";
import { cachedImages, cacheRoot, debianLayout, readManifest, type CachedImages } from "./store.js";

/** The cached images, fetching them first (progress on stderr) when they are missing. */
export async function ensureImages(opts: FetchOptions = {}): Promise<CachedImages> {
  const root = opts.root ?? cacheRoot(opts.env ?? process.env);
  const cached = cachedOrUndefined(root);
  if (cached) return cached;
  const lock = join(root, "fetch.lock");
  mkdirSync(root, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const done = cachedOrUndefined(root);
    if (done) return done;
    if (isStale(lock)) rmSync(lock, { recursive: true, force: true });
    else await new Promise((res) => setTimeout(res, 500));
  }
  try {
    writeFileSync(join(lock, "pid"), String(process.pid));
    return cachedOrUndefined(root) ?? (await fetchDebianImages({ ...opts, root })).images;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function cachedOrUndefined(root: string): CachedImages | undefined {
  try {
    const images = cachedImages(root);
    const layout = debianLayout(root);
    refreshInitramfs(layout, readManifest(layout)!);
    return images;
  } catch (e) {
    if (e instanceof ImagesError && (e.info.kind === "NotFetched" || e.info.kind === "CacheIncomplete")) return undefined;
    throw e;
  }
}

/** A lock whose owner has exited (or that has no owner after a minute) is stale. */
function isStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, "pid"), "utf8"));
    if (!(pid > 0)) throw new Error("no owner yet");
    process.kill(pid, 0);
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return true;
    try {
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      return false; // gone already: the next mkdir decides
    }
  }
}
