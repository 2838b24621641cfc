"""Small PNG street scenes drawn in code for the object-detection template, with their boxes.

No image files ship with Tessera: each scene is drawn from a seed (road, cars, people, trees,
traffic lights) and encoded as PNG with the standard library, so the boxes are known exactly.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass

WIDTH = 320
HEIGHT = 240
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Box:
    label: str
    x: int
    y: int
    width: int
    height: int

    def to_answer(self) -> dict[str, object]:
        return {
            "label": self.label,
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class Scene:
    png: bytes
    boxes: tuple[Box, ...]
    width: int = WIDTH
    height: int = HEIGHT


class _Canvas:
    def __init__(self, width: int, height: int, background: Color) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, color: Color) -> None:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(color) * (x1 - x0)
        for yy in range(y0, y1):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def disc(self, cx: int, cy: int, r: int, color: Color) -> None:
        for dy in range(-r, r + 1):
            half = int((r * r - dy * dy) ** 0.5)
            self.rect(cx - half, cy + dy, 2 * half + 1, 1, color)

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )


_SKIES: tuple[Color, ...] = ((150, 200, 240), (120, 170, 220), (240, 190, 150), (200, 205, 210))
_CAR_COLORS: tuple[Color, ...] = (
    (200, 40, 40),
    (30, 80, 170),
    (235, 235, 235),
    (40, 40, 45),
    (230, 190, 40),
    (90, 150, 90),
)
_CLOTHES: tuple[Color, ...] = ((60, 60, 140), (150, 50, 50), (50, 110, 60), (90, 90, 90))
ROAD_TOP = 150


def draw_scene(seed: int) -> Scene:
    """A street scene: the same seed always draws the same picture and boxes."""
    rnd = random.Random(seed)  # noqa: S311 (a drawing, not a secret)
    c = _Canvas(WIDTH, HEIGHT, rnd.choice(_SKIES))
    c.rect(0, 110, WIDTH, ROAD_TOP - 110, (120, 170, 90))  # verge
    c.rect(0, ROAD_TOP, WIDTH, HEIGHT - ROAD_TOP, (85, 85, 90))  # road
    for x in range(0, WIDTH, 40):
        c.rect(x + 8, 192, 22, 4, (235, 235, 235))  # lane marks
    boxes: list[Box] = []
    for _ in range(rnd.randint(1, 2)):
        boxes.append(_tree(c, rnd.randint(10, WIDTH - 50), rnd))
    if rnd.random() < 0.6:
        boxes.append(_traffic_light(c, rnd.randint(20, WIDTH - 30)))
    for _ in range(rnd.randint(1, 3)):
        boxes.append(_person(c, rnd.randint(5, WIDTH - 20), rnd))
    lanes = [165, 200]
    rnd.shuffle(lanes)
    for lane in lanes[: rnd.randint(1, 2)]:
        boxes.append(_car(c, rnd.randint(0, WIDTH - 90), lane, rnd))
    return Scene(png=c.png(), boxes=tuple(boxes))


def _car(c: _Canvas, x: int, y: int, rnd: random.Random) -> Box:
    w, h = rnd.randint(70, 90), 26
    color = rnd.choice(_CAR_COLORS)
    c.rect(x + 14, y - 14, w - 30, 15, color)  # cabin
    c.rect(x + 18, y - 11, w - 38, 9, (170, 210, 235))  # windows
    c.rect(x, y, w, h - 8, color)  # body
    for wx in (x + 14, x + w - 14):
        c.disc(wx, y + h - 8, 8, (25, 25, 25))
    return Box("car", x, y - 14, w, h + 14)


def _person(c: _Canvas, x: int, rnd: random.Random) -> Box:
    y = rnd.randint(118, 135)
    c.disc(x + 6, y + 5, 5, (225, 185, 150))  # head
    c.rect(x, y + 10, 13, 20, rnd.choice(_CLOTHES))  # body
    c.rect(x + 1, y + 30, 4, 14, (40, 40, 60))  # legs
    c.rect(x + 8, y + 30, 4, 14, (40, 40, 60))
    return Box("person", x, y, 13, 44)


def _tree(c: _Canvas, x: int, rnd: random.Random) -> Box:
    r = rnd.randint(16, 24)
    top = 112 - 2 * r - 20
    c.rect(x + r - 4, top + 2 * r - 4, 8, 26, (110, 75, 40))  # trunk
    c.disc(x + r, top + r, r, (50, 130, 60))  # crown
    return Box("tree", x, top, 2 * r + 1, 2 * r + 22)


def _traffic_light(c: _Canvas, x: int) -> Box:
    c.rect(x + 5, 70, 4, 80, (60, 60, 60))  # pole
    c.rect(x, 40, 14, 34, (30, 30, 30))  # housing
    for i, color in enumerate(((220, 40, 40), (230, 180, 40), (40, 190, 80))):
        c.disc(x + 7, 46 + i * 11, 4, color)
    return Box("traffic_light", x, 40, 14, 110)
