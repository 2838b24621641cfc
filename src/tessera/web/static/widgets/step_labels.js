// Step labels: correct / neutral / incorrect beside each judged step of a chat or trajectory,
// an optional rewrite, and the first error worked out as you go. Keyboard on a step's
// buttons: C, N, X label it (and move on), J/K go to the next/previous step, R rewrites.
import { checkValue, el, plainKey, radioGroup, save, setup } from "./common.js";

const LABELS = [
  { value: "correct", text: "Correct", key: "C" },
  { value: "neutral", text: "Neutral", key: "N" },
  { value: "incorrect", text: "Incorrect", key: "X" },
];
const KEYS = { c: "correct", n: "neutral", x: "incorrect" };

export function init(root) {
  const w = setup(root);
  const { config } = w;
  const field = document.querySelector(`[data-field="${CSS.escape(config.field)}"]`);
  const labels = new Map();
  for (const s of w.value?.steps ?? []) labels.set(s.index, { label: s.label, rewrite: s.rewrite ?? "" });
  const summary = el("div", { class: "step-summary muted", "aria-live": "polite" });
  w.body.append(summary);
  const controls = [];

  const store = () => {
    const steps = [...labels.entries()]
      .filter(([, s]) => s.label)
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => {
        const out = { index, label: s.label };
        if (config.allow_rewrite && s.label !== "correct" && s.rewrite.trim()) out.rewrite = s.rewrite;
        return out;
      });
    const wrong = steps.filter((s) => s.label === "incorrect").map((s) => s.index);
    const firstError = wrong.length ? Math.min(...wrong) : null;
    summary.textContent = `${steps.length} of ${config.judged.length} steps labelled · first error: ${firstError === null ? "none" : `step ${firstError}`}`;
    for (const c of controls) c.box.classList.toggle("after-error", firstError !== null && c.index > firstError);
    save(w, steps.length ? { steps, first_error: firstError } : null);
  };

  config.judged.forEach((index, position) => {
    const host = field?.querySelector(`[data-step="${index}"]`);
    if (!host) return;
    const state = labels.get(index) ?? { label: null, rewrite: "" };
    labels.set(index, state);
    const rewrite = el("textarea", { class: "step-rewrite", rows: "3", placeholder: "A better version of this step", "aria-label": `Rewrite of step ${index}` });
    rewrite.value = state.rewrite;
    rewrite.hidden = !config.allow_rewrite || !state.rewrite;
    rewrite.addEventListener("input", () => {
      state.rewrite = rewrite.value;
      store();
    });
    const group = radioGroup(`steplabel.${w.name}.${index}`, LABELS, state.label ?? "", (v) => {
      state.label = v;
      store();
    }, "step-choice");
    const box = el("div", { class: "step-label", "data-question": w.name, "data-index": index }, group);
    if (config.allow_rewrite) {
      const button = el("button", { type: "button", class: "btn btn-sm btn-ghost" }, "Rewrite ", el("kbd", {}, "R"));
      button.addEventListener("click", () => openRewrite());
      box.append(button, rewrite);
    }
    const openRewrite = () => {
      rewrite.hidden = false;
      rewrite.focus();
    };
    const focusStep = (p) => {
      const target = controls[p];
      if (!target) return;
      (target.box.querySelector("input:checked") ?? target.box.querySelector("input")).focus();
      target.box.scrollIntoView({ block: "nearest" });
    };
    box.addEventListener("keydown", (event) => {
      if (event.target === rewrite) {
        if (event.key === "Escape") focusStep(position);
        return;
      }
      if (!plainKey(event)) return;
      const k = event.key.toLowerCase();
      if (KEYS[k]) {
        event.preventDefault();
        state.label = KEYS[k];
        checkValue(group, state.label);
        store();
        focusStep(position + 1 < controls.length ? position + 1 : position);
      } else if (k === "j" || k === "k") {
        event.preventDefault();
        focusStep(position + (k === "j" ? 1 : -1));
      } else if (k === "r" && config.allow_rewrite) {
        event.preventDefault();
        openRewrite();
      }
    });
    controls.push({ index, box });
    host.append(box);
  });
  if (w.value) store();
  else summary.textContent = `0 of ${config.judged.length} steps labelled`;
}
