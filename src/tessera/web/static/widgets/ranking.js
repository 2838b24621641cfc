// Ranking: order the responses, best first. Mouse: drag a card. Keyboard: Up/Down move the
// focus, Shift+Up/Down (or Alt+Up/Down) move the focused response, O confirms the order.
import { el, save, setup } from "./common.js";

export function init(root) {
  const w = setup(root);
  const { config } = w;
  const items = config.field
    ? config.items
    : config.responses.map((name) => ({ id: name, text: preview(name) }));
  const known = new Set(items.map((i) => i.id));
  let order = items.map((i) => i.id);
  if (Array.isArray(w.value) && w.value.length === order.length && w.value.every((id) => known.has(id))) {
    order = [...w.value];
  }
  const byId = new Map(items.map((i) => [i.id, i]));
  const list = el("ol", { class: "rank-list" });
  const confirm = el("button", { type: "button", class: "btn btn-sm rank-confirm" }, "This order is right ", el("kbd", {}, "O"));
  w.body.append(list, confirm);

  const draw = (focusId) => {
    list.textContent = "";
    order.forEach((id, i) => {
      const item = byId.get(id);
      const card = el("li", { class: "rank-item", draggable: "true", tabindex: "0", "data-id": id },
        el("span", { class: "rank-pos" }, String(i + 1)),
        el("span", { class: "rank-text" }, item.text));
      list.append(card);
    });
    if (focusId !== undefined) list.querySelector(`[data-id="${CSS.escape(focusId)}"]`)?.focus();
  };
  const store = () => save(w, [...order]);
  const move = (id, to) => {
    const from = order.indexOf(id);
    if (to < 0 || to >= order.length || from === to) return;
    order.splice(from, 1);
    order.splice(to, 0, id);
    draw(id);
    store();
  };

  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    const card = event.target.closest?.(".rank-item");
    if (!card) return;
    dragged = card.dataset.id;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
  });
  list.addEventListener("dragover", (event) => {
    if (dragged !== null) event.preventDefault();
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const card = event.target.closest?.(".rank-item");
    if (!card || dragged === null) return;
    const rect = card.getBoundingClientRect();
    let to = order.indexOf(card.dataset.id);
    const after = event.clientY > rect.top + rect.height / 2;
    if (after && order.indexOf(dragged) > to) to += 1;
    if (!after && order.indexOf(dragged) < to) to -= 1;
    move(dragged, to);
    dragged = null;
  });
  list.addEventListener("dragend", () => {
    dragged = null;
  });
  list.addEventListener("keydown", (event) => {
    const card = event.target.closest?.(".rank-item");
    if (!card || event.ctrlKey || event.metaKey) return;
    const id = card.dataset.id;
    const i = order.indexOf(id);
    const step = event.key === "ArrowUp" ? -1 : event.key === "ArrowDown" ? 1 : 0;
    if (step !== 0) {
      event.preventDefault();
      if (event.shiftKey || event.altKey) move(id, i + step);
      else list.children[i + step]?.focus();
    } else if (event.key === "o" || event.key === "O") {
      event.preventDefault();
      store();
    }
  });
  confirm.addEventListener("click", store);
  draw();
}

function preview(fieldName) {
  const field = document.querySelector(`[data-field="${CSS.escape(fieldName)}"]`);
  const title = field?.querySelector(".item-field-title")?.textContent ?? fieldName;
  return title.trim() || fieldName;
}
