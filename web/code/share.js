// Share links: the code travels in the URL fragment, deflate-compressed and base64url-encoded
// (`#code=...`), so it never reaches a server log. Decoding only ever yields a string for the
// editor: nothing from a link is run, or rendered as HTML.

// A share link's code is a lesson-sized program; anything larger is refused, which also stops
// a small fragment that inflates to gigabytes (a zip bomb) before it fills the memory.
export const MAX_CODE_BYTES = 200_000;
// Deflate never grows data by more than a few bytes per 16 kB block; base64 adds a third.
const MAX_PAYLOAD_CHARS = Math.ceil(((MAX_CODE_BYTES * 1.01 + 64) * 4) / 3);
// Input is fed to the decompressor in slices this big, so one slice can inflate to ~1 MB
// at most (deflate's limit is ~1032:1) before the size check sees it.
const SLICE_BYTES = 1024;

/**
 * The page's own address with what is open (`?example=<slug>` or `?exercise=<slug>`, from the
 * record's source, run-record.js) and `#code=<payload>`.
 */
export async function shareLink(code, { kind, slug }) {
  const url = new URL(location.pathname, location.origin);
  if (slug) url.searchParams.set(kind === "exercise" ? "exercise" : "example", slug);
  url.hash = `code=${await encodeCode(code)}`;
  return url.href;
}

/** Returns `{code}` for a good payload, `{damaged: true}` for anything else; never throws. */
export async function decodeCode(payload) {
  try {
    if (payload.length > MAX_PAYLOAD_CHARS) return { damaged: true };
    const bytes = await inflate(fromBase64url(payload), MAX_CODE_BYTES);
    // fatal: a link whose bytes are not UTF-8 was damaged on the way, not meant that way.
    return { code: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { damaged: true };
  }
}

async function encodeCode(code) {
  const stream = new Blob([code]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return toBase64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

async function inflate(bytes, limit) {
  const inflater = new DecompressionStream("deflate-raw");
  const writer = inflater.writable.getWriter();
  const reader = inflater.readable.getReader();
  const feeding = (async () => {
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      await writer.write(bytes.subarray(at, at + SLICE_BYTES));
    }
    await writer.close();
  })();
  // A bad stream rejects both sides; the reader's rejection is the one reported.
  feeding.catch(() => {});
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw new RangeError("the shared code is too large");
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  await feeding;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

// Uint8Array.toBase64 is too new to rely on (2025 browsers), so: btoa over binary strings.
function toBase64url(bytes) {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new SyntaxError("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
