// Keyboard shortcuts of the annotate page. Listeners sit on `document` (event delegation),
// so they keep working after htmx swaps in the next task.

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
  if (!form || event.defaultPrevented || event.isComposing) return;
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

// A new task starts with nothing focused, so the hotkeys apply to it at once.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target instanceof HTMLElement && event.target.id === "task") {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  }
});
