// The learner's drafts in localStorage, one per key, each `{code, saved}`. Storage can be
// missing (a sandboxed iframe, cookies blocked), throw on every write (old Safari private
// mode) or be full: then drafts live in memory for as long as the page does, and `set`
// returns false so the page can say so once. Nothing here ever throws.

const PREFIX = "asyncio-playground:";

function openStorage() {
  try {
    const storage = window.localStorage;
    const probe = `${PREFIX}probe`;
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

/**
 * The drafts under `space` (a prefix for every key: an embed keeps its own, see
 * codetools.js), apart from every other space's.
 */
export function createDrafts(space = "") {
  const prefix = PREFIX + space;
  const storage = openStorage();
  // The latest draft of every key touched in this page, stored or not: the truth while the
  // page lives, so a failed write never loses what the learner typed.
  const memory = new Map();

  function read(key) {
    try {
      const draft = JSON.parse(storage?.getItem(prefix + key) ?? "null");
      return typeof draft?.code === "string" ? draft : null;
    } catch {
      return null; // unreadable (someone else's value under our key): as if none
    }
  }

  return {
    /** Whether drafts outlive the page. */
    persistent: storage !== null,

    get(key) {
      return memory.has(key) ? memory.get(key) : read(key);
    },

    /** Saves `{code, ...extra}`; false when it could only be kept in memory. */
    set(key, draft) {
      const record = { ...draft, saved: Date.now() };
      memory.set(key, record);
      if (!storage) return false;
      try {
        storage.setItem(prefix + key, JSON.stringify(record));
        return true;
      } catch {
        return false;
      }
    },

    remove(key) {
      memory.set(key, null);
      try {
        storage?.removeItem(prefix + key);
      } catch {
        // Nothing to do: memory already says there is no draft.
      }
    },

    /** Drops all but the `keep` most recently saved drafts whose key starts with `group`. */
    prune(group, keep) {
      if (!storage) return; // memory holds only this page's few drafts
      try {
        const keys = [];
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i);
          if (key?.startsWith(prefix + group)) keys.push(key.slice(prefix.length));
        }
        keys.sort((a, b) => (this.get(b)?.saved ?? 0) - (this.get(a)?.saved ?? 0));
        for (const key of keys.slice(keep)) this.remove(key);
      } catch {
        // Storage went away meanwhile: keeping a few extra drafts is harmless.
      }
    },
  };
}
