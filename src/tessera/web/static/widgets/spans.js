// Spans: select text in the target field (mouse, or Shift+arrows after focusing the text),
// then press a label's key or click the label. Offsets are stored in Unicode code points,
// as the server counts them; the browser's strings count UTF-16 units, so every offset is
// converted. Selections snap to whole characters (grapheme clusters).
import { el, labelIndex, save, setup } from "./common.js";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const words = new Intl.Segmenter(undefined, { granularity: "word" });

export function init(root) {
  const w = setup(root);
  const { config } = w;
  const host = document.querySelector(`[data-span-field="${CSS.escape(config.field)}"]`);
  if (!host) return;
  const text = config.text;
  const toCp = codePointIndex(text); // UTF-16 index -> code point index
  const bounds = graphemes.segment(text); // lazy: asked only around the caret or selection

  let spans = []; // {start, end, label} in UTF-16 units while on the page
  for (const s of Array.isArray(w.value) ? w.value : []) {
    const [start, end] = [toU16(toCp, s.start), toU16(toCp, s.end)];
    if (start !== null && end !== null) spans.push({ start, end, label: s.label });
  }
  let pending = null;
  let caret = { anchor: 0, focus: 0 };
  const list = el("ul", { class: "span-list" });
  const hint = el("div", { class: "muted span-hint" }, "Select text, then press a label key.");
  w.body.append(hint, list);

  const store = () => save(w, spans.map((s) => ({ start: toCp[s.start], end: toCp[s.end], label: s.label, text: text.slice(s.start, s.end) })));

  const draw = () => {
    const cuts = new Set([0, text.length]);
    for (const s of spans) cuts.add(s.start).add(s.end);
    if (pending) cuts.add(pending.start).add(pending.end);
    const points = [...cuts].sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    for (let k = 0; k + 1 < points.length; k++) {
      const [a, b] = [points[k], points[k + 1]];
      const piece = text.slice(a, b);
      const covering = spans.filter((s) => s.start <= a && b <= s.end);
      const inPending = pending && pending.start <= a && b <= pending.end;
      if (!covering.length && !inPending) {
        frag.append(document.createTextNode(piece));
        continue;
      }
      const mark = el("mark", { class: "span-seg", "data-start": a });
      if (covering.length) mark.classList.add(`label-${labelIndex(w, covering[covering.length - 1].label)}`);
      if (covering.length > 1) mark.classList.add("overlap");
      if (inPending) mark.classList.add("pending");
      mark.title = covering.map((s) => s.label).join(", ");
      mark.append(document.createTextNode(piece));
      frag.append(mark);
    }
    host.textContent = "";
    host.append(frag);
    list.textContent = "";
    spans.forEach((s, i) => {
      const remove = el("button", { type: "button", class: "btn btn-sm btn-ghost span-remove", "aria-label": `Remove span ${i + 1}` }, "×");
      remove.addEventListener("click", () => {
        spans.splice(i, 1);
        draw();
        store();
      });
      list.append(el("li", { class: `span-item label-${labelIndex(w, s.label)}`, "data-start": toCp[s.start], "data-end": toCp[s.end] },
        el("span", { class: "span-label" }, s.label), " ", el("q", {}, text.slice(s.start, s.end)),
        el("span", { class: "muted" }, ` ${toCp[s.start]}–${toCp[s.end]}`), remove));
    });
    host.dataset.spans = String(spans.length);
  };

  const add = (label) => {
    if (!pending || pending.end <= pending.start) return;
    const s = { start: pending.start, end: pending.end, label };
    const same = spans.some((o) => o.start === s.start && o.end === s.end && o.label === label);
    const overlaps = spans.some((o) => o.start < s.end && s.start < o.end);
    if (same || (overlaps && !config.allow_overlap) || spans.length >= config.max_spans) {
      hint.textContent = same ? "That span is already there." : overlaps ? "Spans may not overlap in this question." : "No more spans allowed.";
      return;
    }
    spans.push(s);
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    pending = null;
    hint.textContent = "Select text, then press a label key.";
    window.getSelection()?.removeAllRanges();
    draw();
    store();
  };

  // The browser's selection as snapped UTF-16 offsets within the host, or null.
  const fromSelection = () => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!host.contains(range.startContainer) || !host.contains(range.endContainer)) return null;
    const a = offsetIn(host, range.startContainer, range.startOffset);
    const b = offsetIn(host, range.endContainer, range.endOffset);
    return snap(Math.min(a, b), Math.max(a, b), bounds, text.length);
  };
  host.addEventListener("mouseup", () => {
    const found = fromSelection();
    if (found) {
      pending = found;
      caret = { anchor: found.start, focus: found.end };
    }
  });
  const onLabel = (event) => {
    if (event.target.matches?.(".widget-labels input") && pending) add(event.target.value);
  };
  root.addEventListener("change", onLabel);
  root.addEventListener("click", onLabel);

  host.addEventListener("keydown", (event) => {
    const by = event.ctrlKey || event.altKey ? words.segment(text) : bounds;
    let next = null;
    if (event.key === "ArrowRight") next = stepTo(by, text.length, caret.focus, 1);
    else if (event.key === "ArrowLeft") next = stepTo(by, text.length, caret.focus, -1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = text.length;
    else if (event.key === "Escape") {
      pending = null;
      window.getSelection()?.removeAllRanges();
      draw();
      return;
    } else if ((event.key === "Delete" || event.key === "Backspace") && spans.length) {
      event.preventDefault();
      const at = caret.focus;
      const hit = spans.findLastIndex((s) => s.start <= at && at < s.end);
      spans.splice(hit >= 0 ? hit : spans.length - 1, 1);
      draw();
      store();
      return;
    }
    if (next === null) return;
    event.preventDefault();
    caret = event.shiftKey ? { anchor: caret.anchor, focus: next } : { anchor: next, focus: next };
    const [a, b] = [Math.min(caret.anchor, caret.focus), Math.max(caret.anchor, caret.focus)];
    pending = a < b ? { start: a, end: b } : null;
    draw();
    host.dataset.caret = String(toCp[caret.focus]);
  });
  host.addEventListener("focus", () => host.classList.add("span-focus"));
  host.addEventListener("blur", () => host.classList.remove("span-focus"));
  draw();
}

