// Rating: one Likert row, or one row per rubric criterion. Mouse: click a score. Keyboard:
// Tab to a row, then a number key (0 means 10) or the arrow keys.
import { checkValue, el, plainKey, radioGroup, save, setup } from "./common.js";

export function init(root) {
  const w = setup(root);
  const { config } = w;
  const rows = config.criteria.length
    ? config.criteria
    : [{ name: null, title: "", min: config.min, max: config.max, required: true }];
  const scores = {};
  if (config.criteria.length && w.value && typeof w.value === "object") Object.assign(scores, w.value);
  if (!config.criteria.length && Number.isInteger(w.value)) scores[""] = w.value;

  const store = () => {
    if (!config.criteria.length) {
      save(w, Number.isInteger(scores[""]) ? scores[""] : null);
      return;
    }
    const answered = Object.keys(scores).length > 0;
    save(w, answered ? { ...scores } : null);
  };

  for (const row of rows) {
    const key = row.name ?? "";
    const choices = [];
    for (let s = row.min; s <= row.max; s++) choices.push({ value: s, text: String(s) });
    const group = radioGroup(`rate.${w.name}.${key}`, choices, scores[key], (v) => {
      scores[key] = Number(v);
      store();
    });
    const line = el("div", { class: "rating-row", "data-criterion": key, tabindex: "-1" });
    if (row.title) line.append(el("span", { class: "rating-title" }, row.title, row.required ? "" : " (optional)"));
    line.append(el("span", { class: "muted rating-scale" }, `${row.min}`), group, el("span", { class: "muted rating-scale" }, `${row.max}`));
    line.addEventListener("keydown", (event) => {
      if (!plainKey(event) || !/^[0-9]$/.test(event.key)) return;
      let n = Number(event.key);
      if (n === 0 && row.max >= 10) n = 10;
      if (n < row.min || n > row.max) return;
      event.preventDefault();
      scores[key] = n;
      checkValue(group, n);
      group.querySelector(`input[value="${n}"]`)?.focus();
      store();
    });
    w.body.append(line);
  }
}
