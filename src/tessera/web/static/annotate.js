// The annotate page: starts the question widgets of each task htmx swaps in, shows and hides
// conditional questions, and holds the page-wide keyboard shortcuts. Listeners sit on
// `document` (event delegation), so they keep working after htmx swaps in the next task.
// Widgets handle their own keys first (on their elements) and mark them handled.
import * as boxes from "./widgets/boxes.js";
import * as pairwise from "./widgets/pairwise.js";
import * as ranking from "./widgets/ranking.js";
import * as rating from "./widgets/rating.js";
import * as spans from "./widgets/spans.js";
import * as stepLabels from "./widgets/step_labels.js";

const WIDGETS = { boxes, pairwise, ranking, rating, spans, step_labels: stepLabels };

const TYPING = new Set(["text", "search", "email", "number", "password", "url", "tel"]);

function isTyping(el) {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLSelectElement) return true;
  return el instanceof HTMLInputElement && TYPING.has(el.type);
}

function taskForm() {
  return document.getElementById("task-form");
}

function optionFor(form, key) {
  for (const input of form.querySelectorAll("input[data-hotkey]")) {
    const hotkey = input.dataset.hotkey;
    if (hotkey === key || hotkey.toLowerCase() === key.toLowerCase()) return input;
  }
  return null;
}

function toggle(input) {
  input.checked = input.type === "radio" ? true : !input.checked;
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

// htmx wires swapped-in content a moment after the swap; a key pressed in between would
// reach an unwired form, so wire it first (htmx.process does nothing the second time).
function wired(element) {
  if (window.htmx) window.htmx.process(element);
  return element;
}

function submit(form) {
  wired(form).requestSubmit(); // fires `submit`, which htmx turns into its hx-post
}

function skip(form) {
  const button = form.querySelector("#skip-button");
  if (button) wired(button).click();
}

document.addEventListener("keydown", (event) => {
  const form = taskForm();
  if (!form || form.dataset.readonly || event.defaultPrevented || event.isComposing) return;
  const target = event.target;
  if (isTyping(target)) {
    if (!form.contains(target)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit(form);
    } else if (event.key === "Enter" && target.classList.contains("skip-reason")) {
      event.preventDefault();
      skip(form);
    } else if (event.key === "Escape") {
      target.blur();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter") {
    if (target instanceof HTMLAnchorElement || target instanceof HTMLButtonElement) return;
    event.preventDefault();
    submit(form);
    return;
  }
  if (event.key === "s" || event.key === "S") {
    event.preventDefault();
    skip(form);
    return;
  }
  const input = optionFor(form, event.key);
  if (input) {
    event.preventDefault();
    toggle(input);
  }
});

// Conditional questions: a question whose `when` does not hold is hidden and disabled (so
// nothing of it is posted). Conditions only name earlier questions: one pass in order.
function applyConditions(form) {
  const chosen = new Map();
  for (const set of form.querySelectorAll("fieldset.question")) {
    const when = set.dataset.when ? JSON.parse(set.dataset.when) : null;
    if (when) {
      const given = chosen.get(when.question) ?? [];
      const holds = given.some((v) => when.values.includes(v));
      set.hidden = !holds;
      set.disabled = !holds;
      // controls a widget placed in the item itself (step labels, box overlay) follow it
      for (const part of form.querySelectorAll(`[data-question="${CSS.escape(set.dataset.question)}"]:not(fieldset)`)) {
        part.toggleAttribute("hidden", !holds);
      }
    }
    const type = set.dataset.type;
    if (!set.disabled && (type === "single_choice" || type === "multi_choice")) {
      const values = [...set.querySelectorAll("input:checked")].map((i) => i.value);
      chosen.set(set.dataset.question, values);
    }
  }
}

function countText(area) {
  const count = area.parentElement?.querySelector(".text-count");
  if (count) count.textContent = String([...area.value].length); // code points, as the server counts
}

// Start every widget in a freshly shown task, then say the page is ready to use.
function start(container) {
  const form = container.querySelector("#task-form");
  for (const root of container.querySelectorAll("[data-widget]")) {
    const widget = WIDGETS[root.dataset.widget];
    if (!widget || root.dataset.started) continue;
    root.dataset.started = "true";
    try {
      widget.init(root);
    } catch (error) {
      root.dataset.failed = "true";
      console.error(`the ${root.dataset.widget} widget failed to start`, error);
    }
  }
  if (!form) return;
  applyConditions(form);
  form.addEventListener("change", () => applyConditions(form));
  form.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement && event.target.classList.contains("text-answer")) {
      countText(event.target);
    }
  });
  form.dataset.ready = "true";
  performance.mark("tessera:annotate-ready");
}

// Chat turns: formatted markdown or the plain text as written, per field.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest(".chat-format") : null;
  const field = button?.closest(".field-chat");
  if (!field) return;
  const plain = field.classList.toggle("show-plain");
  button.setAttribute("aria-pressed", String(plain));
  button.textContent = plain ? "Show formatted" : "Show as plain text";
});

// A new task starts with nothing focused, so the hotkeys apply to it at once.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target instanceof HTMLElement && event.target.id === "task") {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    start(event.target);
  }
});

// A page rendered with its task already in it (one's own submitted answer).
if (document.querySelector("#task-form")) start(document);
