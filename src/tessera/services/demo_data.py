"""The demo project's reviews: product catalogue, phrase banks and a deterministic generator."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum


class Tone(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    MIXED = "mixed"


@dataclass(frozen=True)
class Product:
    """Something reviewed, with the words that let templates speak of it correctly."""

    name: str
    ref: str  # "the grinder", "these headphones"
    plural: bool
    price: str
    aspects: tuple[str, ...]  # the generic aspects that make sense for it
    good: tuple[str, ...]  # things only this product's happy customers say
    bad: tuple[str, ...]
    is_service: bool = False  # a subscription, a stay or a booking: no "gift", no "returning"
    openers: tuple[str, ...] = ()  # replaces the generic openers when set


ALL = ("price", "quality", "shipping", "support", "usability")

PRODUCTS: tuple[Product, ...] = (
    Product(
        "Aria ANC wireless headphones", "these headphones", True, "$129", ALL,
        ("The noise cancelling is great on my commute; the train basically disappears.",
         "Battery easily lasts a full week of office use.",
         "They're comfortable enough to wear through a long flight."),
        ("The left earcup started crackling after about three weeks.",
         "The touch controls trigger every time I adjust them on my head.",
         "Calls sound muffled; people keep asking me to repeat myself."),
    ),
    Product(
        "Brevo burr coffee grinder", "the grinder", False, "$89", ALL,
        ("The grind is really consistent, even on the finest espresso setting.",
         "It's much quieter than the blade grinder it replaced.",
         "Taking the burrs out for cleaning takes less than a minute."),
        ("It throws grounds all over the counter because of static.",
         "The hopper lid doesn't lock, so beans end up on the floor if you bump it.",
         "The motor started whining after two months of one bag a week."),
    ),
    Product(
        "Trailstep running shoes", "these shoes", True, "$110", ALL,
        ("Plenty of cushioning for long runs and no blisters so far.",
         "They fit true to size and the heel doesn't slip at all.",
         "Grip on wet trails is noticeably better than my old pair."),
        ("The sole started peeling away from the upper after about 150 km.",
         "They run half a size small, so order up.",
         "The laces are too short to double knot."),
    ),
    Product(
        "Nimbus robot vacuum", "the vacuum", False, "$299", ALL,
        ("It picks up an astonishing amount of dog hair.",
         "Setting no-go zones in the app takes a couple of taps.",
         "It finds its way back to the dock every single time."),
        ("It gets stuck under the sofa almost every day.",
         "The app logs me out constantly and the map keeps resetting.",
         "It's loud enough that I can't run it while I'm working from home."),
    ),
    Product(
        "Fieldnote hardcover notebook", "the notebook", False, "$18",
        ("price", "quality", "shipping"),
        ("The paper takes fountain pen ink without any bleed-through.",
         "It lies completely flat when open, which is perfect for sketching.",
         "The dot grid is faint enough that it disappears in scans."),
        ("The binding came loose after a month in my bag.",
         "Gel pens smear on this paper no matter how long I wait.",
         "The elastic band stretched out within a couple of weeks."),
    ),
    Product(
        "GreenCrate meal kit subscription", "the meal kits", True, "$60 a week", ALL,
        ("The recipes are genuinely tasty and the portions are generous.",
         "Boxes always arrive on the right day and the ice packs are still frozen.",
         "It got us cooking on weeknights instead of ordering takeaway."),
        ("Two deliveries in a row were missing the protein.",
         "The vegetables were wilted more than once.",
         "Cancelling needed a phone call, which feels deliberately annoying."),
        is_service=True,
    ),
    Product(
        "Harbor View Hotel, Lisbon", "the hotel", False, "€140 a night",
        ("price", "quality", "support"),
        ("The room was spotless and the bed was really comfortable.",
         "The rooftop breakfast with a view of the river was the highlight of our trip.",
         "It's a five minute walk to the tram and the old town."),
        ("The walls are paper thin; we heard every word from the room next door.",
         "The air conditioning rattled all night and nobody came to fix it.",
         "Our room faced a construction site, which the listing didn't mention."),
        is_service=True,
        openers=("We stayed four nights in May.", "Stayed here for a weekend city break.",
                 "Booked the hotel for a work trip.", "Our second stay at this hotel."),
    ),
    Product(
        "Lumen 27-inch 4K monitor", "the monitor", False, "$349", ALL,
        ("Text is razor sharp and the colours look accurate out of the box.",
         "One USB-C cable charges my laptop and carries the picture.",
         "The stand adjusts in height and swivels smoothly."),
        ("There's noticeable backlight bleed in the bottom corners.",
         "It takes several seconds to wake up from sleep every time.",
         "The on-screen menu is controlled by a tiny joystick that's hard to use."),
    ),
    Product(
        "Kettlewise electric kettle", "the kettle", False, "$45", ALL,
        ("It boils a full litre in about three minutes.",
         "The temperature presets are great for green tea.",
         "The handle stays cool and the pour is nice and controlled."),
        ("The water tastes of plastic even after a dozen boils.",
         "The lid popped open while it was boiling and nearly burned me.",
         "Limescale builds up fast and the filter is hard to remove."),
    ),
    Product(
        "Parcelo mobile phone plan", "the plan", False, "$25 a month",
        ("price", "quality", "support", "usability"),
        ("Coverage has been solid everywhere I've travelled in the country.",
         "Switching over with an eSIM took ten minutes from my couch.",
         "Data speeds are as good as with my previous, more expensive carrier."),
        ("Data drops to almost nothing inside my apartment.",
         "They charged me roaming fees for a trip that was supposed to be included.",
         "Porting my old number took over a week."),
        is_service=True,
    ),
    Product(
        "Stackwell standing desk", "the desk", False, "$420", ALL,
        ("It's rock steady even at full standing height.",
         "The motor is quiet and the memory presets are handy.",
         "Assembly took about forty minutes with the included tools."),
        ("It wobbles noticeably when I type at standing height.",
         "One leg arrived with a bent bracket.",
         "The control panel stopped responding after a power cut."),
    ),
    Product(
        "Pocketbase password manager", "the app", False, "$3 a month",
        ("price", "quality", "support", "usability"),
        ("Autofill works in every browser I use, and on my phone.",
         "Importing everything from my old manager took a few minutes.",
         "Sharing a vault with my partner is simple."),
        ("Sync between my laptop and phone sometimes lags by hours.",
         "Autofill picks the wrong account on sites where I have two logins.",
         "The browser extension logs me out several times a day."),
        is_service=True,
    ),
    Product(
        "Alder & Co. merino sweater", "the sweater", False, "$95",
        ("price", "quality", "shipping", "support"),
        ("It's warm without being bulky and doesn't itch at all.",
         "Still looks new after a dozen washes on the wool cycle.",
         "The colour is exactly like the photos."),
        ("It started pilling under the arms after two wears.",
         "It shrank a full size even though I followed the label.",
         "The sleeves are oddly long for the body size."),
    ),
    Product(
        "Sprout kids' tablet", "the tablet", False, "$79", ALL,
        ("The parental controls are easy to set up and actually work.",
         "The rubber case has survived plenty of drops onto tiles.",
         "My six-year-old can find her apps without any help."),
        ("It's painfully slow to open even simple games.",
         "The battery barely lasts a car ride to grandma's.",
         "It kept nagging us to buy the premium content subscription."),
    ),
    Product(
        "Fixly handyman booking service", "the service", False, "$65 an hour",
        ("price", "quality", "support", "usability"),
        ("The handyman showed up on time and fixed the leak in twenty minutes.",
         "Booking a slot for the same week was easy.",
         "They sent a photo of the finished job and a clear invoice."),
        ("The first person they sent didn't have the right tools.",
         "The appointment window was four hours and he came at the very end.",
         "There was a call-out fee that wasn't shown when I booked."),
        is_service=True,
        openers=("Used Fixly to get a dripping tap fixed.", "Booked a handyman to hang shelves.",
                 "I've used the service three times now."),
    ),
    Product(
        "Ember cast iron skillet", "the skillet", False, "$39",
        ("price", "quality", "shipping"),
        ("It came well seasoned and eggs slide right off.",
         "It holds heat beautifully; steaks get a proper crust.",
         "It goes straight from the stove top into the oven."),
        ("The surface is rough and food sticks no matter what I do.",
         "It's very heavy; I struggle to lift it with one hand.",
         "Rust spots appeared after the very first wash."),
    ),
)  # fmt: skip

# Generic lines per aspect and tone: {ref}, {Ref}, {them}, {are}, {price} are filled in.
ASPECT_LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "+": ("For {price} it's honestly a steal.",
              "Worth every penny at {price}.",
              "Cheaper than the big-name alternatives and I can't tell the difference.",
              "I got {them} on sale, but I'd happily pay full price."),
        "-": ("At {price} I expected a lot more.",
              "Way overpriced for what you get.",
              "The price has gone up twice since I started, which is hard to justify.",
              "You can find better for half of {price}."),
        "0": ("The price is about average for this kind of thing.",
              "{price} seemed fair when I compared the alternatives."),
    },
    "quality": {
        "+": ("{Ref} {are} solid and well made.",
              "You can tell a lot of thought went into the details.",
              "Build quality is excellent; nothing creaks or feels flimsy."),
        "-": ("{Ref} {are} a lot cheaper than the photos suggest.",
              "Quality control seems to be an afterthought.",
              "I've had {them} for a short while and it's already showing wear."),
        "0": ("Quality is decent, about what you'd expect.",
              "Nothing feels premium, but nothing feels cheap either."),
    },
    "shipping": {
        "+": ("Arrived a day earlier than promised and very well packed.",
              "Delivery was quick and the tracking was accurate the whole way.",
              "Shipping was free and it still came in three days."),
        "-": ("Delivery took almost three weeks and nobody could tell me where the parcel was.",
              "The box arrived crushed; I was lucky nothing inside was broken.",
              "The courier left it in the rain outside the building."),
        "0": ("It arrived on the date they gave me.",
              "Standard delivery, nothing to report."),
    },
    "support": {
        "+": ("I had a question and support answered within the hour.",
              "Customer service sorted out a billing mistake without any fuss.",
              "The support person was patient and actually knew the product."),
        "-": ("Support took six days to reply and then sent a copy-pasted answer.",
              "I was on hold for forty minutes before the call dropped.",
              "The chat bot kept sending me in circles and there's no way to reach a human."),
        "0": ("I haven't needed to contact support yet.",
              "I emailed support once and got a standard reply the next day."),
    },
    "usability": {
        "+": ("Setup took about five minutes, no manual needed.",
              "Everything is where you'd expect it to be.",
              "Even my dad figured it out without calling me."),
        "-": ("The instructions are useless; I had to find a video online.",
              "It took me three tries to get the settings right.",
              "Simple things take far too many steps."),
        "0": ("Setup was straightforward enough.",
              "There's a short learning curve, nothing unusual."),
    },
}  # fmt: skip

# Subscriptions, stays and bookings are nothing you unbox, return or get as a gift.
SERVICE_LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "quality": {
        "+": ("Reliable so far; it just works.",
              "Consistently good, month after month.",
              "It does exactly what was promised."),
        "-": ("It has gone downhill since I signed up.",
              "Quality is hit and miss.",
              "It's nowhere near as good as the ads make out."),
        "0": ("Quality is decent, about what you'd expect.",
              "It's neither better nor worse than the others I've tried."),
    },
    "usability": {
        "+": ("The app is clear and quick to use.",
              "Managing my account online is easy.",
              "Even my dad figured it out without calling me."),
        "-": ("The app is confusing and changes with every update.",
              "Simple things take far too many steps."),
        "0": ("The app is fine, nothing unusual.",),
    },
}  # fmt: skip

PERIODS = ("two weeks", "a month", "about three months", "half a year", "almost a year")


@dataclass(frozen=True)
class Bank:
    """The tone-dependent phrases for one kind of thing reviewed."""

    openers: tuple[str, ...]
    neutral: tuple[str, ...]
    closers: dict[Tone, tuple[str, ...]]
    short: dict[Tone, tuple[str, ...]]


GOODS = Bank(
    openers=("Bought {them} after my old one finally died.",
             "I've been using {ref} for {period} now.",
             "Got {them} as a gift from my sister.",
             "Ordered {ref} mostly because of the reviews here.",
             "Second time buying from this brand.",
             "Update after {period}:",
             "I did a lot of research before choosing {ref}.",
             "Picked {them} up for my partner's birthday."),
    neutral=("{Ref} {are} about what I expected from the description.",
             "I haven't used {them} enough to have a strong opinion yet.",
             "Works as described. The colour is slightly darker than in the pictures.",
             "It replaced an older model and I honestly don't notice much difference.",
             "Nothing stands out, good or bad."),
    closers={
        Tone.POSITIVE: ("Would buy again.", "Highly recommend.", "Five stars from me.",
                        "No regrets at all.", "My neighbour wants one now too."),
        Tone.NEGATIVE: ("I'm sending {them} back.", "Save your money.",
                        "One star, and that's generous.", "Really disappointed.",
                        "Wouldn't recommend."),
        Tone.NEUTRAL: ("It's fine.", "Does what it says, nothing more.",
                       "Three stars: no complaints, no excitement.", "Fine for now."),
        Tone.MIXED: ("Three stars overall.", "I'm keeping {them}, with reservations.",
                     "Good, not great.", "It would be five stars if they fixed that."),
    },
    short={
        Tone.POSITIVE: ("Love {them}!", "Exactly what I needed.", "honestly great, no complaints",
                        "Great value and fast delivery.", "10/10 would recommend"),
        Tone.NEGATIVE: ("Broke within a week.", "Don't bother.", "total waste of money",
                        "Not as described. Returned."),
        Tone.NEUTRAL: ("It's ok.", "Does the job.", "average, nothing special"),
        Tone.MIXED: ("Good product, terrible delivery.", "Nice idea, poor execution.",
                     "love the design, hate the price"),
    },
)  # fmt: skip
SERVICES = Bank(
    openers=("I've been a customer for {period}.",
             "Switched to {ref} {period} ago.",
             "Tried {ref} on a friend's recommendation.",
             "Update after {period}:",
             "I compared a few options before choosing {ref}."),
    neutral=("{Ref} {are} about what I expected.",
             "Too early to have a strong opinion.",
             "Nothing stands out, good or bad.",
             "It's comparable to what I had before."),
    closers={
        Tone.POSITIVE: ("Already recommended {them} to friends.", "Highly recommend.",
                        "Five stars from me.", "No regrets at all."),
        Tone.NEGATIVE: ("Never again.", "Save your money.", "One star, and that's generous.",
                        "Really disappointed.", "Wouldn't recommend."),
        Tone.NEUTRAL: ("It's fine.", "Does what it says, nothing more.",
                       "Three stars: no complaints, no excitement."),
        Tone.MIXED: ("Three stars overall.", "Good, not great.",
                     "It would be five stars if they fixed that."),
    },
    short={
        Tone.POSITIVE: ("Exactly what I needed.", "honestly great, no complaints",
                        "10/10 would recommend", "Great value."),
        Tone.NEGATIVE: ("Don't bother.", "total waste of money", "Not as advertised."),
        Tone.NEUTRAL: ("It's ok.", "Does the job.", "average, nothing special"),
        Tone.MIXED: ("Nice idea, poor execution.", "love the idea, hate the price"),
    },
)  # fmt: skip
MIXED_TURNS = ("That said,", "On the other hand,", "Unfortunately,", "The downside:", "But")
TONE_WEIGHTS = {Tone.POSITIVE: 38, Tone.NEGATIVE: 27, Tone.NEUTRAL: 15, Tone.MIXED: 20}


def _fill(template: str, product: Product, rng: random.Random) -> str:
    ref = product.ref
    return template.format(
        ref=ref,
        Ref=ref[0].upper() + ref[1:],
        them="them" if product.plural else "it",
        are="are" if product.plural else "is",
        price=product.price,
        period=rng.choice(PERIODS),
    )


def _lower_first(sentence: str) -> str:
    if sentence.startswith(("I ", "I'")):
        return sentence
    return sentence[0].lower() + sentence[1:]


def _aspect_line(product: Product, aspect: str, sign: str, rng: random.Random) -> str:
    # Quality and usability also draw on the product's own lines, which sound most real.
    own = product.good if sign == "+" else product.bad if sign == "-" else ()
    if aspect in ("quality", "usability") and own and rng.random() < 0.6:
        return rng.choice(own)
    lines = SERVICE_LINES if product.is_service and aspect in SERVICE_LINES else ASPECT_LINES
    return _fill(rng.choice(lines[aspect][sign]), product, rng)


def _bank(product: Product) -> Bank:
    return SERVICES if product.is_service else GOODS


def _body(tone: Tone, product: Product, aspects: list[str], rng: random.Random) -> list[str]:
    if tone is Tone.NEUTRAL:
        lines = [_fill(rng.choice(_bank(product).neutral), product, rng)]
        return lines + [_aspect_line(product, a, "0", rng) for a in aspects[:2]]
    if tone is Tone.MIXED:
        good, bad = aspects[0], aspects[1] if len(aspects) > 1 else aspects[0]
        turn = rng.choice(MIXED_TURNS)
        return [
            _aspect_line(product, good, "+", rng),
            f"{turn} {_lower_first(_aspect_line(product, bad, '-', rng))}",
        ]
    sign = "+" if tone is Tone.POSITIVE else "-"
    own = product.good if sign == "+" else product.bad
    return [rng.choice(own)] + [_aspect_line(product, a, sign, rng) for a in aspects]


def _review(rng: random.Random) -> tuple[Product, str]:
    product = rng.choice(PRODUCTS)
    tone = rng.choices(list(TONE_WEIGHTS), weights=list(TONE_WEIGHTS.values()))[0]
    length = rng.choices(("short", "medium", "long"), weights=(2, 5, 3))[0]
    bank = _bank(product)
    if length == "short":
        return product, _fill(rng.choice(bank.short[tone]), product, rng)
    n_aspects = 1 if length == "medium" else rng.randint(2, 3)
    if tone is Tone.MIXED:
        n_aspects = max(n_aspects, 2)
    aspects = rng.sample(product.aspects, min(n_aspects, len(product.aspects)))
    lines = _body(tone, product, aspects, rng)
    if length == "long" or rng.random() < 0.4:
        lines.insert(0, _fill(rng.choice(product.openers or bank.openers), product, rng))
    if rng.random() < 0.7:
        lines.append(_fill(rng.choice(bank.closers[tone]), product, rng))
    return product, " ".join(dict.fromkeys(lines))  # the same sentence twice reads as a bug


def demo_reviews(count: int, *, seed: int = 2024) -> list[dict[str, str]]:
    """`count` distinct, realistic product and service reviews, the same ones for the same seed.

    Each is a record ready to import: `external_id`, `product` and `review`.
    """
    rng = random.Random(seed)  # noqa: S311 (demo text, not a secret)
    seen: set[str] = set()
    records: list[dict[str, str]] = []
    for _ in range(count * 50):
        if len(records) == count:
            break
        product, text = _review(rng)
        if text in seen:
            continue
        seen.add(text)
        n = len(records) + 1
        records.append({"external_id": f"review-{n:04d}", "product": product.name, "review": text})
    return records
