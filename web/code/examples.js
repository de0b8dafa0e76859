// The picker: the lesson's examples by title, then the exercises in a group of their own
// (a passed one marked), the open one named in the URL (?example=gather-weather or
// ?exercise=gather) so that a link opens it directly.

export async function loadExamples() {
  const response = await fetch(new URL("examples.json", import.meta.url));
  if (!response.ok) throw new Error(`examples.json: HTTP ${response.status}`);
  return response.json();
}

const EXERCISE = "exercise:"; // an exercise's option value, before its slug

/**
 * The picker in `select`: `examples`, then `exercises` (each with slug and title), showing
 * `requested` ({example, exercise}: the address's), else the first example. `onPick(item,
 * kind)` with kind "example" or "exercise"; `passed(slug)` marks an exercise passed.
 */
export function createPicker(select, examples, exercises, requested, { onPick, passed }) {
  for (const { slug, title } of examples) select.append(new Option(title, slug));
  const group = document.createElement("optgroup");
  group.label = "Exercises";
  for (const { slug } of exercises) group.append(new Option("", EXERCISE + slug));
  if (exercises.length) select.append(group);
  const examplesBySlug = new Map(examples.map((e) => [e.slug, e]));
  const exercisesBySlug = new Map(exercises.map((e) => [e.slug, e]));

  function label() {
    for (const option of /** @type {HTMLCollectionOf<HTMLOptionElement>} */ (group.children)) {
      const exercise = exercisesBySlug.get(option.value.slice(EXERCISE.length));
      option.text = `${passed(exercise.slug) ? "✓ " : ""}${exercise.title}`;
    }
  }

  function show(value, { updateURL }) {
    const exercise =
      value.startsWith(EXERCISE) && exercisesBySlug.get(value.slice(EXERCISE.length));
    const example = exercise ? null : (examplesBySlug.get(value) ?? examples[0]);
    select.value = exercise ? value : example.slug;
    if (updateURL) {
      const url = new URL(location.href);
      url.searchParams.delete(exercise ? "example" : "exercise");
      url.searchParams.set(exercise ? "exercise" : "example", (exercise || example).slug);
      history.replaceState(null, "", url);
    }
    if (exercise) onPick(exercise, "exercise");
    else onPick(example, "example");
  }

  label();
  select.addEventListener("change", () => show(select.value, { updateURL: true }));
  const wantsExercise = requested.exercise !== undefined && exercisesBySlug.has(requested.exercise);
  show(wantsExercise ? EXERCISE + requested.exercise : (requested.example ?? ""), {
    updateURL: false,
  });
  return {
    /** What the URL asked for and does not exist: "example", "exercise" or null. */
    unknownRequest:
      requested.exercise !== undefined && !wantsExercise
        ? "exercise"
        : requested.example !== undefined && !examplesBySlug.has(requested.example)
          ? "example"
          : null,
    /** Marks passed exercises again (after a check). */
    relabel: label,
  };
}

/**
 * The notes and the "On the timeline" line (`el`: {notes, notesText, watch, watchText}) of the
 * example open in `record` (run-record.js), or of the one beneath shared or course code;
 * hidden for an exercise, or where there is no example.
 */
export function followNotes(el, examples, record) {
  const bySlug = new Map(examples.map((e) => [e.slug, e]));
  record.subscribe((change) => {
    if (change.type !== "open") return;
    const { kind, slug } = change.source;
    const example = kind === "exercise" ? undefined : bySlug.get(slug);
    el.notes.hidden = !example?.notes;
    el.notesText.textContent = example?.notes ?? "";
    el.watch.hidden = !example?.watch;
    el.watchText.textContent = example?.watch ?? "";
  });
}
