"""Templates over plain text: sentiment classification, named entities, SFT writing."""

from __future__ import annotations

from tessera.services.templates.template import Template, span

_POSTS = (
    (
        "Battery lasts two full days even with GPS on. Finally a phone that keeps up with me.",
        "phone",
    ),
    (
        "Ordered the large, got a medium, and support took nine days to answer. Never again.",
        "apparel",
    ),
    ("The blender is loud but it crushes ice in seconds. Worth it for smoothies.", "kitchen"),
    ("Arrived on time. It is a cable. It charges the laptop.", "electronics"),
    ("Love the fabric, hate the zipper: it snagged on day one.", "apparel"),
    ("Setup took 3 minutes and the app just works. The kids use it without help.", "smart home"),
    ("Cheaper than the brand name and honestly indistinguishable. Buying two more.", "kitchen"),
    ("The screen cracked in my pocket after a week. Replacement was quick, though.", "phone"),
    ("Instructions were in the box. Assembly was as described.", "furniture"),
    ("Absolutely stunning colour in person, photos do not do it justice!", "furniture"),
    (
        "Stopped connecting to wifi after the firmware update. Useless until they fix it.",
        "smart home",
    ),
    ("Great headphones for calls; music sounds flat compared to my old pair.", "electronics"),
    ("Fastest delivery I have had all year and the packaging was plastic-free.", "kitchen"),
    ("It does what it says. Nothing more, nothing less.", "electronics"),
)

SENTIMENT = Template(
    key="sentiment",
    title="Sentiment classification",
    description="Label each short customer post as positive, negative, neutral or mixed.",
    guidelines=(
        "Judge the writer's overall attitude to the product.\n\n"
        "Mixed: clearly positive about one thing and negative about another. "
        "Neutral: states facts with no opinion.\n\n"
        "Tick every aspect the post mentions; leave them all clear if none applies."
    ),
    label_schema={
        "fields": [
            {"name": "post", "type": "text", "title": "Customer post"},
            {"name": "category", "type": "text", "title": "Product category"},
        ],
        "questions": [
            {
                "name": "sentiment",
                "type": "single_choice",
                "title": "Overall sentiment",
                "options": ["positive", "negative", "neutral", "mixed"],
            },
            {
                "name": "aspects",
                "type": "multi_choice",
                "title": "Aspects mentioned",
                "options": ["quality", "price", "delivery", "support", "ease of use"],
                "required": False,
            },
        ],
    },
    items=tuple(
        {"external_id": f"post-{i + 1:02d}", "post": post, "category": category}
        for i, (post, category) in enumerate(_POSTS)
    ),
    example_answer={"sentiment": "positive", "aspects": ["quality"]},
)

_NEWS = (
    "Maria Okafor joined Siemens Healthineers in Erlangen on 3 March 2025 as head of imaging.",
    "The European Central Bank left rates unchanged on Thursday, said Christine Lagarde.",
    "Kenji Watanabe flew from Osaka to Nairobi to open Toyota Tsusho's new office.",
    "On 12 July, the city council of Porto approved a tram line designed by Arup.",
    "Priya Raman, a researcher at the Allen Institute, presented the results in Seattle.",
    "Oxfam and the Red Cross delivered water to Derna a week after the floods.",
    "Lucas Moreau will replace Anne Dubois as chief executive of Danone in January.",
    "Samsung opened a chip plant in Taylor, Texas, on 15 October 2024.",
    "The University of Cape Town and CERN signed a data-sharing agreement in Geneva.",
    "Ahmed Al-Sayed, mayor of Alexandria, met engineers from Bechtel on Monday.",
    "Nomvula Dlamini won the Comrades Marathon for Nedbank Running Club in June 2023.",
    "Statistics Norway reported in Oslo that exports fell for a third month in August.",
)

