// Session-bound keys (docs/security.md, K6): the key endpoint answers
// key XOR HMAC-SHA256(session secret, "<video>|<period>")[:16]; only this player, which
// received the secret when it started the session, can undo that.
import Hls, {
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderContext,
} from "hls.js";

const KEY_PATH = /\/hls\/[^/]+\/([^/]+)\/key(?:\/(\d+))?$/;

/** The video id and period a key URL names (a URL without a period is period 0). */
export function keyTarget(url: string): { video: string; period: number } | null {
  const match = new URL(url, "http://x").pathname.match(KEY_PATH);
  return match ? { video: match[1], period: Number(match[2] ?? 0) } : null;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Unwraps one session-bound key. */
export async function unwrapKey(
  wrapped: ArrayBuffer,
  secretBase64: string,
  video: string,
  period: number,
): Promise<ArrayBuffer> {
  const secret = await crypto.subtle.importKey(
    "raw",
    fromBase64(secretBase64),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const pad = new Uint8Array(await crypto.subtle.sign("HMAC", secret, new TextEncoder().encode(`${video}|${period}`)));
  const key = new Uint8Array(wrapped);
  if (key.length !== 16) throw new Error("a key is 16 bytes");
  return key.map((byte, i) => byte ^ pad[i]).buffer;
}

type LoaderClass = new (config: HlsConfig) => Loader<LoaderContext>;

// Session secrets by the signed path their keys live under ("/hls/<token>/<video>/").
const secrets = new Map<string, string>();

function secretFor(url: string): string | undefined {
  const path = new URL(url, "http://x").pathname;
  for (const [prefix, secret] of secrets) if (path.startsWith(prefix)) return secret;
  return undefined;
}

/** Lets the key loader unwrap the keys of the session whose playlist is PLAYLIST_URL;
 * returns the function that forgets it again. */
export function registerSessionKeys(playlistUrl: string, secretBase64: string): () => void {
  const prefix = new URL(playlistUrl, "http://x").pathname.replace(/[^/]+$/, "");
  secrets.set(prefix, secretBase64);
  return () => secrets.delete(prefix);
}

/** An hls.js loader that unwraps the keys of registered sessions and passes everything
 * else through. */
function sessionKeyLoader(Base: LoaderClass): LoaderClass {
  return class SessionKeyLoader extends Base {
    load(context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      const target = context.type === "key" ? keyTarget(context.url) : null;
      const secret = target ? secretFor(context.url) : undefined;
      if (!target || !secret) {
        super.load(context, config, callbacks);
        return;
      }
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          unwrapKey(response.data as ArrayBuffer, secret, target.video, target.period).then(
            (data) => callbacks.onSuccess({ ...response, data }, stats, ctx, details),
            (error: unknown) => callbacks.onError({ code: 0, text: String(error) }, ctx, details, stats),
          );
        },
      });
    }
  };
}

// A refused key is an answer, not a network hiccup: no retries, so the player can stop at
// once and say why.
const KEY_LOAD_POLICY = {
  default: {
    maxTimeToFirstByteMs: 8000,
    maxLoadTimeMs: 20000,
    timeoutRetry: { maxNumRetry: 1, retryDelayMs: 1000, maxRetryDelayMs: 0 },
    errorRetry: { maxNumRetry: 0, retryDelayMs: 0, maxRetryDelayMs: 0 },
  },
};

let installed = false;

/** Makes every hls.js instance of this page use the unwrapping loader, the key policy and
 * a 30 s forward buffer. Set as hls.js's defaults rather than per player: <hls-video> may
 * create its hls.js instance before React hands it a `config`.
 *
 * The buffer cap is part of enforcement: by default hls.js grows its buffer with the
 * bitrate (minutes ahead for a low rendition), and keys are only re-checked when it
 * fetches further; capped, a revoked viewer stops within a period plus 30 s. */
export function installSessionKeyLoader(): void {
  if (installed) return;
  const defaults = Hls.DefaultConfig;
  Hls.DefaultConfig = {
    ...defaults,
    loader: sessionKeyLoader(defaults.loader as unknown as LoaderClass) as unknown as HlsConfig["loader"],
    keyLoadPolicy: KEY_LOAD_POLICY,
    maxBufferLength: 30,
    maxMaxBufferLength: 30,
  };
  installed = true;
}
