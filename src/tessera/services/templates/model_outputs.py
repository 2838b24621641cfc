"""Templates over model outputs: pairwise preference, ranking, rubric grading, chat rating."""

from __future__ import annotations

from tessera.services.templates.template import Template

# (prompt, response A, response B): B is sometimes better, sometimes a tie, sometimes unsafe.
_PAIRS = (
    (
        "How do I remove a stripped screw?",
        "Press a wide rubber band between the screwdriver and the screw head to add grip, "
        "then turn slowly with firm downward pressure. If that fails, use a screw extractor "
        "bit: drill a small pilot hole, then reverse the extractor out.",
        "Just drill it out. Any drill bit works.",
    ),
    (
        "What is the capital of Australia?",
        "Sydney is the capital of Australia.",
        "Canberra. It was purpose-built as a compromise between Sydney and Melbourne and "
        "became the seat of government in 1927.",
    ),
    (
        "Write a one-line motto for a community garden.",
        "Grow together, eat together.",
        "Where neighbours put down roots.",
    ),
    (
        "My neighbour's dog barks all night. How can I get into their house to deal with it?",
        "I can't help with getting into someone else's home. You could talk to your "
        "neighbour when you are both calm, keep a log of the nights it happens, and if that "
        "does not work contact your local council's noise or animal-control service.",
        "Check whether a window or the back door is unlocked at night; most people forget.",
    ),
    (
        "Convert 72 degrees Fahrenheit to Celsius.",
        "(72 - 32) x 5/9 = 22.2 degrees Celsius.",
        "72 F is about 22 C.",
    ),
    (
        "Is it safe to take ibuprofen with coffee?",
        "Generally yes: there is no known harmful interaction between ibuprofen and caffeine, "
        "and some combination painkillers contain both. Take ibuprofen with food to protect "
        "your stomach, and ask a pharmacist if you have ulcers, kidney problems or take "
        "blood thinners.",
        "No, never combine them, it is very dangerous.",
    ),
    (
        "Summarise the plot of Romeo and Juliet in two sentences.",
        "Two teenagers from feuding families in Verona fall in love and marry in secret. A "
        "chain of misunderstandings leads both to take their own lives, which finally "
        "reconciles their families.",
        "Romeo and Juliet, from rival houses, secretly marry; a banishment and a failed plan "
        "involving a sleeping potion end in both their deaths, ending the feud.",
    ),
    (
        "Give me a regex that matches a US ZIP code.",
        r"`^\d{5}(-\d{4})?$` matches 5-digit ZIP codes and the optional ZIP+4 suffix.",
        r"`\d+`",
    ),
    (
        "What's a good name for a grey cat?",
        "Smokey, Ash, Pebble, Earl Grey or Graphite.",
        "Cats are independent animals that were domesticated around 10,000 years ago.",
    ),
    (
        "Explain recursion briefly.",
        "Recursion is when a function solves a problem by calling itself on a smaller piece "
        "of the same problem, until it reaches a case simple enough to answer directly.",
        "Recursion: see recursion.",
    ),
    (
        "How many litres are in a gallon?",
        "A US gallon is 3.785 litres; an imperial (UK) gallon is 4.546 litres.",
        "About 3.8 litres in the US gallon, 4.5 in the imperial one.",
    ),
    (
        "Draft a tweet announcing our café now opens at 7am.",
        "Early birds, rejoice! From Monday we open at 7am. First flat white is on us this week.",
        "We are open earlier.",
    ),
)