function isLowSurrogate(text, i) {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
}

function codePointIndex(text) {
  const map = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    if (!isLowSurrogate(text, i + 1)) cp += 1;
  }
  map[text.length] = cp;
  // a low surrogate's own index maps to the code point it ends
  return map;
}

// The UTF-16 index of a code point offset (binary search: the table never decreases), or null.
function toU16(toCp, cp) {
  let lo = 0;
  let hi = toCp.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (toCp[mid] < cp) lo = mid + 1;
    else hi = mid;
  }
  return toCp[lo] === cp ? lo : null;
}

// The next boundary after (dir 1) or before (dir -1) `from`, in Intl.Segmenter segments.
function stepTo(segments, length, from, dir) {
  if (dir > 0) {
    if (from >= length) return length;
    const s = segments.containing(from);
    return s.index + s.segment.length;
  }
  return from <= 0 ? 0 : segments.containing(from - 1).index;
}

// Widen a..b to whole characters (grapheme clusters), as the server's offset rules ask.
function snap(a, b, segments, length) {
  const start = a >= length ? length : segments.containing(a).index;
  const end = b <= 0 ? 0 : stepTo(segments, length, b - 1, 1);
  return start < end ? { start, end } : null;
}

function offsetIn(host, node, offset) {
  if (node.nodeType !== Node.TEXT_NODE) {
    // a position between children: count the text of the children before it
    let total = 0;
    for (let i = 0; i < offset && i < node.childNodes.length; i++) total += node.childNodes[i].textContent.length;
    return node === host ? total : offsetIn(host, node.firstChild ?? node, 0) + total;
  }
  let total = 0;
  const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n === node) return total + offset;
    total += n.textContent.length;
  }
  return total;
}
