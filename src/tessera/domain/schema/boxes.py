"""Box questions: labelled rectangles and polygons over an image field.

Coordinates are a setting of the question, never a guess from the item: `pixels` (the
default; the image field must then state its `width` and `height`, and every shape must lie
inside them) or `normalized` (fractions 0..1 of the image's width and height, checkable
without knowing the size). The origin is the top-left corner; x grows right, y grows down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from tessera.domain.errors import InvalidInput
from tessera.domain.schema.content import image_size
from tessera.domain.schema.context import AnswerContext
from tessera.domain.schema.fields import Field, FieldType, field_ref
from tessera.domain.schema.reading import (
    Obj,
    as_list,
    as_object,
    is_number,
    read_choice,
    read_int,
    reject_unknown_keys,
)

MAX_BOXES = 10_000
MAX_POINTS = 1_000
# Widgets compute in floating point: allow a rounding error at the image's edge.
EDGE_TOLERANCE = 1e-9


class Shape(StrEnum):
    RECTANGLE = "rectangle"
    POLYGON = "polygon"


class Coordinates(StrEnum):
    PIXELS = "pixels"
    NORMALIZED = "normalized"


@dataclass(frozen=True)
class BoxesSpec:
    field: str
    shapes: tuple[Shape, ...] = (Shape.RECTANGLE, Shape.POLYGON)
    coordinates: Coordinates = Coordinates.PIXELS
    max_boxes: int = MAX_BOXES

    @property
    def needs_content(self) -> bool:
        return self.coordinates is Coordinates.PIXELS

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "shapes": [s.value for s in self.shapes],
            "coordinates": self.coordinates.value,
            "max_boxes": self.max_boxes,
        }

    def check_content(self, content: Mapping[str, object], question: str) -> None:
        """Pixel boxes can only be checked against an image whose size the item states."""
        if self.needs_content and image_size(content.get(self.field)) is None:
            raise InvalidInput(
                f"question {question!r} measures boxes in pixels: give this image as "
                '{"src": ..., "width": ..., "height": ...}',
                field=self.field,
            )

    def validate(self, answer: object, ctx: AnswerContext) -> object:
        boxes = as_list(answer, ctx.name, max_items=self.max_boxes)
        width, height = 1.0, 1.0
        if self.coordinates is Coordinates.PIXELS:
            size = image_size(ctx.field_value(self.field))
            if size is None:
                raise InvalidInput(
                    f"the item's image {self.field!r} does not state its size", field=ctx.name
                )
            width, height = float(size.width), float(size.height)
        bounds = _Bounds(width, height, self.coordinates)
        return [self._box(b, f"{ctx.name}[{i}]", bounds, ctx.labels) for i, b in enumerate(boxes)]

    def _box(
        self, raw: object, path: str, bounds: _Bounds, labels: frozenset[str]
    ) -> dict[str, object]:
        box = as_object(raw, path, "an object with a label and a rectangle or points")
        shape = _shape_of(box, path)
        if shape not in self.shapes:
            raise InvalidInput(f"this question does not take {shape.value}s", field=path)
        label = box.get("label")
        if not isinstance(label, str) or label not in labels:
            raise InvalidInput(f"unknown label {str(label)[:50]!r}", field=f"{path}.label")
        if shape is Shape.POLYGON:
            reject_unknown_keys(box, {"shape", "label", "points"}, path)
            points = _polygon(box.get("points"), f"{path}.points", bounds)
            return {"shape": shape.value, "label": label, "points": points}
        reject_unknown_keys(box, {"shape", "label", "x", "y", "width", "height"}, path)
        return {"shape": shape.value, "label": label, **_rectangle(box, path, bounds)}


@dataclass(frozen=True)
class _Bounds:
    width: float
    height: float
    coordinates: Coordinates

    def describe(self, axis: str) -> str:
        if self.coordinates is Coordinates.NORMALIZED:
            return f"{axis} must lie within 0..1 (normalized coordinates)"
        side = self.width if axis == "x" else self.height
        return f"{axis} must lie within the image, 0..{side:g} pixels"

    def limit(self, axis: str) -> float:
        side = self.width if axis == "x" else self.height
        return side * (1 + EDGE_TOLERANCE)


def _shape_of(box: Obj, path: str) -> Shape:
    default = Shape.POLYGON if "points" in box else Shape.RECTANGLE
    try:
        return Shape(str(box.get("shape", default)))
    except ValueError:
        raise InvalidInput("'shape' must be rectangle or polygon", field=f"{path}.shape") from None


def _coordinate(value: object, path: str, axis: str, bounds: _Bounds) -> float:
    if not is_number(value):
        raise InvalidInput("must be a number", field=path)
    v = float(cast(float, value))
    if not 0 <= v <= bounds.limit(axis):
        raise InvalidInput(f"box outside the image: {bounds.describe(axis)}", field=path)
    return v


def _rectangle(box: Obj, path: str, bounds: _Bounds) -> dict[str, float]:
    x = _coordinate(box.get("x"), f"{path}.x", "x", bounds)
    y = _coordinate(box.get("y"), f"{path}.y", "y", bounds)
    out = {"x": x, "y": y}
    for key, axis, origin in (("width", "x", x), ("height", "y", y)):
        size = box.get(key)
        if not is_number(size) or cast(float, size) <= 0:
            raise InvalidInput("must be a number above 0", field=f"{path}.{key}")
        if origin + cast(float, size) > bounds.limit(axis):
            raise InvalidInput(
                f"box outside the image: {axis} + {key} = {origin + cast(float, size):g}; "
                f"{bounds.describe(axis)}",
                field=f"{path}.{key}",
            )
        out[key] = float(cast(float, size))
    return _compact(out)


def _polygon(raw: object, path: str, bounds: _Bounds) -> list[list[float]]:
    points = as_list(raw, path, max_items=MAX_POINTS)
    if len(points) < 3:
        raise InvalidInput("a polygon needs at least 3 points", field=path)
    out: list[list[float]] = []
    for j, p in enumerate(points):
        at = f"{path}[{j}]"
        if not isinstance(p, list) or len(p) != 2:
            raise InvalidInput("a point is [x, y]", field=at)
        out.append([_coordinate(p[0], at, "x", bounds), _coordinate(p[1], at, "y", bounds)])
    if _area(out) == 0:
        raise InvalidInput("the polygon has no area", field=path)
    return [[_int_if_whole(x), _int_if_whole(y)] for x, y in out]


def _area(points: Sequence[Sequence[float]]) -> float:
    """Shoelace formula: twice the signed area; zero for collinear points."""
    n = len(points)
    return abs(
        sum(
            points[k][0] * points[(k + 1) % n][1] - points[(k + 1) % n][0] * points[k][1]
            for k in range(n)
        )
    )


def _int_if_whole(v: float) -> float:
    # Keep 10 as 10, not 10.0, so a stored answer reads back as it was sent.
    return int(v) if v.is_integer() else v


def _compact(values: dict[str, float]) -> dict[str, float]:
    return {k: _int_if_whole(v) for k, v in values.items()}


def parse_boxes(obj: Obj, path: str, fields: Mapping[str, Field]) -> BoxesSpec:
    raw_shapes = as_list(obj.get("shapes", ["rectangle", "polygon"]), f"{path}.shapes")
    shapes: list[Shape] = []
    for s in raw_shapes:
        if s not in (Shape.RECTANGLE.value, Shape.POLYGON.value) or Shape(s) in shapes:
            raise InvalidInput("'shapes' lists rectangle and/or polygon, once each", field=path)
        shapes.append(Shape(s))
    if not shapes:
        raise InvalidInput("'shapes' may not be empty", field=path)
    coordinates = read_choice(
        obj, "coordinates", Coordinates.PIXELS.value, [c.value for c in Coordinates], path
    )
    return BoxesSpec(
        field=field_ref(obj, "field", fields, {FieldType.IMAGE}, path),
        shapes=tuple(shapes),
        coordinates=Coordinates(coordinates),
        max_boxes=read_int(obj, "max_boxes", MAX_BOXES, path, lo=1, hi=MAX_BOXES),
    )
