// Every option the page's address can carry, declared and checked in one place. The query
// (`?example=gather-weather&jspi=off`) holds options; the fragment holds code from a share
// link (`#code=...`, decoded by code/share.js). Nothing here throws: an unknown option or a
// bad value is left out, with one line saying so for the page to show.

const onOff = { values: ["on", "off"] };

/** Each option: the values it takes (`values`), or a `pattern` its value must match. */
export const OPTIONS = Object.freeze({
  // The lesson example to open (code/examples.js says when no example has that name).
  example: { pattern: /^[a-z0-9-]{1,64}$/, means: "an example's name" },
  // An exercise to open (py/exercises/<slug>/); it wins over example=.
  exercise: { pattern: /^[a-z0-9-]{1,64}$/, means: "an exercise's name" },
  // Embed mode (web/embed/): the page inside a course's frame, without the site's header.
  embed: { values: ["1"] },
  // Runs once Python is ready: code from the query or the build only, never from a fragment.
  autorun: { values: ["1"] },
  readonly: { values: ["1"] },
  // Which panes to show, in order.
  panes: {
    pattern: /^(code|output|timeline|table)(,(code|output|timeline|table)){0,3}$/,
    means: "a list of code, output, timeline and table, such as code,output",
  },
  // Light or dark whatever the system's setting (auto: as the system's).
  theme: { values: ["light", "dark", "auto"] },
  // The frame's height: auto (the host follows the resize messages) or pixels.
  height: { pattern: /^(auto|[1-9][0-9]{1,4})$/, means: "auto or a number of pixels" },
  // Test and benchmark switches, each for one of two fixed paths: jspi=off hides WebAssembly
  // stack switching, snapshot=off always starts Python afresh, trace=off runs untraced.
  jspi: onOff,
  snapshot: onOff,
  trace: onOff,
});

function check(name, value) {
  const spec = OPTIONS[name];
  if (spec.values ? spec.values.includes(value) : spec.pattern.test(value)) return null;
  const wanted = spec.values ? spec.values.join(" or ") : spec.means;
  return `The address's ${name}=${clip(value)} was ignored: it takes ${wanted}.`;
}

const clip = (text) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * The page's options from `url`: {options: {name: value}, code (the fragment's payload or
 * null), notices: [sentences]}. Options not given are absent.
 */
export function readOptions(url = location.href) {
  const parsed = new URL(url);
  const options = {};
  const notices = [];
  for (const [name, value] of parsed.searchParams) {
    if (!Object.hasOwn(OPTIONS, name)) {
      notices.push(
        `The address's option "${clip(name)}" is not one this page knows; it was ignored.`,
      );
      continue;
    }
    const problem = check(name, value);
    if (problem) notices.push(problem);
    else options[name] = value;
  }
  const fragment = new URLSearchParams(parsed.hash.slice(1));
  return { options, code: fragment.get("code"), notices };
}

/**
 * The LMS runtime the page reports to, "scorm12" or "scorm2004", in a SCORM package (build.py
 * scorm writes it into the package's index.html); null on the site. Not an address option: a
 * link cannot turn the site into a package.
 */
export function lmsPackage() {
  const version = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="lms"]'))
    ?.content;
  return version === "scorm12" || version === "scorm2004" ? version : null;
}
