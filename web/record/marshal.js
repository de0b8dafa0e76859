// The tracer's events as the worker hands them over: one Python list of their items end to end,
// written by `marshal.dumps` (py/playground/browser.py's take_trace) in format version 4
// (playground.schema.MARSHAL_VERSION). marshal is written in C, four times faster than
// json.dumps for the same events, and crosses as one block of bytes. This reads the part of
// that format which plain data uses (CPython's
// Python/marshal.c is the reference): None, booleans, ints, floats, strings, tuples, lists and
// dicts, and references back to objects already read. Tuples and lists become arrays, dicts
// plain objects, as JSON.parse makes them; anything else is an error, not a guess.

// marshal.c's type codes, by its names.
const [NONE, TRUE, FALSE, INT, LONG, BINARY_FLOAT, UNICODE, INTERNED] = codes("NTFilgut");
const [ASCII, ASCII_INTERNED, SHORT_ASCII, SHORT_ASCII_INTERNED] = codes("aAzZ");
const [TUPLE, LIST, SMALL_TUPLE, DICT, REF, NULL] = codes("([){r0");
const FLAG_REF = 0x80;
const utf8 = new TextDecoder();
const latin1 = new TextDecoder("latin1");

/**
 * UTF-8 read code point by code point, surrogates included (as Python's "surrogatepass").
 * @param {Uint8Array} utf8Bytes
 */
function withSurrogates(utf8Bytes) {
  const continued = (/** @type {number} */ i) => utf8Bytes[i] & 0x3f;
  let out = "";
  for (let i = 0; i < utf8Bytes.length; ) {
    const lead = utf8Bytes[i];
    if (lead < 0x80) {
      out += String.fromCharCode(lead);
      i += 1;
    } else if (lead < 0xe0) {
      out += String.fromCharCode(((lead & 0x1f) << 6) | continued(i + 1));
      i += 2;
    } else if (lead < 0xf0) {
      const code = ((lead & 0x0f) << 12) | (continued(i + 1) << 6) | continued(i + 2);
      out += String.fromCharCode(code);
      i += 3;
    } else {
      const high = ((lead & 0x07) << 18) | (continued(i + 1) << 12);
      out += String.fromCodePoint(high | (continued(i + 2) << 6) | continued(i + 3));
      i += 4;
    }
  }
  return out;
}

/**
 * The value marshal wrote in `bytes`.
 * @param {Uint8Array} bytes
 * @returns {unknown}
 */
export function readMarshal(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** @type {unknown[]} objects marked for reference, numbered as they begin */
  const refs = [];
  let at = 0;

  /** Where the next `size` bytes begin, which are then read. @param {number} size */
  const take = (size) => {
    if (size < 0 || at + size > bytes.length) throw new RangeError("marshal data ends early");
    at += size;
    return at - size;
  };
  const byte = () => bytes[take(1)];
  const int32 = () => view.getInt32(take(4), true);
  /** @param {number} size @param {TextDecoder} decoder */
  const text = (size, decoder) => decoder.decode(bytes.subarray(take(size), at));
  // marshal writes UTF-8 with "surrogatepass": a lone surrogate (a task's name or a printed
  // line may hold one) comes as its three bytes, which TextDecoder makes U+FFFD; such text
  // is read again, keeping it (as JSON.parse kept it).
  /** @param {number} size */
  const unicode = (size) => {
    const read = text(size, utf8);
    return read.includes("\uFFFD") ? withSurrogates(bytes.subarray(at - size, at)) : read;
  };
  // Most of a trace's strings are a few ASCII characters (task names, words): made here, they
  // cost a fifth of a TextDecoder call each.
  /** @param {number} size */
  const ascii = (size) => {
    if (size > 64) return text(size, latin1);
    const start = take(size);
    let out = "";
    for (let i = start; i < at; i += 1) out += String.fromCharCode(bytes[i]);
    return out;
  };

  /** @returns {unknown} */
  function read() {
    const code = byte();
    // An object marked for reference is numbered as it begins (a list before its items), as
    // marshal.c numbers it.
    let ref = -1;
    if (code & FLAG_REF) {
      ref = refs.length;
      refs.push(undefined);
    }
    const value = readType(code & ~FLAG_REF, ref);
    if (ref >= 0) refs[ref] = value;
    return value;
  }

  /**
   * @param {number} type marshal's type code, without the reference flag
   * @param {number} ref the number a container is referred to by, or -1
   */
  function readType(type, ref) {
    switch (type) {
      case NONE:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case INT:
        return int32();
      case LONG:
        return long(int32());
      case BINARY_FLOAT:
        return view.getFloat64(take(8), true);
      case UNICODE:
      case INTERNED:
        return unicode(int32());
      case ASCII:
      case ASCII_INTERNED:
        return ascii(int32());
      case SHORT_ASCII:
      case SHORT_ASCII_INTERNED:
        return ascii(byte());
      case TUPLE:
      case LIST:
        return items(int32(), ref);
      case SMALL_TUPLE:
        return items(byte(), ref);
      case DICT:
        return entries(ref);
      case REF: {
        const index = view.getUint32(take(4), true);
        if (index >= refs.length) throw new RangeError("marshal data refers to nothing");
        return refs[index];
      }
      default:
        throw new TypeError(
          `marshal data of a kind the trace never holds (${String.fromCharCode(type)})`,
        );
    }
  }

  /** Digits of 15 bits, least significant first; the count's sign is the number's. */
  function long(/** @type {number} */ size) {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < Math.abs(size); i += 1) {
      value += view.getUint16(take(2), true) * scale;
      scale *= 2 ** 15;
    }
    return size < 0 ? -value : value;
  }

  /** @param {number} size @param {number} ref */
  function items(size, ref) {
    if (size < 0) throw new RangeError("marshal data has a negative size");
    /** @type {unknown[]} */
    const list = [];
    if (ref >= 0) refs[ref] = list;
    for (let i = 0; i < size; i += 1) list.push(read());
    return list;
  }

  /** @param {number} ref */
  function entries(ref) {
    /** @type {Record<string, unknown>} */
    const object = {};
    if (ref >= 0) refs[ref] = object;
    while (bytes[at] !== NULL) {
      const key = read();
      if (typeof key !== "string") throw new TypeError("marshal data has a key not a string");
      // As JSON.parse makes it: a key such as "__proto__" is an own property, nothing more.
      Object.defineProperty(object, key, {
        value: read(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    take(1); // the NULL that ends a dict
    return object;
  }

  const value = read();
  if (at !== bytes.length) throw new RangeError("marshal data goes on after its value");
  return value;
}

/** @param {string} letters */
function codes(letters) {
  return Array.from(letters, (letter) => letter.charCodeAt(0));
}
