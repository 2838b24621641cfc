// Boxes: rectangles and polygons on one SVG laid over the image. Mouse: drag on the image to
// draw, drag a shape to move it, drag a corner to resize (a polygon's corners move one by
// one), P starts a polygon (click points, Enter or a double click closes it). Keyboard
// (focus the image): R adds a rectangle, [ and ] select, arrows move (Shift: 10x), Alt+arrows
// resize, Delete removes, a label key relabels. Only the shape being changed is touched, once
// per animation frame, so 1,000 boxes stay smooth.
import { currentLabel, el, labelIndex, save, setup } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const MIN_SIZE = 2; // image pixels: smaller drags are clicks, not boxes

export function init(root) {
  const config = JSON.parse(root.dataset.config);
  const frame = document.querySelector(`[data-image-field="${CSS.escape(config.field)}"]`);
  const img = frame?.querySelector("img");
  // Without a stated size the image's own size is the coordinate space: wait for it.
  if (!config.image && img && !img.complete) {
    img.addEventListener("load", () => start(root, frame, img), { once: true });
    img.addEventListener("error", () => start(root, frame, img), { once: true });
    return;
  }
  if (frame) start(root, frame, img);
}

function start(root, frame, img) {
  const w = setup(root);
  const { config } = w;
  const size = config.image ?? { width: img?.naturalWidth || 1000, height: img?.naturalHeight || 1000 };
  const W = size.width;
  const H = size.height;
  const scale = config.coordinates === "normalized" ? { x: W, y: H } : { x: 1, y: 1 };
  frame.classList.add("has-boxes");
  if (!img) frame.style.aspectRatio = `${W} / ${H}`;

  const svg = svgEl("svg", { class: "box-layer", "data-question": w.name, viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", tabindex: "0", role: "application", "aria-label": "Boxes: drag to draw, R adds a rectangle" });
  const layer = svgEl("g", { class: "boxes" });
  const handles = svgEl("g", { class: "handles" });
  const draft = svgEl("polyline", { class: "draft" });
  const cross = svgEl("circle", { class: "crosshair", r: Math.max(W, H) / 200, cx: W / 2, cy: H / 2 });
  cross.style.display = "none";
  svg.append(layer, draft, handles, cross);
  frame.append(svg);

  const boxes = []; // {shape, label, x, y, width, height} or {shape, label, points}; pixels
  const nodes = [];
  for (const b of Array.isArray(w.value) ? w.value : []) boxes.push(fromAnswer(b, scale));
  let selected = -1;
  let polygon = null; // points of a polygon being drawn
  const status = el("span", { class: "muted box-count" });
  const rectButton = el("button", { type: "button", class: "btn btn-sm" }, "Rectangle ", el("kbd", {}, "R"));
  const polyButton = el("button", { type: "button", class: "btn btn-sm" }, "Polygon ", el("kbd", {}, "P"));
  const delButton = el("button", { type: "button", class: "btn btn-sm" }, "Delete ", el("kbd", {}, "Del"));
  if (!config.shapes.includes("rectangle")) rectButton.hidden = true;
  if (!config.shapes.includes("polygon")) polyButton.hidden = true;
  w.body.append(el("div", { class: "box-tools" }, rectButton, polyButton, delButton, status));

  const store = () => {
    status.textContent = `${boxes.length} shape${boxes.length === 1 ? "" : "s"}`;
    frame.dataset.boxes = String(boxes.length);
    save(w, boxes.map((b) => toAnswer(b, scale, W, H)));
  };
  const shapeNode = (b, i) => {
    const node = b.shape === "polygon" ? svgEl("polygon", {}) : svgEl("rect", {});
    node.dataset.i = String(i);
    place(node, b);
    node.setAttribute("class", `box label-${labelIndex(w, b.label)}`);
    return node;
  };
  const redrawAll = () => {
    layer.textContent = "";
    nodes.length = 0;
    boxes.forEach((b, i) => {
      const node = shapeNode(b, i);
      nodes.push(node);
      layer.append(node);
    });
    select(Math.min(selected, boxes.length - 1));
  };
  const handleSize = () => {
    const r = svg.getBoundingClientRect();
    return r.width ? (8 * W) / r.width : W / 100;
  };
  const placeHandles = () => {
    handles.textContent = "";
    const b = boxes[selected];
    if (!b) return;
    const s = handleSize();
    if (b.shape === "polygon") {
      b.points.forEach(([x, y], k) => {
        handles.append(svgEl("rect", { class: "handle vertex", x: x - s / 2, y: y - s / 2, width: s, height: s, "data-vertex": k }));
      });
      return;
    }
    for (const [cx, cy, corner] of [[b.x, b.y, "nw"], [b.x + b.width, b.y, "ne"], [b.x, b.y + b.height, "sw"], [b.x + b.width, b.y + b.height, "se"]]) {
      handles.append(svgEl("rect", { class: "handle", x: cx - s / 2, y: cy - s / 2, width: s, height: s, "data-corner": corner }));
    }
  };
  const select = (i) => {
    nodes[selected]?.classList.remove("selected");
    selected = i;
    nodes[selected]?.classList.add("selected");
    frame.dataset.selected = String(selected);
    placeHandles();
  };
  const add = (b) => {
    if (boxes.length >= config.max_boxes) return;
    boxes.push(b);
    const node = shapeNode(b, boxes.length - 1);
    nodes.push(node);
    layer.append(node);
    select(boxes.length - 1);
    store();
  };
  const remove = () => {
    if (selected < 0) return;
    boxes.splice(selected, 1);
    selected = boxes.length ? Math.min(selected, boxes.length - 1) : -1;
    redrawAll();
    store();
  };
  const newRectangle = () => {
    if (!config.shapes.includes("rectangle")) return;
    add({ shape: "rectangle", label: currentLabel(w), x: W * 0.4, y: H * 0.4, width: W * 0.2, height: H * 0.2 });
  };

  // Pointer gestures: state kept here, the DOM updated at most once per frame.
  let gesture = null;
  let frameRequested = false;
  const toImage = (event, rect) => ({
    x: clamp(((event.clientX - rect.left) / rect.width) * W, 0, W),
    y: clamp(((event.clientY - rect.top) / rect.height) * H, 0, H),
  });
  const apply = () => {
    frameRequested = false;
    if (!gesture) return;
    const { kind, start, now, orig } = gesture;
    const dx = now.x - start.x;
    const dy = now.y - start.y;
    const b = boxes[gesture.i];
    if (kind === "move") moveTo(b, orig, dx, dy, W, H);
    else if (kind === "resize" && gesture.vertex !== undefined) b.points[gesture.vertex] = [now.x, now.y];
    else if (kind === "resize") resize(b, orig, gesture.corner, now);
    else if (kind === "draw") Object.assign(b, normal(start, now));
    place(nodes[gesture.i], b);
    placeHandles();
  };
  svg.addEventListener("pointerdown", (event) => {
    if (w.readonly || event.button !== 0) return;
    svg.focus({ preventScroll: true });
    const rect = svg.getBoundingClientRect();
    const p = toImage(event, rect);
    if (polygon) {
      polygon.push([p.x, p.y]);
      draft.setAttribute("points", polygon.map((q) => q.join(",")).join(" "));
      return;
    }
    const target = event.target;
    let kind = null;
    if (target.classList?.contains("handle")) kind = "resize";
    else if (target.classList?.contains("box")) {
      select(Number(target.dataset.i));
      kind = "move";
    } else if (config.shapes.includes("rectangle") && boxes.length < config.max_boxes) {
      add({ shape: "rectangle", label: currentLabel(w), x: p.x, y: p.y, width: 0, height: 0 });
      kind = "draw";
    }
    if (!kind || selected < 0) return;
    event.preventDefault();
    svg.setPointerCapture(event.pointerId);
    const vertex = target.dataset?.vertex === undefined ? undefined : Number(target.dataset.vertex);
    gesture = { kind, i: selected, start: p, now: p, rect, orig: structuredClone(boxes[selected]), corner: target.dataset?.corner, vertex };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!gesture) return;
    gesture.now = toImage(event, gesture.rect);
    if (!frameRequested) {
      frameRequested = true;
      requestAnimationFrame(apply);
    }
  });
  const finish = () => {
    if (!gesture) return;
    apply();
    const b = boxes[gesture.i];
    const tooSmall = b.shape === "rectangle" && (b.width < MIN_SIZE * (W / 1000) || b.height < MIN_SIZE * (H / 1000));
    gesture = null;
    if (tooSmall) remove();
    else store();
  };
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", finish);
  svg.addEventListener("dblclick", () => closePolygon());

  const startPolygon = () => {
    if (!config.shapes.includes("polygon")) return;
    polygon = [];
    draft.setAttribute("points", "");
    frame.classList.add("drawing-polygon");
    cross.style.display = "";
  };
  const closePolygon = () => {
    if (!polygon) return;
    const points = dedupe(polygon);
    polygon = null;
    draft.setAttribute("points", "");
    frame.classList.remove("drawing-polygon");
    cross.style.display = "none";
    if (points.length >= 3) add({ shape: "polygon", label: currentLabel(w), points });
  };
  rectButton.addEventListener("click", newRectangle);
  polyButton.addEventListener("click", () => {
    startPolygon();
    svg.focus();
  });
  delButton.addEventListener("click", remove);
  root.addEventListener("change", (event) => {
    if (!event.target.matches?.(".widget-labels input") || selected < 0) return;
    boxes[selected].label = event.target.value;
    nodes[selected].setAttribute("class", `box selected label-${labelIndex(w, event.target.value)}`);
    store();
  });

  svg.addEventListener("keydown", (event) => {
    if (w.readonly || event.ctrlKey || event.metaKey) return;
    const k = event.key;
    const step = (event.shiftKey ? 10 : 1) * Math.max(W, H) / 1000;
    const arrows = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (polygon && arrows[k]) {
      event.preventDefault();
      cross.setAttribute("cx", clamp(Number(cross.getAttribute("cx")) + arrows[k][0] * 10, 0, W));
      cross.setAttribute("cy", clamp(Number(cross.getAttribute("cy")) + arrows[k][1] * 10, 0, H));
    } else if (polygon && k === " ") {
      event.preventDefault();
      polygon.push([Number(cross.getAttribute("cx")), Number(cross.getAttribute("cy"))]);
      draft.setAttribute("points", polygon.map((q) => q.join(",")).join(" "));
    } else if (polygon && k === "Enter") {
      event.preventDefault();
      closePolygon();
    } else if (k === "Escape" && polygon) {
      event.preventDefault();
      polygon = [];
      closePolygon();
    } else if (k === "r" || k === "R") {
      event.preventDefault();
      newRectangle();
    } else if (k === "p" || k === "P") {
      event.preventDefault();
      startPolygon();
    } else if ((k === "]" || k === "[") && boxes.length) {
      event.preventDefault();
      select((selected + (k === "]" ? 1 : -1) + boxes.length) % boxes.length);
    } else if ((k === "Delete" || k === "Backspace") && selected >= 0) {
      event.preventDefault();
      remove();
    } else if (arrows[k] && selected >= 0) {
      event.preventDefault();
      const b = boxes[selected];
      const [dx, dy] = arrows[k];
      if (event.altKey && b.shape === "rectangle") {
        b.width = clamp(b.width + dx, MIN_SIZE, W - b.x);
        b.height = clamp(b.height + dy, MIN_SIZE, H - b.y);
      } else {
        moveTo(b, structuredClone(b), dx, dy, W, H);
      }
      place(nodes[selected], b);
      placeHandles();
      store();
    }
  });
  redrawAll();
  if (w.value) store();
  else status.textContent = "0 shapes";
  frame.dataset.boxes = String(boxes.length);
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function place(node, b) {
  if (b.shape === "polygon") {
    node.setAttribute("points", b.points.map((p) => p.join(",")).join(" "));
    return;
  }
  node.setAttribute("x", b.x);
  node.setAttribute("y", b.y);
  node.setAttribute("width", b.width);
  node.setAttribute("height", b.height);
}

function clamp(v, lo, hi) {
  return Math.min(Math.max(v, lo), hi);
}

function normal(a, b) {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
}

function moveTo(b, orig, dx, dy, W, H) {
  if (b.shape === "polygon") {
    const xs = orig.points.map((p) => p[0]);
    const ys = orig.points.map((p) => p[1]);
    const mx = clamp(dx, -Math.min(...xs), W - Math.max(...xs));
    const my = clamp(dy, -Math.min(...ys), H - Math.max(...ys));
    b.points = orig.points.map(([x, y]) => [x + mx, y + my]);
    return;
  }
  b.x = clamp(orig.x + dx, 0, W - orig.width);
  b.y = clamp(orig.y + dy, 0, H - orig.height);
}

function resize(b, orig, corner, p) {
  const fixed = {
    x: corner.includes("w") ? orig.x + orig.width : orig.x,
    y: corner.includes("n") ? orig.y + orig.height : orig.y,
  };
  Object.assign(b, normal(fixed, p));
}

function dedupe(points) {
  return points.filter((p, i) => i === 0 || p[0] !== points[i - 1][0] || p[1] !== points[i - 1][1]);
}

function round(v, digits) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function fromAnswer(b, scale) {
  if (b.shape === "polygon" || b.points) {
    return { shape: "polygon", label: b.label, points: b.points.map(([x, y]) => [x * scale.x, y * scale.y]) };
  }
  return { shape: "rectangle", label: b.label, x: b.x * scale.x, y: b.y * scale.y, width: b.width * scale.x, height: b.height * scale.y };
}

// Pixels to the question's coordinates, rounded, never past the image's edge.
function toAnswer(b, scale, W, H) {
  const digits = scale.x === 1 ? 2 : 6;
  const fx = (v) => round(clamp(v, 0, W) / scale.x, digits);
  const fy = (v) => round(clamp(v, 0, H) / scale.y, digits);
  if (b.shape === "polygon") {
    return { shape: "polygon", label: b.label, points: b.points.map(([x, y]) => [fx(x), fy(y)]) };
  }
  const x = fx(b.x);
  const y = fy(b.y);
  return {
    shape: "rectangle",
    label: b.label,
    x,
    y,
    width: Math.max(round(fx(b.x + b.width) - x, digits), 10 ** -digits),
    height: Math.max(round(fy(b.y + b.height) - y, digits), 10 ** -digits),
  };
}
