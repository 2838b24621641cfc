"""Time until the annotate page is usable, measured in the browser (Debian's chromium).

Three heavy tasks, each on its own project of one item, served by `tessera serve` (SQLite):

- a 100,000-token agent trajectory (200 steps, about 400,000 characters) with step labels;
- an image (1920x1080 PNG, uploaded media) with 1,000 boxes on it;
- a pairwise task with two 5,000-word markdown responses and per-criterion judgements.

"Usable" is the moment the page's script has started every widget of the task and set
`#task-form[data-ready]`, when it also sets the performance mark `tessera:annotate-ready`;
the figure is that mark's time, which the browser counts from navigation start, so it
includes the page, the htmx request for the task, the server's rendering and the widgets.

The 1,000 boxes come back the way an annotator sees a saved answer during work: the bench
sets them as the boxes answer and submits without the other required question, so the
server answers 422 and re-renders the task with the 1,000 boxes in place; that figure is
click to ready (performance.now). Then one box is dragged by the mouse in 60 steps while a
requestAnimationFrame loop records frame times; the median, 95th percentile and worst frame
are printed.

    python bench/bench_annotate_page.py            # 3 runs each
    python bench/bench_annotate_page.py --runs 5
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import struct
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

from bench_import import OWNER, make_lab
from harness import Row, machine, markdown, median, serving
from tessera.formats.base import ImportFormat
from tessera.services import accounts, imports, media, projects
from tessera.startup import open_database

PASSWORD = "bench password 123"
WORDS = [
    "the",
    "model",
    "answers",
    "each",
    "question",
    "with",
    "care",
    "and",
    "cites",
    "its",
    "sources",
]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((x * 7) % 256 for x in range(width * 3)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def words(rng: random.Random, n: int) -> str:
    out = []
    for i in range(0, n, 100):
        out.append(" ".join(rng.choices(WORDS, k=min(100, n - i))).capitalize() + ".")
    return "\n\n".join(out)


def trajectory(rng: random.Random) -> list[dict[str, object]]:
    steps: list[dict[str, object]] = []
    for i in range(200):
        steps.append(
            {
                "role": "assistant",
                "thought": words(rng, 165),
                "tool_calls": [
                    {"name": "search", "arguments": {"query": words(rng, 12), "page": i}}
                ],
                "observation": words(rng, 175),
            }
        )
    return steps


PROJECTS: dict[str, dict[str, object]] = {
    "trajectory": {
        "fields": [{"name": "run", "type": "trajectory"}],
        "questions": [{"name": "steps", "type": "step_labels", "field": "run"}],
    },
    "boxes": {
        "fields": [{"name": "photo", "type": "image"}],
        "questions": [
            {"name": "ok", "type": "single_choice", "options": ["yes", "no"]},
            {"name": "objects", "type": "boxes", "field": "photo", "labels": ["car", "person"]},
        ],
    },
    "pairwise": {
        "fields": [
            {"name": "a", "type": "markdown"},
            {"name": "b", "type": "markdown"},
        ],
        "questions": [
            {
                "name": "preference",
                "type": "pairwise",
                "a": "a",
                "b": "b",
                "strength_levels": 3,
                "criteria": [{"name": "helpful"}, {"name": "honest"}],
            }
        ],
    },
}


def setup(root: Path) -> tuple[Any, dict[str, int]]:
    lab = make_lab(root, None)
    rng = random.Random(5)
    database = open_database(lab.settings)
    ids: dict[str, int] = {}
    try:
        with database.session() as db:
            owner = accounts.authenticate(db, email=OWNER, password=PASSWORD)
            for name, schema in PROJECTS.items():
                p = projects.create_project(
                    db, actor=owner, workspace_id=lab.workspace_id, name=name, label_schema=schema
                )
                ids[name] = p.id
                if name == "trajectory":
                    content: dict[str, object] = {"run": trajectory(rng)}
                elif name == "boxes":
                    m = media.upload_media(
                        db,
                        actor=owner,
                        workspace_id=lab.workspace_id,
                        project_id=p.id,
                        data=png(1920, 1080),
                    )
                    content = {"photo": {"src": f"media:{m.id}", "width": 1920, "height": 1080}}
                else:
                    content = {"a": words(rng, 5000), "b": words(rng, 5000)}
                imports.import_items(
                    db,
                    actor=owner,
                    workspace_id=lab.workspace_id,
                    project_id=p.id,
                    stream=io.BytesIO(json.dumps(content).encode()),
                    fmt=ImportFormat.JSONL,
                )
    finally:
        database.dispose()
    return lab, ids


def ready_ms(page: Any) -> float:
    page.wait_for_selector("#task-form[data-ready='true']", timeout=120_000)
    mark: float = page.evaluate(
        "performance.getEntriesByName('tessera:annotate-ready').at(-1).startTime"
    )
    return mark


def thousand_boxes() -> str:
    rng = random.Random(1)
    boxes = []
    for _ in range(1000):
        w, h = rng.randint(20, 120), rng.randint(20, 120)
        boxes.append(
            {
                "shape": "rectangle",
                "label": rng.choice(["car", "person"]),
                "x": rng.randint(0, 1920 - w),
                "y": rng.randint(0, 1080 - h),
                "width": w,
                "height": h,
            }
        )
    boxes.append(
        {"shape": "rectangle", "label": "car", "x": 900, "y": 500, "width": 120, "height": 80}
    )
    return json.dumps(boxes)


DRAG_RECORDER = """() => {
  window.__frames = [];
  let last = performance.now();
  const tick = (t) => {
    window.__frames.push(t - last);
    last = t;
    if (window.__recording) requestAnimationFrame(tick);
  };
  window.__recording = true;
  requestAnimationFrame(tick);
}"""


def measure_boxes(page: Any, url: str) -> tuple[float, float, float, float, int]:
    page.goto(url)
    ready_ms(page)
    page.evaluate(
        "(v) => { document.querySelector(\"input[name='q.objects']\").value = v; }",
        thousand_boxes(),
    )
    started = page.evaluate("performance.now()")
    page.click("#submit-button")  # 'ok' is unanswered: 422, re-rendered with the boxes
    page.wait_for_selector("#question-ok .question-error", timeout=120_000)
    page.wait_for_selector("#task-form[data-ready='true']", timeout=120_000)
    swap_ms = (
        page.evaluate("performance.getEntriesByName('tessera:annotate-ready').at(-1).startTime")
        - started
    )
    count = int(page.get_attribute("[data-image-field='photo']", "data-boxes") or 0)
    target = page.locator("rect.box").last  # the 120x80 box in the middle, drawn on top
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(DRAG_RECORDER)
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 61):
        page.mouse.move(x + i * 3, y + i * 2)
    page.mouse.up()
    page.evaluate("window.__recording = false")
    moved = json.loads(page.input_value("input[name='q.objects']"))[-1]
    if moved["x"] == 900:
        raise RuntimeError("the drag did not move the box")
    frames: list[float] = page.evaluate("window.__frames.slice(1)")
    frames = sorted(frames or [0.0])
    p95 = frames[min(len(frames) - 1, int(0.95 * len(frames)))]
    return swap_ms, median(frames), p95, max(frames), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="tessera-bench-annotate-"))
    try:
        lab, ids = setup(root)
        results: dict[str, list[float]] = {
            k: []
            for k in (
                "trajectory",
                "pairwise",
                "boxes_page",
                "boxes_swap",
                "drag_median",
                "drag_p95",
                "drag_worst",
            )
        }
        count = 0
        with serving(lab.settings.data_dir, lab.env) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(server.url + "/login")
            page.fill("input[name=email]", OWNER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server.url + "/")
            base = f"{server.url}/w/{lab.workspace_id}/p"
            for _ in range(args.runs):
                for name in ("trajectory", "pairwise"):
                    page.goto(f"{base}/{ids[name]}/annotate")
                    results[name].append(ready_ms(page))
                page.goto(f"{base}/{ids['boxes']}/annotate")
                results["boxes_page"].append(ready_ms(page))
                swap, drag_median, drag_p95, drag_worst, count = measure_boxes(
                    page, f"{base}/{ids['boxes']}/annotate"
                )
                results["drag_p95"].append(drag_p95)
                results["boxes_swap"].append(swap)
                results["drag_median"].append(drag_median)
                results["drag_worst"].append(drag_worst)
            browser.close()
        how = "navigation start to performance mark tessera:annotate-ready (widgets started)"
        rows = [
            Row(
                "annotate page",
                "100k-token trajectory, 200 steps, step labels: ms to usable",
                f"{median(results['trajectory']):.0f}",
                args.runs,
                how,
            ),
            Row(
                "annotate page",
                "pairwise, two 5,000-word markdown responses, 2 criteria: ms to usable",
                f"{median(results['pairwise']):.0f}",
                args.runs,
                how,
            ),
            Row(
                "annotate page",
                "1920x1080 image, no boxes yet: ms to usable",
                f"{median(results['boxes_page']):.0f}",
                args.runs,
                how,
            ),
            Row(
                "annotate page",
                f"same image re-rendered with {count} boxes (422 retry): ms to usable",
                f"{median(results['boxes_swap']):.0f}",
                args.runs,
                "submit click to the ready mark (performance.now)",
            ),
            Row(
                "annotate page",
                f"drag one of {count} boxes, 60 pointer moves: median frame ms",
                f"{median(results['drag_median']):.1f}",
                args.runs,
                "requestAnimationFrame intervals during the drag",
            ),
            Row(
                "annotate page",
                f"drag one of {count} boxes: 95th percentile frame ms",
                f"{median(results['drag_p95']):.1f}",
                args.runs,
                "95th percentile rAF interval during the drag (median over runs)",
            ),
            Row(
                "annotate page",
                f"drag one of {count} boxes: worst frame ms",
                f"{median(results['drag_worst']):.1f}",
                args.runs,
                "longest rAF interval during the drag (median over runs)",
            ),
        ]
        print(machine())
        print(markdown(rows))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
