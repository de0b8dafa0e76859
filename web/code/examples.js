// The example picker: the lesson's examples by title, the open one named in the URL
// (?example=gather-weather) so that a link opens it directly.

export async function loadExamples() {
  const response = await fetch(new URL("examples.json", import.meta.url));
  if (!response.ok) throw new Error(`examples.json: HTTP ${response.status}`);
  return response.json();
}

/** The picker in `select`, showing `requested` (the address's example=), else the first. */
export function createPicker(select, examples, requested, { onPick }) {
  for (const { slug, title } of examples) {
    select.append(new Option(title, slug));
  }
  const bySlug = new Map(examples.map((e) => [e.slug, e]));

  function show(slug, { updateURL }) {
    const example = bySlug.get(slug) ?? examples[0];
    select.value = example.slug;
    if (updateURL) {
      const url = new URL(location.href);
      url.searchParams.set("example", example.slug);
      history.replaceState(null, "", url);
    }
    onPick(example);
  }

  select.addEventListener("change", () => show(select.value, { updateURL: true }));
  show(requested, { updateURL: false });
  return {
    /** Whether the URL asked for an example that does not exist. */
    unknownRequest: requested !== undefined && !bySlug.has(requested),
  };
}