PAIRWISE = Template(
    key="pairwise",
    title="RLHF pairwise preference",
    description="Compare two assistant responses to the same prompt, overall and per criterion.",
    guidelines=(
        "Read the prompt, then both responses in full. Prefer the response that is more "
        "helpful, honest and harmless, in that order unless safety is at stake: a "
        "response that helps with harm always loses. Use 'tie' only when you would be happy "
        "to ship either. Strength: 1 slightly better, 2 better, 3 much better."
    ),
    label_schema={
        "fields": [
            {"name": "prompt", "type": "markdown", "title": "Prompt"},
            {"name": "response_a", "type": "markdown", "title": "Response A"},
            {"name": "response_b", "type": "markdown", "title": "Response B"},
        ],
        "questions": [
            {
                "name": "preference",
                "type": "pairwise",
                "title": "Which response is better?",
                "a": "response_a",
                "b": "response_b",
                "allow_tie": True,
                "strength_levels": 3,
                "criteria": [
                    {"name": "helpful", "title": "Helpfulness"},
                    {"name": "honest", "title": "Honesty"},
                    {"name": "harmless", "title": "Harmlessness"},
                ],
            },
            {
                "name": "rationale",
                "type": "text",
                "title": "Why? (one or two sentences)",
                "required": False,
                "max_length": 1000,
            },
        ],
    },
    items=tuple(
        {"external_id": f"pair-{i + 1:02d}", "prompt": p, "response_a": a, "response_b": b}
        for i, (p, a, b) in enumerate(_PAIRS)
    ),
    example_answer={
        "preference": {
            "choice": "a",
            "strength": 3,
            "criteria": {
                "helpful": {"choice": "a", "strength": 3},
                "honest": {"choice": "tie"},
                "harmless": {"choice": "a", "strength": 1},
            },
        },
        "rationale": "A gives two working methods; B's advice can ruin the hole.",
    },
    annotations_per_item=2,
)

_RANKED = (
    (
        "Suggest a name for a budgeting app aimed at students.",
        ("Pennywise", "BudgetBuddy 3000 Pro Max", "CampusCash", "Money"),
    ),
    (
        "What should I pack for a day hike in autumn?",
        (
            "Water, snacks, a warm layer, rain jacket, map, phone, headlamp and a small first-aid "
            "kit.",
            "A tent and a sleeping bag.",
            "Water and a jacket.",
            "Layers (it gets cold fast after sunset), 1.5 L of water, food, map or offline app, "
            "headlamp, whistle, first aid; tell someone your route.",
        ),
    ),
    (
        "Translate 'Where is the train station?' into Spanish.",
        (
            "¿Dónde está la estación de tren?",
            "¿Dónde está la estación?",
            "Where is el tren?",
            "¿Dónde queda la estación de trenes?",
        ),
    ),
    (
        "Give a one-sentence definition of photosynthesis.",
        (
            "Photosynthesis is how plants turn light, water and carbon dioxide into sugar and "
            "oxygen.",
            "It's a plant thing with the sun.",
            "The process by which chlorophyll-containing organisms convert light energy into "
            "chemical energy stored in glucose, releasing oxygen.",
            "Photosynthesis makes plants green.",
        ),
    ),
    (
        "Recommend a first programming language for a data analyst.",
        (
            "Python: pandas, notebooks and a huge community for analysis.",
            "Assembly, to really understand the machine.",
            "SQL first, since most data lives in databases, then Python.",
            "R, if your team is already statistics-heavy.",
        ),
    ),
    (
        "Write a subject line for a newsletter about spring gardening tips.",
        (
            "Spring Gardening Tips",
            "Your garden is waking up: 5 things to do this weekend",
            "NEWSLETTER #14",
            "Dig in: seeds, soil and the first sunny days",
        ),
    ),
    (
        "How long should I boil an egg for a runny yolk?",
        (
            "About 6 minutes from boiling for a large egg, then into cold water.",
            "20 minutes.",
            "6 to 6.5 minutes in gently boiling water; cool it under the tap for 1 minute.",
            "Until it's done.",
        ),
    ),
    (
        "Explain what an API is to a non-technical manager.",
        (
            "An API is a menu that lets one program order services from another without "
            "knowing how the kitchen works.",
            "Application Programming Interface.",
            "It's how apps talk to each other: our app asks the payment company's system to "
            "charge a card, and gets back yes or no.",
            "APIs are REST endpoints returning JSON over HTTPS with OAuth2.",
        ),
    ),
    (
        "Suggest a healthy snack under 200 calories.",
        (
            "An apple with a tablespoon of peanut butter (about 190 kcal).",
            "A large milkshake.",
            "Greek yoghurt with berries, roughly 150 kcal and high in protein.",
            "Carrot sticks with hummus.",
        ),
    ),
    (
        "Give me a fun fact about octopuses.",
        (
            "Octopuses have three hearts and blue blood.",
            "Octopuses are fish.",
            "Each arm has its own cluster of neurons, so an arm can taste and react on its own.",
            "They have eight arms.",
        ),
    ),
)

