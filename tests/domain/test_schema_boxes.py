"""Box answers: rectangles and polygons inside the image, in pixels or normalized units."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.domain.errors import InvalidInput
from tessera.domain.label_schema import LabelSchema, parse_label_schema

IMAGE = {"src": "media:photo-1", "width": 640, "height": 480}


def boxes_schema(**settings: Any) -> LabelSchema:
    return parse_label_schema(
        {
            "fields": [{"name": "photo", "type": "image"}],
            "questions": [
                {
                    "name": "objects",
                    "type": "boxes",
                    "field": "photo",
                    "labels": ["car", "person"],
                    **settings,
                }
            ],
        }
    )


def check(schema: LabelSchema, boxes: Any, image: Any = IMAGE) -> Any:
    return schema.validate_answer({"objects": boxes}, {"photo": image})["objects"]


def refused(schema: LabelSchema, boxes: Any, image: Any = IMAGE) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        check(schema, boxes, image)
    return err.value


def test_rectangles_and_polygons_in_pixels() -> None:
    boxes = [
        {"label": "car", "x": 10, "y": 20, "width": 100.5, "height": 50},
        {"label": "person", "points": [[0, 0], [640, 0], [320, 480]]},
        {"shape": "rectangle", "label": "car", "x": 0, "y": 0, "width": 640, "height": 480},
    ]
    assert check(boxes_schema(), boxes) == [
        {"shape": "rectangle", "label": "car", "x": 10, "y": 20, "width": 100.5, "height": 50},
        {"shape": "polygon", "label": "person", "points": [[0, 0], [640, 0], [320, 480]]},
        {"shape": "rectangle", "label": "car", "x": 0, "y": 0, "width": 640, "height": 480},
    ]


@pytest.mark.parametrize(
    ("box", "field"),
    [
        ({"label": "car", "x": 600, "y": 0, "width": 41, "height": 10}, "objects[0].width"),
        ({"label": "car", "x": 0, "y": 470, "width": 1, "height": 11}, "objects[0].height"),
        ({"label": "car", "x": -1, "y": 0, "width": 1, "height": 1}, "objects[0].x"),
        ({"label": "car", "x": 0, "y": 481, "width": 1, "height": 1}, "objects[0].y"),
        ({"label": "car", "x": 0, "y": 0, "width": 0, "height": 1}, "objects[0].width"),
        ({"label": "car", "x": 0, "y": 0, "width": 1, "height": -2}, "objects[0].height"),
        ({"label": "car", "x": "1", "y": 0, "width": 1, "height": 1}, "objects[0].x"),
        ({"label": "car", "x": float("nan"), "y": 0, "width": 1, "height": 1}, "objects[0].x"),
        ({"label": "truck", "x": 0, "y": 0, "width": 1, "height": 1}, "objects[0].label"),
        ({"label": "car", "x": 0, "y": 0, "width": 1, "height": 1, "z": 0}, "objects[0]"),
        ({"label": "car", "points": [[0, 0], [700, 0], [0, 10]]}, "objects[0].points[1]"),
        ({"label": "car", "points": [[0, 0], [1, 0]]}, "objects[0].points"),
        ({"label": "car", "points": [[0, 0], [1, 1], [2, 2]]}, "objects[0].points"),
        ({"label": "car", "points": [[0, 0], [1, 0], [1]]}, "objects[0].points[2]"),
        ({"label": "car", "points": [[0, 0], [1, 0], [1, -0.5]]}, "objects[0].points[2]"),
        ({"shape": "circle", "label": "car"}, "objects[0].shape"),
        ("car", "objects[0]"),
    ],
)
def test_bad_boxes_name_the_path(box: Any, field: str) -> None:
    err = refused(boxes_schema(), [box])
    assert err.field == field


def test_outside_the_image_says_so() -> None:
    err = refused(boxes_schema(), [{"label": "car", "points": [[0, 0], [641, 0], [0, 9]]}])
    assert "outside the image" in err.detail and "640" in err.detail


def test_normalized_coordinates_need_no_size() -> None:
    s = boxes_schema(coordinates="normalized", shapes=["rectangle"])
    assert not s.needs_content
    box = {"label": "car", "x": 0.25, "y": 0.5, "width": 0.75, "height": 0.5}
    assert s.validate_answer({"objects": [box]}) == {"objects": [{"shape": "rectangle", **box}]}
    s.validate_content({"photo": "photo.jpg"})  # no size needed at import either
    err = refused(s, [{"label": "car", "x": 0.5, "y": 0, "width": 0.6, "height": 0.1}], "a.jpg")
    assert err.field == "objects[0].width" and "0..1" in err.detail
    err = refused(s, [{"label": "car", "points": [[0, 0], [1, 0], [0, 1]]}], "a.jpg")
    assert err.field == "objects[0]" and "polygon" in err.detail


def test_pixel_boxes_on_an_image_without_size_are_refused() -> None:
    err = refused(boxes_schema(), [], image="photo.jpg")
    assert err.field == "objects"


def test_edge_rounding_is_tolerated() -> None:
    box = {"label": "car", "x": 0.1, "y": 0, "width": 639.9000000000001, "height": 480}
    assert check(boxes_schema(), [box])


def test_many_boxes_and_the_cap() -> None:
    box = {"label": "car", "x": 1, "y": 1, "width": 2, "height": 2}
    assert len(check(boxes_schema(), [box] * 1000)) == 1000
    assert refused(boxes_schema(max_boxes=3), [box] * 4).field == "objects"


@pytest.mark.parametrize(
    "settings",
    [
        {"field": "missing"},
        {"shapes": []},
        {"shapes": ["rectangle", "rectangle"]},
        {"shapes": ["ellipse"]},
        {"coordinates": "percent"},
        {"labels": []},
        {"max_boxes": 0},
    ],
)
def test_bad_box_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        boxes_schema(**settings)
    assert err.value.field is not None and err.value.field.startswith("questions[0]")


def test_boxes_need_an_image_field() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_label_schema(
            {
                "fields": [{"name": "t"}],
                "questions": [{"name": "b", "type": "boxes", "field": "t", "labels": ["x"]}],
            }
        )
    assert err.value.field == "questions[0]" and "image" in err.value.detail
