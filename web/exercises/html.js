// The exercise views' two ways of making elements: from properties and children (text is
// always set as text), and from a fragment of HTML that build.py rendered from an exercise's
// Markdown with raw HTML off (nothing else of an exercise's file reaches the page as HTML).

export const element = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** A fragment of build-time HTML (see above). */
export const rendered = (tag, html) => {
  const node = document.createElement(tag);
  node.innerHTML = html;
  return node;
};