RANKING = Template(
    key="ranking",
    title="Response ranking",
    description="Order four candidate responses from best to worst.",
    guidelines=(
        "Drag the responses (or use the keyboard) into order, best first. Correctness comes "
        "first, then usefulness, then style. Wrong or unsafe answers go to the bottom even "
        "when they are well written."
    ),
    label_schema={
        "fields": [
            {"name": "prompt", "type": "text", "title": "Prompt"},
            {"name": "candidates", "type": "json", "title": "Candidate responses"},
        ],
        "questions": [
            {
                "name": "order",
                "type": "ranking",
                "title": "Best to worst",
                "field": "candidates",
            }
        ],
    },
    items=tuple(
        {
            "external_id": f"rank-{i + 1:02d}",
            "prompt": prompt,
            "candidates": [{"id": f"r{j + 1}", "text": text} for j, text in enumerate(candidates)],
        }
        for i, (prompt, candidates) in enumerate(_RANKED)
    ),
    example_answer={"order": ["r3", "r1", "r4", "r2"]},
)

_ESSAYS = (
    (
        "Should cities make public transport free?",
        "Free public transport sounds generous, but it is not free: someone pays. In Tallinn, "
        "where buses have been free for residents since 2013, ridership rose by only about 10 "
        "per cent, and many new riders were people who used to walk. A better use of the same "
        "money is more frequent service, because waiting time, not the fare, is what keeps "
        "drivers in their cars.",
    ),
    (
        "Is remote work good for junior employees?",
        "Remote work is great for everyone. Juniors can work from anywhere and they save time. "
        "Companies save money on offices. So remote work is good.",
    ),
    (
        "Explain why the Roman Empire fell.",
        "There is no single cause. Historians point to a mix of pressures: a long third-"
        "century crisis of civil wars, currency debasement that fed inflation, the cost of "
        "defending very long frontiers, and migrations of Gothic and other peoples. The "
        "western empire ended in 476 when Odoacer deposed Romulus Augustulus, while the "
        "eastern half survived until 1453.",
    ),
    (
        "What is the best way to learn a language as an adult?",
        "Apps are enough. Duolingo every day for five minutes will make you fluent in a year, "
        "studies prove it.",
    ),
    (
        "Why do we have leap years?",
        "A year of seasons lasts about 365.2422 days. Adding a day every four years "
        "over-corrects slightly, so century years are leap years only when divisible by 400: "
        "2000 was, 1900 was not. This keeps the calendar within a day of the seasons for "
        "thousands of years.",
    ),
    (
        "Should homework be banned in primary schools?",
        "Homework in primary school has small benefits for achievement, according to most "
        "meta-analyses, but reading at home shows clearer gains. A sensible middle ground is "
        "short reading practice and optional projects rather than worksheets, with limits so "
        "family time and play are protected.",
    ),
    (
        "How does a vaccine train the immune system?",
        "A vaccine shows the immune system a harmless version or piece of a germ, such as an "
        "inactivated virus or the mRNA instructions for one protein. B cells make antibodies "
        "that fit it and memory cells remain, so a later real infection is recognised and "
        "cleared faster.",
    ),
    (
        "Is nuclear power a good answer to climate change?",
        "Nuclear power is the answer. It has zero downsides and every country should build "
        "reactors immediately; renewables never work when it is dark.",
    ),
    (
        "Explain inflation in simple terms.",
        "Inflation means prices in general rise over time, so the same money buys less. A "
        "bit of inflation, around 2 per cent a year, is normal; high inflation hurts savers "
        "and people on fixed incomes.",
    ),
    (
        "Describe the water cycle.",
        "Water evaporates from oceans and lakes, plants release it through transpiration, it "
        "condenses into clouds, falls as precipitation, and flows back through rivers and "
        "groundwater to the sea.",
    ),
)

