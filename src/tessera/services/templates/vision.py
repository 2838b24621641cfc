"""Templates over images: object detection with boxes on generated street scenes."""

from __future__ import annotations

from tessera.services.templates.pictures import HEIGHT, WIDTH, draw_scene
from tessera.services.templates.template import PICTURE_SCHEME, Template

SCENE_SEEDS = tuple(range(101, 113))
_PLACES = (
    "Harbour Road, morning",
    "Market Street, noon",
    "Ring road exit 4",
    "School lane, 15:10",
    "Old town square",
    "Station approach",
    "Riverside drive",
    "Industrial estate gate",
    "Hospital roundabout",
    "Park avenue",
    "Stadium car park",
    "Bridge street, dusk",
)

OBJECT_DETECTION = Template(
    key="object_detection",
    title="Object detection (boxes)",
    description="Draw a box around every car, person, tree and traffic light in street scenes.",
    guidelines=(
        "Draw tight boxes: the box touches the object's outermost pixels. Box every visible "
        "object, including partly hidden ones; do not box reflections or shadows. A traffic "
        "light's box includes its pole."
    ),
    label_schema={
        "fields": [
            {"name": "photo", "type": "image", "title": "Street camera"},
            {"name": "location", "type": "text", "title": "Location"},
        ],
        "questions": [
            {
                "name": "objects",
                "type": "boxes",
                "title": "Objects",
                "field": "photo",
                "labels": [
                    {"value": "car", "hotkey": "c"},
                    {"value": "person", "hotkey": "p"},
                    {"value": "tree", "hotkey": "t"},
                    {"value": "traffic_light", "label": "traffic light", "hotkey": "l"},
                ],
                "shapes": ["rectangle"],
                "coordinates": "pixels",
            },
            {
                "name": "visibility",
                "type": "single_choice",
                "title": "Image quality",
                "options": ["clear", "blurred", "too dark"],
                "required": False,
            },
        ],
    },
    items=tuple(
        {
            "external_id": f"scene-{seed}",
            "photo": {"src": f"{PICTURE_SCHEME}{seed}", "width": WIDTH, "height": HEIGHT},
            "location": place,
        }
        for seed, place in zip(SCENE_SEEDS, _PLACES, strict=True)
    ),
    example_answer={
        "objects": [b.to_answer() for b in draw_scene(SCENE_SEEDS[0]).boxes],
        "visibility": "clear",
    },
)
