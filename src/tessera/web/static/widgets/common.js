// Shared plumbing of the question widgets: read the config, keep the hidden JSON input in
// step with the widget, build DOM from text only (item content is hostile: no innerHTML).

export function setup(root) {
  const input = root.querySelector(".widget-value");
  const body = root.querySelector(".widget-body");
  body.textContent = "";
  let value = null;
  if (input.value) {
    try {
      value = JSON.parse(input.value);
    } catch {
      value = null;
    }
  }
  return {
    root,
    input,
    body,
    value,
    name: root.dataset.name,
    config: JSON.parse(root.dataset.config),
    form: root.closest("form"),
    readonly: Boolean(root.closest("[data-readonly]")),
  };
}

// Store the answer (null: unanswered) in the hidden input the form posts.
export function save(w, value) {
  w.value = value;
  w.input.value = value === null || value === undefined ? "" : JSON.stringify(value);
  w.root.dataset.answered = w.input.value ? "true" : "false";
  w.input.dispatchEvent(new Event("change", { bubbles: true }));
}

// el("button", {class: "x", type: "button"}, "text", child): attributes and text nodes only.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, val] of Object.entries(attrs)) {
    if (val === false || val === null || val === undefined) continue;
    node.setAttribute(key, val === true ? "" : String(val));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The checked label radio of a spans or boxes question (its labels carry the hotkeys).
export function currentLabel(w) {
  const checked = w.root.querySelector(".widget-labels input:checked");
  return checked ? checked.value : w.config.labels[0].value;
}

export function labelIndex(w, value) {
  const i = w.config.labels.findIndex((l) => l.value === value);
  return (i < 0 ? 0 : i) % 10;
}

// Keys typed as shortcuts, not text: no modifier except Shift.
export function plainKey(event) {
  return !(event.ctrlKey || event.metaKey || event.altKey || event.isComposing);
}

// A radio group as buttons: name, [{value, text, key}], the checked value, on change.
export function radioGroup(name, choices, checked, onChange, extraClass = "") {
  const group = el("div", { class: `choice-row ${extraClass}`.trim(), role: "radiogroup" });
  for (const c of choices) {
    const input = el("input", { type: "radio", name, value: c.value });
    input.checked = String(checked) === String(c.value);
    input.addEventListener("change", () => {
      if (input.checked) onChange(c.value);
    });
    const label = el("label", { class: "choice" }, input);
    if (c.key) label.append(el("kbd", {}, c.key));
    label.append(el("span", {}, c.text));
    group.append(label);
  }
  return group;
}

export function checkValue(group, value) {
  for (const input of group.querySelectorAll("input[type=radio]")) {
    input.checked = String(input.value) === String(value);
  }
}
