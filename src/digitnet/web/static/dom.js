// Building the page without ever parsing HTML: every element is made with createElement (or
// createElementNS for SVG) and every piece of text is a text node, so no text from the server
// or the user is ever read as markup. (tests/test_web_static.py keeps it that way.)

const SVG_NS = "http://www.w3.org/2000/svg";

/** The element with this id; a missing one is a bug in index.html, said at once. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node;
}

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

/** An HTML element: h("p", { class: "caption" }, "text", h("b", {}, "bold")). */
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, the same way: svg("circle", { cx: 1, cy: 2, r: 3 }). */
export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

/** Replace everything inside ``node`` with ``children`` (elements or strings). */
export function fill(node, ...children) {
  node.replaceChildren();
  return build(node, {}, children);
}