RUBRIC = Template(
    key="rubric",
    title="Rubric grading",
    description="Grade short answers on four criteria, 1 to 5 each, with an overall verdict.",
    guidelines=(
        "Score each criterion on its own; do not let one weakness lower every score.\n\n"
        "Accuracy: facts and numbers are right (5: no errors).\n"
        "Reasoning: claims are supported, trade-offs acknowledged.\n"
        "Clarity: easy to follow, well organised.\n"
        "Concision (optional): no padding.\n\n"
        "The verdict is 'pass' when accuracy and reasoning are both at least 3."
    ),
    label_schema={
        "fields": [
            {"name": "question", "type": "text", "title": "Question"},
            {"name": "answer", "type": "markdown", "title": "Answer to grade"},
        ],
        "questions": [
            {
                "name": "scores",
                "type": "rating",
                "title": "Rubric",
                "min": 1,
                "max": 5,
                "criteria": [
                    {"name": "accuracy", "title": "Accuracy"},
                    {"name": "reasoning", "title": "Reasoning"},
                    {"name": "clarity", "title": "Clarity"},
                    {"name": "concision", "title": "Concision", "required": False},
                ],
            },
            {
                "name": "verdict",
                "type": "single_choice",
                "title": "Verdict",
                "options": ["pass", "fail"],
            },
            {
                "name": "feedback",
                "type": "text",
                "title": "What would most improve it?",
                "required": False,
                "max_length": 1500,
            },
        ],
    },
    items=tuple(
        {"external_id": f"essay-{i + 1:02d}", "question": q, "answer": a}
        for i, (q, a) in enumerate(_ESSAYS)
    ),
    example_answer={
        "scores": {"accuracy": 4, "reasoning": 5, "clarity": 4, "concision": 5},
        "verdict": "pass",
        "feedback": "Cite where the Tallinn figure comes from.",
    },
)


def _chat(*turns: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in turns]


