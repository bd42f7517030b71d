"""Write lines.jsonl: price-list questions in the OpenAI RFT layout, the CPU example of `rft ablate`.

Each question shows a price list of 3 to 8 items of one category and asks for one item's price; the
answer is in the prompt, so what the model must learn is to read it (the default 135M model reads
it right about half the time). The line's `category` is its group: the split holds whole categories
out, so validation asks about items training never named. Deterministic: run it again to get the
same file.
    .venv/bin/python examples/price-lookup/make_lines.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

CATEGORIES = {
    "fruit": "apple pear fig plum kiwi lime grape melon peach mango lemon cherry",
    "vegetable": "carrot onion potato pepper leek bean pea radish turnip celery garlic squash",
    "tool": "hammer saw drill wrench chisel pliers file rake shovel axe ladder clamp",
    "furniture": "chair table sofa desk shelf bed lamp stool bench dresser mirror rug",
    "clothing": "shirt hat coat scarf sock glove boot skirt dress jacket belt tie",
    "stationery": "pen pencil eraser stapler ruler notebook marker folder tape glue clip envelope",
    "drink": "coffee tea juice soda water milk cocoa lemonade cider smoothie espresso latte",
    "kitchenware": "pot pan kettle spoon fork knife plate bowl cup mug whisk ladle",
    "toy": "ball kite doll puzzle yoyo robot drum whistle top blocks marble teddy",
    "sport": "racket bat helmet puck net skis skates paddle dart hoop jersey cleats",
    "pet": "parrot hamster rabbit goldfish turtle gecko canary ferret kitten puppy lizard frog",
    "flower": "rose tulip daisy lily orchid iris poppy violet lotus aster peony dahlia",
    "vehicle": "car bike bus truck van scooter tractor boat canoe wagon sled trailer",
    "instrument": "guitar piano violin flute trumpet harp cello banjo oboe tuba ukulele clarinet",
    "electronics": "phone laptop camera radio speaker tablet charger headset printer router monitor keyboard",
    "jewelry": "ring necklace bracelet earring brooch pendant anklet tiara locket cufflink charm bangle",
    "bakery": "bread bagel muffin croissant scone donut pretzel baguette cookie brownie cupcake waffle",
    "dairy": "cheese yogurt butter cream kefir custard ghee ricotta brie feta gouda cheddar",
    "bag": "backpack suitcase purse wallet satchel tote briefcase duffel pouch holdall clutch rucksack",
    "garden": "hose trowel sprinkler wheelbarrow planter shears fence trellis birdbath mower compost seeds",
    "bathroom": "towel soap shampoo sponge razor toothbrush comb lotion bathrobe plunger loofah toothpaste",
    "shoe": "sneaker sandal loafer slipper clog moccasin stiletto wader espadrille oxford pump mule",
    "camping": "tent lantern compass hammock stove canteen tarp flashlight cooler matches rope carabiner",
    "candy": "lollipop toffee fudge gumdrop caramel licorice nougat truffle jellybean marshmallow praline mint",
}
PER_CATEGORY = 30
SYSTEM = "You read price lists. Answer with the price as a number only."


def line(category: str, index: int, rng: random.Random) -> dict:
    items = rng.sample(CATEGORIES[category].split(), rng.randint(3, 8))
    prices = rng.sample(range(2, 100), len(items))
    asked = rng.randrange(len(items))
    listing = ", ".join(f"{item} ${price}" for item, price in zip(items, prices))
    question = f"Price list: {listing}.\nHow much does the {items[asked]} cost?"
    return {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
            "answer": str(prices[asked]), "category": category, "items": len(items),
            "id": f"{category}-{index}", "reference_completion": str(prices[asked])}


def main() -> None:
    words = [w for items in CATEGORIES.values() for w in items.split()]
    assert len(words) == len(set(words)), "a word in two categories would leak across the split"
    rng = random.Random(7)
    lines = [line(c, i, rng) for c in CATEGORIES for i in range(PER_CATEGORY)]
    out = Path(__file__).with_name("lines.jsonl")
    out.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    print(f"wrote {len(lines)} lines over {len(CATEGORIES)} categories to {out}")


if __name__ == "__main__":
    main()
