// The review page: keyboard keys for accept / reject / fix, and the question widgets of the
// fix panel. Every decision is a plain form post; the keys press the same buttons a mouse does.
import * as boxes from "./widgets/boxes.js";
import * as pairwise from "./widgets/pairwise.js";
import * as ranking from "./widgets/ranking.js";
import * as rating from "./widgets/rating.js";
import * as spans from "./widgets/spans.js";
import * as stepLabels from "./widgets/step_labels.js";

const WIDGETS = { boxes, pairwise, ranking, rating, spans, step_labels: stepLabels };
const TYPING = new Set(["text", "search", "email", "number", "password", "url", "tel"]);
const REJECTIONS = { r: "return-button", p: "pool-button" };

function isTyping(el) {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLSelectElement) return true;
  return el instanceof HTMLInputElement && TYPING.has(el.type);
}

// Option hotkeys of the fix panel, as on the annotate page.
function optionFor(panel, key) {
  for (const input of panel.querySelectorAll("input[data-hotkey]")) {
    if (input.dataset.hotkey.toLowerCase() === key.toLowerCase()) return input;
  }
  return null;
}

function press(form, id) {
  const button = document.getElementById(id);
  if (button) form.requestSubmit(button);
}

// A rejection needs a reason: the key focuses the reason box (remembering which rejection),
// and Enter there sends it; with a reason typed already, the key sends it at once.
function reject(form, key) {
  const reason = document.getElementById("review-reason");
  if (reason.value.trim()) {
    press(form, REJECTIONS[key]);
    return;
  }
  reason.dataset.pending = REJECTIONS[key];
  reason.placeholder = "Reason, then Enter";
  reason.focus();
}

function startWidgets(root) {
  for (const el of root.querySelectorAll("[data-widget]")) {
    const widget = WIDGETS[el.dataset.widget];
    if (!widget || el.dataset.started) continue;
    el.dataset.started = "true";
    try {
      widget.init(el);
    } catch (error) {
      el.dataset.failed = "true";
      console.error(`the ${el.dataset.widget} widget failed to start`, error);
    }
  }
}

document.addEventListener("keydown", (event) => {
  const form = document.getElementById("review-form");
  if (!form || event.defaultPrevented || event.isComposing) return;
  const target = event.target;
  const panel = document.getElementById("fix-panel");
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    press(form, "fix-button");
    return;
  }
  if (isTyping(target)) {
    if (event.key === "Enter" && target.id === "review-reason") {
      event.preventDefault();
      if (target.dataset.pending) press(form, target.dataset.pending);
    } else if (event.key === "Escape") {
      target.blur();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "a") {
    event.preventDefault();
    press(form, "accept-button");
  } else if (key === "r" || key === "p") {
    event.preventDefault();
    reject(form, key);
  } else if (key === "f") {
    event.preventDefault();
    panel.open = true;
    panel.querySelector("input, textarea")?.focus();
  } else if (event.key === "Enter") {
    if (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) return;
    event.preventDefault(); // never let Enter submit the form with its first button (accept)
    if (panel.open) press(form, "fix-button");
  } else if (panel.open) {
    const option = optionFor(panel, event.key);
    if (option) {
      event.preventDefault();
      option.checked = option.type === "radio" ? true : !option.checked;
      option.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
});

const form = document.getElementById("review-form");
if (form) {
  startWidgets(form);
  form.dataset.ready = "true";
}