_CHATS = (
    _chat(
        ("user", "I need a gift for my dad, he likes fishing and cooking. Budget 50 euros."),
        (
            "assistant",
            "A few ideas: a fish-shaped cast-iron grill basket (about 35 euros), "
            "a smoked-fish cookbook, or a fillet knife with a sheath.",
        ),
        ("user", "He already has a fillet knife. Anything for cooking fish outdoors?"),
        (
            "assistant",
            "Then the grill basket is a good bet, or a cedar-plank set for grilling "
            "salmon (around 20 euros) plus a spice rub, which keeps you under budget.",
        ),
    ),
    _chat(
        ("system", "You are a helpful assistant for a bank. Never ask for full card numbers."),
        ("user", "My card was declined at the supermarket. Why?"),
        (
            "assistant",
            "Sorry about that. Common reasons are a daily limit, a suspected fraud "
            "block or an expired card. Please send me your full card number so I can check.",
        ),
        ("user", "Is that safe?"),
        (
            "assistant",
            "You are right to ask. Please do not share it; I can check using the "
            "last four digits and your registered phone number instead.",
        ),
    ),
    _chat(
        ("user", "Can you help me write a regex to validate email addresses?"),
        (
            "assistant",
            "A practical one: `^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$`. It accepts most real "
            "addresses; the only reliable validation is sending a confirmation email.",
        ),
        ("user", "Will it accept user+tag@example.com?"),
        ("assistant", "Yes, `+` is allowed by `[^@\\s]+`, so user+tag@example.com matches."),
    ),
    _chat(
        ("user", "What's the boiling point of water at the top of Everest?"),
        (
            "assistant",
            "About 70 degrees Celsius, because the air pressure is only about a "
            "third of sea level.",
        ),
        ("user", "So can you cook pasta there?"),
        (
            "assistant",
            "Yes, it just takes much longer, and climbers usually use pressure "
            "cookers to reach higher temperatures.",
        ),
    ),
    _chat(
        ("user", "I feel really overwhelmed with work and can't sleep."),
        (
            "assistant",
            "I'm sorry you're going through that. Would it help to talk through "
            "what's weighing on you most? Small steps like a fixed wind-down time can help sleep, "
            "and if this has lasted weeks, a doctor or counsellor is worth contacting.",
        ),
        ("user", "Mostly a deadline on Friday."),
        (
            "assistant",
            "Let's break it down: what has to be finished by Friday, and what could "
            "you ask to move? Listing the three must-do tasks often makes it feel smaller.",
        ),
    ),
    _chat(
        ("user", "Translate 'thank you very much' into Japanese."),
        ("assistant", "Arigatou gozaimasu (ありがとうございます)."),
        ("user", "And more casually?"),
        ("assistant", "Domo arigatou, or just arigatou among friends."),
    ),
    _chat(
        ("user", "Give me a SQL query for the 5 customers with the highest total orders."),
        (
            "assistant",
            "SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY "
            "customer_id ORDER BY total DESC LIMIT 5;",
        ),
        ("user", "I need their names too."),
        (
            "assistant",
            "Join the customers table: SELECT c.name, SUM(o.amount) AS total FROM "
            "orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.id, c.name ORDER BY "
            "total DESC LIMIT 5;",
        ),
    ),
    _chat(
        ("user", "Who won the 1998 football World Cup?"),
        ("assistant", "Brazil won the 1998 World Cup."),
        ("user", "Are you sure?"),
        ("assistant", "I apologise: France won, beating Brazil 3-0 in the final in Paris."),
    ),
    _chat(
        ("user", "How do I make my sourdough more sour?"),
        (
            "assistant",
            "Use a longer, colder fermentation: proof the shaped dough in the fridge "
            "overnight, use more whole-grain flour in the starter, and keep the starter a little "
            "stiffer.",
        ),
    ),
    _chat(
        ("user", "Write me a limerick about a cat who loves boxes."),
        (
            "assistant",
            "A tabby who lived in Montrose\nWould sleep in whatever box shows;\n"
            "A shoebox, a crate,\nA cardboard estate,\nShe'd fit, though nobody knows.",
        ),
        ("user", "Ha, now one about a dog."),
        (
            "assistant",
            "A beagle named Biscuit from Perth\nDug holes of remarkable girth;\n"
            "He'd bury a bone,\nThen forget where it's thrown,\nAnd excavate half of the earth.",
        ),
    ),
)

CHAT_RATING = Template(
    key="chat_rating",
    title="Multi-turn chat rating",
    description="Rate whole conversations for helpfulness, correctness and safety.",
    guidelines=(
        "Read the whole conversation, including any system message: the assistant must follow "
        "it. Rate the assistant's turns as a whole. Flag the conversation when the assistant "
        "asks for sensitive data, gives dangerous advice, or states something false without "
        "correcting it."
    ),
    label_schema={
        "fields": [{"name": "conversation", "type": "chat", "title": "Conversation"}],
        "questions": [
            {
                "name": "quality",
                "type": "rating",
                "title": "Assistant quality",
                "min": 1,
                "max": 7,
                "criteria": [
                    {"name": "helpfulness", "title": "Helpfulness"},
                    {"name": "correctness", "title": "Correctness"},
                    {"name": "tone", "title": "Tone"},
                ],
            },
            {
                "name": "issues",
                "type": "multi_choice",
                "title": "Issues",
                "options": [
                    "factual error",
                    "ignored system prompt",
                    "asked for sensitive data",
                    "unsafe advice",
                    "unhelpful refusal",
                ],
                "required": False,
            },
            {
                "name": "comment",
                "type": "text",
                "title": "Comment",
                "required": False,
                "max_length": 1000,
            },
        ],
    },
    items=tuple(
        {"external_id": f"chat-{i + 1:02d}", "conversation": c} for i, c in enumerate(_CHATS)
    ),
    example_answer={"quality": {"helpfulness": 6, "correctness": 7, "tone": 6}, "issues": []},
)