NER = Template(
    key="ner",
    title="Named entities (spans)",
    description="Mark people, organisations, places and dates in news sentences.",
    guidelines=(
        "Select the shortest span that names the entity: no leading articles, no trailing "
        "punctuation. Titles ('mayor', 'head of imaging') are not part of a person's name. "
        "A date is any calendar reference ('3 March 2025', 'Thursday', 'January')."
    ),
    label_schema={
        "fields": [{"name": "sentence", "type": "text", "title": "Sentence"}],
        "questions": [
            {
                "name": "entities",
                "type": "spans",
                "title": "Entities",
                "field": "sentence",
                "labels": [
                    {"value": "PER", "label": "Person", "hotkey": "p"},
                    {"value": "ORG", "label": "Organisation", "hotkey": "o"},
                    {"value": "LOC", "label": "Location", "hotkey": "l"},
                    {"value": "DATE", "label": "Date", "hotkey": "d"},
                ],
            }
        ],
    },
    items=tuple({"external_id": f"news-{i + 1:02d}", "sentence": s} for i, s in enumerate(_NEWS)),
    example_answer={
        "entities": [
            span(_NEWS[0], "Maria Okafor", "PER"),
            span(_NEWS[0], "Siemens Healthineers", "ORG"),
            span(_NEWS[0], "Erlangen", "LOC"),
            span(_NEWS[0], "3 March 2025", "DATE"),
        ]
    },
)

_BRIEFS = (
    ("Explain to a 10-year-old why the sky is blue.", "children", 60, 200),
    ("Write a polite email declining a meeting invitation for next Tuesday.", "business", 50, 150),
    ("Summarise the causes of the 2008 financial crisis in one paragraph.", "economics", 80, 220),
    ("Give step-by-step instructions to reset a home wifi router.", "how-to", 60, 200),
    ("Write a product description for a reusable bamboo toothbrush.", "marketing", 50, 150),
    ("Explain the difference between a virus and a bacterium.", "health", 70, 200),
    ("Draft a short apology to a customer whose parcel arrived damaged.", "support", 50, 150),
    ("Describe how a bill becomes law in a parliamentary system.", "civics", 80, 220),
    (
        "Write a haiku-style poem about the first snow, then explain its imagery.",
        "creative",
        40,
        150,
    ),
    ("Explain what a Python list comprehension is, with one example.", "programming", 50, 180),
    ("Suggest a three-day itinerary for a first visit to Lisbon.", "travel", 80, 250),
    ("Explain compound interest using a savings account example.", "finance", 60, 200),
)

SFT_WRITING = Template(
    key="sft_writing",
    title="SFT demonstrations (writing)",
    description="Write the ideal assistant answer to each prompt, within the word budget.",
    guidelines=(
        "Write the answer you would want a model to learn from: correct, direct, in plain "
        "language, formatted only when it helps. Stay within the length bounds shown (the "
        "server counts characters). Do not mention that you are an AI."
    ),
    label_schema={
        "fields": [
            {"name": "prompt", "type": "markdown", "title": "Prompt"},
            {"name": "domain", "type": "text", "title": "Domain"},
        ],
        "questions": [
            {
                "name": "response",
                "type": "text",
                "title": "Your answer",
                "min_length": 200,
                "max_length": 2500,
            },
            {
                "name": "difficulty",
                "type": "single_choice",
                "title": "How hard was this to answer well?",
                "options": ["easy", "medium", "hard"],
            },
        ],
    },
    items=tuple(
        {
            "external_id": f"brief-{i + 1:02d}",
            "prompt": f"{prompt}\n\n*Aim for about {lo}-{hi} words.*",
            "domain": domain,
        }
        for i, (prompt, domain, lo, hi) in enumerate(_BRIEFS)
    ),
    example_answer={
        "response": (
            "Sunlight looks white, but it is really a mix of every colour. When it enters the "
            "air, it bumps into tiny gas molecules. Blue light travels in short, choppy waves, "
            "so it gets bounced around the sky much more than red or yellow light, which have "
            "longer waves. That scattered blue light reaches your eyes from every direction, "
            "so the whole sky looks blue. At sunset the light travels through much more air, "
            "most of the blue is scattered away before it reaches you, and the sky turns "
            "orange and red."
        ),
        "difficulty": "easy",
    },
)
