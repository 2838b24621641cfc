// Pairwise preference: A, tie or B, with a strength, overall and per criterion when the
// schema has criteria. Keyboard inside a row: A, T, B choose; 1-9 set the strength.
import { checkValue, el, plainKey, radioGroup, save, setup } from "./common.js";

const STRENGTH_WORDS = { 1: "slightly", 2: "clearly", 3: "much" };

export function init(root) {
  const w = setup(root);
  const { config } = w;
  const previous = w.value && typeof w.value === "object" ? w.value : {};
  const judgements = { "": pick(previous) };
  for (const c of config.criteria) judgements[c.name] = pick(previous.criteria?.[c.name]);

  const store = () => {
    const overall = judgements[""];
    if (!overall.choice) {
      save(w, null);
      return;
    }
    const out = clean(overall, config);
    if (config.criteria.length) {
      out.criteria = {};
      for (const c of config.criteria) {
        if (judgements[c.name].choice) out.criteria[c.name] = clean(judgements[c.name], config);
      }
    }
    save(w, out);
  };

  const rows = [{ name: "", title: "Overall" }, ...config.criteria];
  for (const row of rows) {
    const j = judgements[row.name];
    const choices = [
      { value: "a", text: "A is better", key: "A" },
      ...(config.allow_tie ? [{ value: "tie", text: "Tie", key: "T" }] : []),
      { value: "b", text: "B is better", key: "B" },
    ];
    const line = el("div", { class: "pair-row", "data-criterion": row.name, tabindex: "-1" });
    const strength = strengthGroup(w, row, j, store);
    const choose = (v) => {
      j.choice = v;
      strength.hidden = v === "tie" || config.strength_levels === 0;
      if (!strength.hidden && !j.strength) {
        j.strength = 1;
        checkValue(strength, 1);
      }
      store();
    };
    const group = radioGroup(`pair.${w.name}.${row.name}`, choices, j.choice, choose, "pair-choice");
    strength.hidden = !j.choice || j.choice === "tie" || config.strength_levels === 0;
    line.append(el("span", { class: "pair-title" }, row.title), group, strength);
    line.addEventListener("keydown", (event) => {
      if (!plainKey(event)) return;
      const k = event.key.toLowerCase();
      const choice = k === "a" ? "a" : k === "b" ? "b" : k === "t" && config.allow_tie ? "tie" : null;
      if (choice) {
        event.preventDefault();
        checkValue(group, choice);
        group.querySelector(`input[value="${choice}"]`)?.focus();
        choose(choice);
        return;
      }
      const n = Number(event.key);
      if (/^[1-9]$/.test(event.key) && n <= config.strength_levels && j.choice && j.choice !== "tie") {
        event.preventDefault();
        j.strength = n;
        checkValue(strength, n);
        store();
      }
    });
    w.body.append(line);
  }
}

function pick(v) {
  return v && typeof v === "object" ? { choice: v.choice ?? null, strength: v.strength ?? null } : { choice: null, strength: null };
}

function clean(j, config) {
  const out = { choice: j.choice };
  if (j.choice !== "tie" && config.strength_levels > 0) out.strength = j.strength ?? 1;
  return out;
}

function strengthGroup(w, row, j, store) {
  const choices = [];
  for (let s = 1; s <= w.config.strength_levels; s++) {
    choices.push({ value: s, text: STRENGTH_WORDS[s] ?? String(s), key: String(s) });
  }
  return radioGroup(`strength.${w.name}.${row.name}`, choices, j.strength ?? "", (v) => {
    j.strength = Number(v);
    store();
  }, "pair-strength");
}
