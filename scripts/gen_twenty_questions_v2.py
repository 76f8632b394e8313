#!/usr/bin/python3
"""Builds scenarios/twenty_questions/common-v2.json and small-v2.json from common.json.

The v2 catalog (twenty_questions-v2) keeps the 309 objects and 58 attributes of v1 and adds:
  * the catalog's categories as askable attributes (`food`, `vehicle`, ... : yes iff the category),
  * narrower notions beside broader ones (mammal / animal, four legs / legs, vehicle / used for
    transport, fruit / fruit or vegetable, used for cooking / found in a kitchen, ...),
  * everyday properties people ask about (where it is found, size against a person or a house,
    body parts, what powers it, what it is used for, colours, fits in a pocket, wild or kept).
Values come from explicit per-object lists below (every object not listed is "no"), a few rules
from the category or from v1 values (each rule says so), and per-object overrides. Phrases of v1
attributes are revised so that a narrower word belongs to the narrower attribute.

Run from the repository root:  /usr/bin/python3 scripts/gen_twenty_questions_v2.py
It rewrites both files deterministically (same input, same bytes) and prints a short report.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "scenarios/twenty_questions/common.json"
SMALL_SRC = ROOT / "scenarios/twenty_questions/small.json"
OUT = ROOT / "scenarios/twenty_questions/common-v2.json"
SMALL_OUT = ROOT / "scenarios/twenty_questions/small-v2.json"


def names(s):
    """'dog, cat, ice cream' -> ['dog', 'cat', 'ice cream']"""
    return [x.strip() for x in s.split(",") if x.strip()]


# --- phrase changes to v1 attributes: (remove, add) -------------------------------------------
PHRASES_V1 = {
    "alive": ([], ["alive still", "a living creature", "living organism", "organism", "life"]),
    "animal": (["mammal", "creature"], ["animals", "creature", "creatures", "fauna"]),
    "plant": ([], ["flora", "greenery"]),
    "edible": (["food", "a food"], ["edible thing", "eat it", "can eat", "consume", "eat or drink it",
                                    "taste", "tasty"]),
    "man_made": (["invented"], ["made by man", "made by a person", "people made", "people make",
                                "humans make", "people build",
                                "factory", "made in a factory", "human invention", "built by people",
                                "manufactured object", "crafted"]),
    "needs_power": (["electronic", "electronics", "battery", "batteries", "plug in", "plugged in"],
                    ["electrical", "electric powered", "run on electricity", "uses electricity",
                     "use electricity", "powered", "power", "need power", "electricity or batteries"]),
    "bigger_than_breadbox": ([], ["bigger than a shoebox", "bigger than a shoe box",
                                  "bigger than a microwave", "size of a breadbox", "bigger than a loaf",
                                  "bigger than a cat", "bigger than a dog", "big thing", "size",
                                  "larger than a breadbox"]),
    "bigger_than_car": ([], ["bigger than a truck", "bigger than an suv", "larger than a truck",
                             "bigger than a van", "bigger than an automobile"]),
    "heavier_than_person": ([], ["heavier than me", "heavier than a man", "heavier than an adult",
                                 "weigh more than a person", "weighs more than a person",
                                 "weigh more than you", "heavier than a horse"]),
    "found_in_kitchen": (["cooking", "used for cooking", "cook with"],
                         ["kitchen item", "kitchen thing"]),
    "found_outdoors": (["in nature"], ["outdoor thing", "outside the house", "out of doors"]),
    "found_in_home": ([], ["in your house", "in the home", "in most homes", "in a house",
                           "indoors", "inside the house", "at your house"]),
    "fits_in_hand": (["hold it"], ["hold it in one hand", "hold in your hand", "hold in one hand",
                                   "in one hand", "palm", "fit in my hand", "fits in your hand",
                                   "held in the hand", "in the hand"]),
    "has_legs": (["four legs"], ["any legs", "got legs", "have legs", "legged"]),
    "can_fly": ([], ["fly around", "flight", "through the air", "in the air"]),
    "in_water": (["swim", "swims"], ["water related", "used in water", "near water", "watery"]),
    "made_of_metal": ([], ["iron made", "of metal", "tin", "copper", "brass", "silver", "gold"]),
    "made_of_wood": ([], ["of wood", "timber made", "wood made"]),
    "made_of_fabric": ([], ["of fabric", "of cloth", "silk", "material", "woven", "knitted", "knit"]),
    "made_of_plastic": ([], ["of plastic", "plasticky"]),
    "made_of_paper": ([], ["of paper", "paper made"]),
    "hard": ([], ["stiff", "hard or soft"]),
    "soft": ([], ["fluffy soft", "plush", "soft thing", "squashy"]),
    "sharp": (["cut", "cuts", "cutting", "blade"], ["sharp edge", "sharp edges", "point", "spiky point"]),
    "round": ([], ["ball shape", "spherical shape", "circular shape", "round shape", "shape of a circle",
                   "orb"]),
    "has_screen": ([], ["screens", "a display", "lcd"]),
    "has_buttons": ([], ["buttons on it", "knobs", "knob", "dials"]),
    "makes_sound": ([], ["make sounds", "makes sounds", "make a noise", "makes a noise", "noises",
                         "hear it", "audible", "quiet", "silent"]),
    "musical_instrument": (["music", "musical", "play music", "make music", "melody"],
                           ["instruments", "an instrument", "play it", "musical thing"]),
    "used_for_transport": (["vehicle"], ["transported", "get around", "carry passengers",
                                        "take you places", "move people", "means of transport",
                                        "get from place to place", "commute", "transit", "travel in",
                                        "travel on"]),
    "is_tool": ([], ["a kind of tool", "gadget", "implement", "utility"]),
    "worn": (["clothing", "clothes", "garment"], ["put on", "wear on your body",
                                                  "worn by people", "wearing", "wear on"]),
    "sport_or_game": ([], ["sporting", "play a game", "played", "playing", "gaming"]),
    "toy": ([], ["plaything"]),
    "for_children": ([], ["for a child", "childrens", "youngsters", "little ones", "for babies"]),
    "sweet": (["dessert", "candy"], ["sweet tasting", "sweetness"]),
    "fruit_or_vegetable": (["fruit", "fruits", "vegetable", "vegetables", "veggie", "veggies"],
                           ["fruit or a vegetable", "fruits or vegetables", "fruit or veg",
                            "produce", "fruit or veggie"]),
    "grows_on_trees": ([], ["grow on tree", "tree grown", "picked from a tree", "fruit tree"]),
    "peeled_before_eating": ([], ["skin off", "peel before eating", "remove the skin", "peelable"]),
    "liquid": (["beverage", "drink", "drink it"], ["runny", "liquid form", "flows", "flow"]),
    "dangerous": (["hurt", "hurt you"], ["hurt you", "hurt someone", "hurt people", "hazardous",
                                          "risky", "safe"]),
    "sold_in_stores": ([], ["buyable", "purchase", "in a shop", "in a store", "supermarket"]),
    "costs_over_100_dollars": ([], ["over 100", "over a hundred", "more than 100", "100 bucks",
                                    "hundred bucks", "worth a lot", "cheap", "afford"]),
    "older_than_100_years": (["old", "older", "existed"], ["existed for", "around for", "been around",
                                                           "more than 100 years", "over 100 years",
                                                           "more than a hundred years",
                                                           "over a hundred years",
                                                           "100 years old", "invented long ago",
                                                           "old invention", "existed long"]),
    "has_handle": ([], ["handled thing", "grip"]),
    "can_go_inside": ([], ["go into", "get into", "step inside", "be inside", "fit inside",
                           "climb into", "climb inside"]),
    "building": ([], ["a structure", "built structure", "edifice", "a house"]),
    "used_for_cleaning": ([], ["cleaner", "clean things", "clean with", "tidy", "dirt", "scrub"]),
    "medical": ([], ["hospital use", "medicinal", "first aid kit", "healing", "illness", "doctor use"]),
    "colorful": ([], ["many colors", "many colours", "lots of colors", "lots of colours", "bright",
                      "brightly"]),
    "cold": ([], ["cool to the touch", "kept cold", "kept in the fridge", "ice cold"]),
    "hot": ([], ["hot to the touch", "heat up", "heats up", "warm up"]),
    "furry": ([], ["fur coat", "hair on it", "covered in hair", "fuzzy"]),
    "pet": ([], ["household pet", "family pet", "keep as a pet", "pets at home", "domestic pet"]),
    "lays_eggs": ([], ["lay an egg", "come from an egg", "hatch from an egg", "egg laying",
                       "hatched from an egg", "born from an egg"]),
    "body_part": ([], ["body parts", "in your body", "on your body", "part of you", "part of the human body"]),
}

# --- v1 values corrected in the v2 catalog (found by the validation report) -----------------
V1_OVERRIDES = {
    ("leaf", "plant"): "sometimes",     # part of a plant
    ("chair", "has_wheels"): "sometimes",  # office chairs
    ("tractor", "used_for_transport"): "yes",
    ("diamond", "worn"): "sometimes",  # set in rings and necklaces
}

# --- new attributes --------------------------------------------------------------------------
# Each: name, question, phrases, then either "cat" (yes iff that category), or "yes"/"sometimes"
# lists (everything else "no"), optionally "rule" (a function of the object) for the default.
CATEGORY_ATTRS = [
    ("food", "Is it a kind of food?", "food",
     ["food", "a food", "foods", "foodstuff", "something to eat", "kind of food", "type of food",
      "food item", "thing to eat", "grocery", "snack"]),
    ("vehicle", "Is it a vehicle?", "vehicle",
     ["vehicle", "vehicles", "a vehicle", "motor vehicle", "means of transportation"]),
    ("place", "Is it a place?", "place",
     ["place", "a place", "places", "location", "somewhere", "spot", "a location", "venue"]),
    ("household_item", "Is it a household item?", "household",
     ["household item", "household items", "household object", "household thing",
      "household category", "domestic item", "thing around the house", "item around the house"]),
    ("clothing", "Is it clothing or an accessory?", "clothing",
     ["clothing", "clothes", "garment", "piece of clothing", "article of clothing", "accessory",
      "accessories", "apparel", "outfit", "fashion", "item of clothing", "clothing item"]),
    ("electronic_device", "Is it an electronic device?", "electronics",
     ["electronic", "electronics", "electronic device", "device", "gadget electronic", "appliance",
      "appliances", "electrical appliance", "tech", "technology", "digital", "electronic gadget"]),
    ("furniture", "Is it furniture?", "furniture",
     ["furniture", "a piece of furniture", "piece of furniture", "furnishing", "furnishings"]),
    ("sports_equipment", "Is it sports equipment?", "sport",
     ["sports equipment", "sporting equipment", "sports gear", "sporting goods", "sports item",
      "equipment for sport", "gear for sports", "sport equipment"]),
    ("part_of_nature", "Is it part of the landscape or the sky?", "nature",
     ["part of the landscape", "part of the landscape or the sky", "natural feature", "natural phenomenon", "landscape", "landform", "geographical feature",
      "feature of nature", "part of nature", "nature category", "natural thing", "natural object",
      "in the landscape"]),
]

NEW_ATTRS = [
    dict(name="natural", question="Does it occur in nature?",
         phrases=["natural", "nature made", "made by nature", "found in nature", "in nature",
                  "occurs naturally", "occur naturally", "naturally occurring", "not man made"],
         rule=lambda o: {"yes": "no", "no": "yes"}.get(o["attributes"]["man_made"], "sometimes")),
    dict(name="mammal", question="Is it a mammal?",
         phrases=["mammal", "mammals", "a mammal", "mammalian", "nurse its young", "drinks milk as a baby",
                  "warm blooded animal", "give birth to live young", "live birth", "gives birth"],
         yes="dog, cat, horse, cow, pig, sheep, dolphin, whale, mouse, rabbit, elephant, lion, tiger, "
             "bear, monkey, giraffe, hedgehog, camel, bat, hamster"),
    dict(name="bird", question="Is it a bird?",
         phrases=["bird", "birds", "a bird", "avian", "fowl", "poultry"],
         yes="chicken, duck, eagle, owl, parrot, penguin"),
    dict(name="fish", question="Is it a fish?",
         phrases=["fish", "a fish", "fishes", "fishy"], yes="shark, goldfish"),
    dict(name="reptile", question="Is it a reptile?",
         phrases=["reptile", "reptiles", "a reptile", "reptilian", "lizard"],
         yes="snake, turtle, crocodile"),
    dict(name="insect", question="Is it an insect?",
         phrases=["insect", "insects", "an insect", "bug", "bugs", "creepy crawly", "creepy crawlies"],
         yes="bee, butterfly, ant", sometimes="spider"),
    dict(name="cold_blooded", question="Is it cold-blooded?",
         phrases=["cold blooded", "coldblooded", "cold blood", "ectotherm"],
         yes="shark, goldfish, frog, snake, turtle, spider, bee, butterfly, ant, crocodile, octopus, "
             "jellyfish, crab"),
    dict(name="four_legs", question="Does it have four legs?",
         phrases=["four legs", "4 legs", "four legged", "4 legged", "on all fours", "quadruped",
                  "four feet", "4 feet", "four limbs", "walk on four legs", "walks on four legs"],
         yes="dog, cat, horse, cow, pig, sheep, frog, turtle, mouse, rabbit, elephant, lion, tiger, "
             "bear, giraffe, crocodile, hedgehog, camel, hamster, chair, table, bed, sofa, crib",
         sometimes="monkey, stool, desk, bench, piano, teddy bear, doll, action figure, rocking horse, "
                   "trampoline"),
    dict(name="two_legs", question="Does it walk on two legs?",
         phrases=["two legs", "2 legs", "two legged", "2 legged", "on two legs", "on two feet",
                  "two feet", "biped", "bipedal", "walk upright", "walks upright"],
         yes="chicken, duck, eagle, owl, parrot, penguin",
         sometimes="monkey, bear, doll, action figure"),
    dict(name="many_legs", question="Does it have more than four legs?",
         phrases=["more than four legs", "more than 4 legs", "six legs", "6 legs", "eight legs",
                  "8 legs", "lots of legs", "many legs", "loads of legs", "multiple legs",
                  "more legs than a dog"],
         yes="spider, bee, butterfly, ant, crab", sometimes="octopus"),
    dict(name="has_wings", question="Does it have wings?",
         phrases=["wings", "wing", "a wing", "winged", "has wings", "flap"],
         yes="chicken, duck, eagle, owl, parrot, penguin, bee, butterfly, bat, airplane",
         sometimes="ant, rocket, kite, drone"),
    dict(name="has_feathers", question="Does it have feathers?",
         phrases=["feathered", "feathery", "has feathers", "have feathers", "covered in feathers",
                  "plumage", "got feathers"],
         yes="chicken, duck, eagle, owl, parrot, penguin, feather", sometimes="pillow"),
    dict(name="has_tail", question="Does it have a tail?",
         phrases=["tail", "tails", "a tail", "tailed", "wag"],
         yes="dog, cat, horse, cow, pig, sheep, chicken, duck, eagle, owl, parrot, penguin, shark, "
             "dolphin, whale, goldfish, snake, turtle, mouse, rabbit, elephant, lion, tiger, monkey, "
             "giraffe, crocodile, camel, bat, airplane, helicopter",
         sometimes="bear, hedgehog, hamster, kite, rocket, frog, rocking horse"),
    dict(name="has_fins", question="Does it have fins?",
         phrases=["fins", "fin", "a fin", "flippers", "flipper", "finned"],
         yes="shark, dolphin, whale, goldfish, surfboard",
         sometimes="rocket, submarine, penguin, turtle"),
    dict(name="has_scales", question="Does it have scales?",
         phrases=["scales", "scaly", "scaled", "covered in scales", "scaly skin"],
         yes="shark, goldfish, snake, crocodile", sometimes="turtle, chicken, pinecone"),
    dict(name="has_shell", question="Does it have a shell?",
         phrases=["a shell", "has a shell", "have a shell", "shells", "shelled", "hard shell",
                  "shell on", "in a shell", "exoskeleton"],
         yes="turtle, crab, egg, coconut, seashell", sometimes="ant, bee, snail"),
    dict(name="has_teeth", question="Does it have teeth?",
         phrases=["have teeth", "has teeth", "got teeth", "any teeth", "toothed", "fangs", "jaws",
                  "bite", "bites"],
         yes="dog, cat, horse, cow, pig, sheep, shark, dolphin, mouse, rabbit, elephant, lion, tiger, "
             "bear, monkey, giraffe, crocodile, hedgehog, camel, bat, hamster, saw, comb, chainsaw",
         sometimes="whale, goldfish, frog, snake, spider, zipper"),
    dict(name="has_stripes_or_spots", question="Does it have stripes or spots?",
         phrases=["stripes", "striped", "stripy", "spots", "spotted", "spotty", "patterned",
                  "pattern", "stripes or spots", "markings"],
         yes="tiger, bee, giraffe, dice", sometimes="cow, dog, cat, horse, snake, butterfly, "
                                                "goldfish, shark, frog, pants, shirt, tie, dress, "
                                                "scarf, sock, watermelon, basketball, soccer ball"),
    dict(name="wild", question="Does it live in the wild?",
         phrases=["wild", "in the wild", "wild animal", "wildlife", "untamed", "not domesticated",
                  "live wild", "lives wild", "jungle animal", "safari"],
         yes="eagle, owl, penguin, shark, dolphin, whale, frog, snake, spider, bee, butterfly, ant, "
             "elephant, lion, tiger, bear, monkey, giraffe, crocodile, octopus, hedgehog, jellyfish, "
             "crab, bat, moss, fern, seaweed",
         sometimes="duck, parrot, turtle, mouse, rabbit, camel, goldfish, horse, cat, tree, pine tree, "
                   "grass, cactus, bamboo, rose, daisy, sunflower, tulip, chicken"),
    dict(name="domesticated", question="Is it kept or raised by people?",
         phrases=["domesticated", "domestic animal", "tame", "tamed", "kept by people",
                  "raised by people", "raised by humans", "kept by humans", "owned by people",
                  "farmed", "livestock"],
         yes="dog, cat, horse, cow, pig, sheep, chicken, goldfish, hamster",
         sometimes="duck, parrot, turtle, mouse, rabbit, camel, elephant, bee, snake, spider, "
                   "hedgehog, crab"),
    dict(name="farm_animal", question="Is it a farm animal?",
         phrases=["farm animal", "farm animals", "barnyard animal", "raised on a farm",
                  "kept on a farm"],
         yes="horse, cow, pig, sheep, chicken, duck", sometimes="camel, bee, rabbit"),
    dict(name="eats_meat", question="Does it eat meat?",
         phrases=["eat meat", "eats meat", "carnivore", "carnivorous", "meat eater", "predator",
                  "hunts", "hunt", "eat other animals", "eats other animals", "prey"],
         yes="dog, cat, eagle, owl, penguin, shark, dolphin, whale, frog, snake, spider, lion, tiger, "
             "crocodile, octopus, jellyfish, hedgehog",
         sometimes="chicken, duck, pig, bear, mouse, monkey, turtle, crab, ant, bat, hamster, goldfish"),
    dict(name="nocturnal", question="Is it active at night?",
         phrases=["nocturnal", "at night", "night time", "nighttime", "comes out at night",
                  "awake at night", "active at night", "after dark"],
         yes="owl, bat, hedgehog, hamster, mouse",
         sometimes="cat, frog, spider, crocodile, octopus"),
    dict(name="lives_in_water", question="Does it live in water?",
         phrases=["live in water", "lives in water", "live in the water", "lives in the water",
                  "aquatic animal", "water animal", "sea creature", "underwater animal",
                  "live underwater", "lives underwater", "marine life"],
         yes="shark, dolphin, whale, goldfish, octopus, jellyfish, seaweed",
         sometimes="frog, turtle, crocodile, penguin, duck, crab"),
    dict(name="lives_in_sea", question="Does it live in the sea?",
         phrases=["live in the sea", "lives in the sea", "in the ocean", "the ocean", "in the sea",
                  "the sea", "marine", "saltwater", "sea animal", "ocean animal", "sea life",
                  "live in the ocean", "lives in the ocean", "at sea"],
         yes="shark, dolphin, whale, octopus, jellyfish, crab, seaweed",
         sometimes="penguin, turtle"),
    dict(name="can_swim", question="Can it swim?",
         phrases=["swim", "swims", "swimming", "swimmer", "good swimmer", "able to swim"],
         yes="duck, penguin, shark, dolphin, whale, goldfish, frog, turtle, crocodile, octopus, dog, "
             "bear, elephant, tiger",
         sometimes="snake, crab, jellyfish, horse, monkey, camel, pig, cow, hamster, rabbit, mouse, "
                   "rubber duck, boat"),
    dict(name="found_in_zoo", question="Would you see it at a zoo?",
         phrases=["zoo animal", "at a zoo", "at the zoo", "in a zoo", "in the zoo", "see at the zoo",
                  "zoo"],
         yes="elephant, lion, tiger, monkey, giraffe, penguin, crocodile",
         sometimes="bear, camel, snake, eagle, owl, parrot, turtle, octopus, shark, dolphin, "
                   "jellyfish, bat, frog, spider, crab"),
    dict(name="found_on_farm", question="Would you find it on a farm?",
         phrases=["on a farm", "on the farm", "at a farm", "farm", "farmyard animal", "farmland",
                  "in a barn", "barn"],
         yes="horse, cow, pig, sheep, chicken, tractor",
         sometimes="duck, corn, wheelbarrow, pumpkin, potato, carrot, egg, milk, dog, cat, mouse, "
                   "bee, rake, shovel, bucket, fence"),
    dict(name="found_in_garden", question="Would you find it in a garden?",
         phrases=["garden", "in the garden", "in a garden", "backyard", "in the yard", "yard",
                  "gardening", "flower bed", "lawn"],
         yes="shovel, rake, wheelbarrow, lawn mower, rose, tulip, daisy, sunflower, grass",
         sometimes="tree, fern, moss, hammock, bench, trampoline, bee, butterfly, ant, frog, "
                   "hedgehog, mushroom, tomato, carrot, pumpkin, bucket, spider, leaf, mouse, "
                   "rabbit, cat, dog, rock, swimming pool"),
    dict(name="found_in_bathroom", question="Would you find it in a bathroom?",
         phrases=["bathroom", "in the bathroom", "in a bathroom", "washroom", "restroom",
                  "in the shower", "shower"],
         yes="soap, towel, toothbrush, comb, mirror, toilet paper, bathtub, toilet",
         sometimes="sponge, hair dryer, bucket, mop, rubber duck, trash can, basket, bandage, "
                   "thermometer, candle"),
    dict(name="found_in_bedroom", question="Would you find it in a bedroom?",
         phrases=["bedroom", "in the bedroom", "in a bedroom", "next to the bed", "bedside",
                  "by the bed"],
         yes="pillow, blanket, bed, wardrobe, dresser, crib",
         sometimes="lamp, clock, mirror, book, teddy bear, doll, television, laptop, smartphone, "
                   "headphones, fan, desk, chair, sock, shirt, pants, dress, sweater, jacket, "
                   "backpack, watch, eyeglasses, necklace, ring, candle, cabinet, basket, stool"),
    dict(name="found_in_office", question="Would you find it in an office or a classroom?",
         phrases=["office", "in an office", "in the office", "at work", "workplace",
                  "school supply", "school supplies", "stationery", "office supply",
                  "office supplies", "at school", "in school", "classroom item"],
         yes="pen, pencil, calculator, printer, desk",
         sometimes="book, laptop, chair, scissors, clock, crayon, trash can, lamp, smartphone, "
                   "stool, bookshelf, cabinet, backpack, paintbrush, tape measure, fan, "
                   "building blocks, puzzle"),
    dict(name="found_in_shed", question="Would you find it in a garage or shed?",
         phrases=["garage", "in a garage", "in the garage", "shed", "in a shed", "in the shed",
                  "toolbox item", "workshop", "in a workshop", "tool shed", "toolshed"],
         yes="hammer, screwdriver, saw, wrench, drill, shovel, axe, rake, ladder, wheelbarrow, "
             "chainsaw, lawn mower, tape measure",
         sometimes="car, bicycle, motorcycle, scooter, bucket, paintbrush, flashlight, broom, "
                   "tractor, skateboard, skis, roller skates, toy car, trash can, boat, canoe"),
    dict(name="found_in_sky", question="Is it seen in the sky?",
         phrases=["sky", "in the sky", "up in the sky", "the sky", "in the air above", "overhead",
                  "look up", "up above", "in the heavens", "celestial"],
         yes="sun, moon, cloud, rainbow, lightning",
         sometimes="airplane, helicopter, kite, drone, hot air balloon, eagle, balloon, rocket, "
                   "snowflake, owl, bat, parrot, duck, bee, butterfly"),
    dict(name="found_in_space", question="Is it found in outer space?",
         phrases=["space", "outer space", "in space", "in outer space", "the universe",
                  "astronomical", "planet", "planets", "cosmos", "galaxy", "orbit"],
         yes="sun, moon", sometimes="rocket"),
    dict(name="found_in_desert", question="Would you find it in a desert?",
         phrases=["desert", "in the desert", "in a desert", "in deserts", "arid", "dry place",
                  "sand dunes", "sahara"],
         yes="camel, cactus", sometimes="snake, spider, rock, sun, ant, lizard, crocodile, bat, "
                                        "mountain, tent, cave"),
    dict(name="found_at_beach", question="Would you find it at the beach?",
         phrases=["at the beach", "on the beach", "beach thing", "seaside thing", "by the sea",
                  "on the shore", "sand", "sandy"],
         yes="seashell, crab, surfboard, swimsuit",
         sometimes="sunglasses, umbrella, towel, frisbee, bucket, shovel, seaweed, jellyfish, "
                   "ball, kite, rock, boat, canoe, hat, ice cream, lighthouse, sun"),
    dict(name="found_in_city", question="Is it usually found in a city?",
         phrases=["city", "in a city", "in the city", "in town", "urban", "downtown", "on the street",
                  "street", "streets", "town", "cities"],
         yes="bus, car, stadium, airport, cinema, hospital, library, school, church, park",
         sometimes="bicycle, truck, ambulance, fire truck, motorcycle, scooter, train, taxi, "
                   "pigeon, bridge, trash can, bench, playground, swimming pool, zoo, mouse, dog, "
                   "cat, tree, helicopter, skateboard"),
    dict(name="bigger_than_person", question="Is it bigger than a person?",
         phrases=["bigger than a person", "bigger than a human", "bigger than me", "bigger than you",
                  "taller than a person", "taller than me", "taller than you", "taller than a human",
                  "larger than a person", "larger than a human", "bigger than a man",
                  "bigger than an adult", "taller than a man", "person sized", "human sized",
                  "bigger than people", "larger than me", "larger than you"],
         rule=lambda o: "yes" if o["attributes"]["bigger_than_car"] == "yes" else "no",
         yes="horse, bear, camel, whale, door, ladder, wardrobe, canoe, boat, car, tractor, "
             "ambulance, fire truck, truck, bus, train, airplane, helicopter, ship, submarine, "
             "rocket, hot air balloon, bamboo, tree, pine tree, bed, crocodile, tent",
         sometimes="cow, shark, dolphin, refrigerator, bookshelf, sofa, motorcycle, piano, "
                   "trampoline, hammock, surfboard, skis, fireplace, cactus, harp, lightning, "
                   "volcano, fire, bathtub, dresser, cabinet, washing machine"),
    dict(name="bigger_than_house", question="Is it bigger than a house?",
         phrases=["bigger than a house", "larger than a house", "bigger than a building",
                  "bigger than my house", "bigger than your house", "house sized", "taller than a house",
                  "bigger than a home"],
         yes="ship, train, airplane, stadium, airport, hospital, school, castle, mountain, river, "
             "ocean, volcano, island, desert, forest, sun, moon, cloud, zoo, park, farm, beach",
         sometimes="whale, submarine, rocket, hot air balloon, church, library, cinema, lighthouse, "
                   "bridge, swimming pool, tree, cave, lightning, rainbow, playground, pine tree"),
    dict(name="fits_in_pocket", question="Would it fit in a pocket?",
         phrases=["pocket", "in a pocket", "in your pocket", "in my pocket", "pocket sized",
                  "pocketable", "fit in a pocket", "fits in a pocket"],
         yes="key, coin, credit card, ring, necklace, pen, pencil, crayon, dice, marbles, "
             "toothbrush, comb, lollipop, chocolate, cookie, smartphone, remote control, calculator, "
             "harmonica, whistle, tooth, feather, diamond, seashell, ant, bee, spider, needle, "
             "sunglasses, eyeglasses, watch, playing cards, yo yo, spinning top, bandage, "
             "thermometer, wallet, sock, tie, glove, candle, egg, rock, strawberry, grapes, "
             "snowflake, leaf, light bulb, butterfly, soap, daisy, headphones, tape measure, "
             "flashlight, toy car, screwdriver, action figure, ice, popcorn, mouse, pinecone, "
             "finger, rice",
         sometimes="scissors, knife, wrench, spoon, fork, lemon, carrot, onion, mushroom, "
                   "tambourine, camera, hamster, goldfish, frog, crab, rubber duck, rose, tulip, "
                   "hat, scarf, belt, swimsuit, apple, orange, banana, potato, tomato, donut, "
                   "sandwich, corn, coconut, cup, book, paintbrush, doll"),
    dict(name="tiny", question="Is it smaller than a coin?",
         phrases=["tiny", "smaller than a coin", "very small", "really small", "super small",
                  "microscopic", "minuscule", "smaller than a penny", "smaller than a grape",
                  "itty bitty", "teeny", "smaller than a fingernail"],
         yes="ant, bee, snowflake, rice", sometimes="marbles, dice, tooth, ring, spider, "
                                                   "popcorn, diamond, grapes, seashell, "
                                                   "feather, hair, needle"),
    dict(name="long_and_thin", question="Is it long and thin?",
         phrases=["long and thin", "long and skinny", "thin and long", "stick shaped", "rod shaped",
                  "elongated", "skinny", "thin", "slender", "long", "like a stick", "stick like",
                  "cylindrical", "tube shaped", "narrow"],
         yes="snake, pencil, pen, needle, knife, spoon, fork, toothbrush, paintbrush, crayon, broom, "
             "mop, rake, shovel, baseball bat, hockey stick, golf club, skis, flute, tie, scarf, "
             "belt, hair, bamboo, jump rope, river, train, lightning, candle, finger, carrot",
         sometimes="screwdriver, hammer, axe, tape measure, saxophone, trumpet, canoe, surfboard, "
                   "bridge, banana, pasta, corn, eel, ladder, tree, pine tree, thermometer, "
                   "flashlight, bottle, umbrella, chainsaw, giraffe, crocodile, lollipop"),
    dict(name="flat", question="Is it flat?",
         phrases=["flat", "flat shaped", "flat like paper", "thin and flat", "flattish",
                  "two dimensional", "paper thin", "level surface"],
         yes="plate, coin, credit card, playing cards, mirror, leaf, towel, frisbee, puzzle, "
             "door, blanket, skateboard, surfboard",
         sometimes="book, pizza, cookie, table, desk, skis, wallet, laptop, smartphone, television, "
                   "bandage, feather, tie, scarf, island, desert, beach, pillow, frying pan, "
                   "chocolate, seaweed, bench, bed, hammock"),
    dict(name="rectangular", question="Is it square or rectangular?",
         phrases=["rectangular", "rectangle", "square", "squared", "square shaped", "box shaped",
                  "boxy", "shaped like a box", "cube", "cube shaped", "cuboid", "brick shaped",
                  "four corners", "four sides", "oblong"],
         yes="book, door, credit card, playing cards, laptop, smartphone, television, bed, wallet, "
             "suitcase, towel, blanket, refrigerator, oven, dishwasher, washing machine, microwave, "
             "toaster, desk, bookshelf, wardrobe, dresser, cabinet, printer, calculator, remote "
             "control, dice, chess set, building blocks, puzzle, sandwich, bread, butter, "
             "chocolate, crib, soap",
         sometimes="table, mirror, pillow, bench, backpack, trash can, stool, sofa, cake, cheese, "
                   "video game console, tent, swimming pool, school, hospital, library, cinema, "
                   "stadium, truck, bus, train, bathtub, fireplace, basket, toilet paper, "
                   "cookie, pizza, clock, camera, radio, scarf, ladder, trampoline"),
    dict(name="transparent", question="Can you see through it?",
         phrases=["see through", "transparent", "see through it", "clear", "translucent",
                  "can see through"],
         yes="jellyfish, ice, diamond, eyeglasses, snowflake",
         sometimes="bottle, cup, light bulb, sunglasses, water, cloud, balloon, marbles, mirror, "
                   "river, ocean, fire, honey, plastic bag"),
    dict(name="has_door", question="Does it have a door?",
         phrases=["door on it", "doors", "a door", "has a door", "have a door", "have doors",
                  "has doors", "opens with a door", "lid", "a lid", "has a lid", "open it",
                  "opens up", "open and close"],
         yes="car, bus, train, airplane, helicopter, truck, ambulance, fire truck, refrigerator, "
             "microwave, washing machine, dishwasher, oven, wardrobe, cabinet, tractor, hospital, "
             "library, school, church, cinema, castle, lighthouse, airport, stadium, submarine",
         sometimes="ship, boat, tent, dresser, bookshelf, trash can, kettle, printer, rocket, "
                   "toy car, suitcase, bucket, basket, fireplace, toaster, laptop, zoo, farm, "
                   "crib, toilet, desk"),
    dict(name="has_engine", question="Does it have an engine or a motor?",
         phrases=["engine", "engines", "motor", "motors", "motorized", "motorised", "an engine",
                  "a motor", "has an engine", "has a motor", "engine powered", "motor powered",
                  "horsepower", "combustion"],
         yes="car, bus, train, airplane, helicopter, ship, motorcycle, truck, submarine, rocket, "
             "tractor, ambulance, fire truck, lawn mower, chainsaw, drill, drone, washing machine, "
             "dishwasher, vacuum cleaner, fan, hair dryer, blender",
         sometimes="boat, scooter, refrigerator, toy car, printer, video game console, microwave, "
                   "canoe, hot air balloon"),
    dict(name="runs_on_fuel", question="Does it run on fuel, like gas or petrol?",
         phrases=["fuel", "gas", "gasoline", "petrol", "diesel", "gas powered", "petrol powered",
                  "fuel powered", "run on gas", "runs on gas", "fill it up", "filled up", "tank of gas",
                  "gas station", "petrol station", "refuel", "oil"],
         yes="bus, airplane, helicopter, ship, motorcycle, truck, rocket, tractor, ambulance, "
             "fire truck, hot air balloon",
         sometimes="car, train, boat, submarine, lawn mower, chainsaw, scooter, oven, fireplace"),
    dict(name="uses_batteries", question="Does it run on batteries?",
         phrases=["battery", "batteries", "battery powered", "battery operated", "rechargeable",
                  "recharge", "charge it", "charging", "charger", "run on batteries",
                  "runs on batteries", "cordless", "wireless", "needs charging", "charged"],
         yes="flashlight, smartphone, laptop, camera, remote control, calculator, drone, watch",
         sometimes="headphones, radio, clock, thermometer, drill, car, "
                   "video game console, lawn mower, chainsaw, vacuum cleaner, fan"),
    dict(name="plugs_in", question="Do you plug it into the wall?",
         phrases=["plug", "plugs", "plug in", "plugged in", "plug it in", "plugs in", "socket",
                  "outlet", "wall socket", "power outlet", "mains", "power cord", "cord", "cable",
                  "wired", "into the wall"],
         yes="television, refrigerator, microwave, toaster, washing machine, dishwasher, lamp, fan, "
             "hair dryer, printer, blender, iron, video game console",
         sometimes="vacuum cleaner, laptop, smartphone, radio, drill, lawn mower, chainsaw, kettle, "
                   "oven, clock, light bulb, headphones, camera, car, train"),
    dict(name="human_powered", question="Is it powered by a person's muscles?",
         phrases=["human powered", "powered by people", "muscle powered", "pedal", "pedals",
                  "pedal it", "push it", "pushed", "pull it", "pulled", "paddle", "paddled",
                  "row it", "manual", "by hand", "hand powered", "your own strength", "elbow grease",
                  "muscles", "muscle power", "person s muscles", "muscle"],
         yes="bicycle, canoe, wheelbarrow, skateboard, roller skates, scooter, hammer, screwdriver, "
             "saw, wrench, shovel, axe, rake, broom, mop, rocking horse, yo yo, spinning top, "
             "jump rope, dumbbell, scissors, knife, paintbrush, needle",
         sometimes="boat, lawn mower, skis, toy car, piano, accordion, sled, surfboard, tambourine, "
                   "drum, trampoline, kite, frisbee, hockey stick, baseball bat, tennis racket, "
                   "golf club, bowling ball, soccer ball, basketball, swing, pen, pencil, crayon, "
                   "comb, toothbrush, fork, spoon, umbrella"),
    dict(name="has_pedals", question="Does it have pedals?",
         phrases=["pedals on it", "has pedals", "have pedals", "foot pedal", "foot pedals",
                  "pedal operated", "pedaled", "pedalled"],
         yes="bicycle, piano, car, tractor, bus, truck, ambulance, fire truck, harp",
         sometimes="drum, trash can, motorcycle, sewing machine, boat, airplane, helicopter, train"),
    dict(name="has_keys", question="Does it have keys, like a keyboard?",
         phrases=["keyboard", "a keyboard", "keys on it", "has keys", "have keys", "keypad",
                  "typing", "type on it", "type with", "ivories"],
         yes="piano, accordion, laptop, calculator",
         sometimes="smartphone, remote control, saxophone, flute, printer, xylophone"),
    dict(name="has_strings", question="Does it have strings?",
         phrases=["strings", "string", "stringed", "strung", "has strings", "stringed instrument",
                  "string instrument", "pluck", "plucked", "bow"],
         yes="guitar, violin, harp, piano, tennis racket, kite, yo yo",
         sometimes="balloon, tie, shoe, hammock, puppet, bow"),
    dict(name="wind_instrument", question="Do you blow into it?",
         phrases=["blow", "blow into", "blow into it", "blow in", "blown", "wind instrument",
                  "brass instrument", "woodwind", "by blowing", "breath"],
         yes="trumpet, flute, saxophone, harmonica, whistle",
         sometimes="balloon, accordion, candle"),
    dict(name="percussion", question="Do you hit it to make a sound?",
         phrases=["percussion", "percussion instrument", "hit it", "hit", "strike", "struck",
                  "bang", "tap it", "beat", "beaten", "drumsticks", "sticks", "mallets", "bang on it",
                  "hit it with", "hit it to make a sound", "hit to make a sound"],
         yes="drum, xylophone, tambourine",
         sometimes="piano, hammer, bell, bowling ball, baseball bat, golf club, hockey stick, "
                   "tennis racket"),
    dict(name="plays_music", question="Can it play or make music?",
         phrases=["music", "musical", "play music", "make music", "makes music", "plays music",
                  "melody", "melodies", "songs", "song", "tunes", "tune", "listen to music",
                  "listen to it", "sing", "sings"],
         rule=lambda o: "yes" if o["attributes"]["musical_instrument"] == "yes" else "no",
         yes="radio, headphones, smartphone",
         sometimes="laptop, television, video game console, whistle, bird, parrot, clock, "
                   "rubber duck, bee, frog, whale, owl, car"),
    dict(name="used_for_eating", question="Do you eat or drink with it?",
         phrases=["eat with", "eat with it", "eating utensil", "utensil", "utensils", "cutlery",
                  "silverware", "flatware", "tableware", "eat off", "eat from", "eat out of",
                  "drink from", "drink out of", "drink from it", "crockery", "dishes", "a dish",
                  "eat or drink with", "drink with", "eat or drink with it"],
         yes="spoon, fork, plate, cup", sometimes="knife, bottle, frying pan, bowl, chopsticks"),
    dict(name="used_for_cooking", question="Is it used for cooking?",
         phrases=["cooking", "cook", "used for cooking", "cook with", "cook with it", "cook food",
                  "cooks", "bake", "baking", "fry", "frying", "boil", "boiling", "heat food",
                  "prepare food", "make food", "food preparation"],
         yes="frying pan, kettle, oven, microwave, toaster, blender",
         sometimes="knife, spoon, fork, fire, fireplace, plate, cup, bowl, bucket, butter, "
                   "onion, egg, milk, honey"),
    dict(name="used_for_cutting", question="Is it used for cutting?",
         phrases=["cut", "cuts", "cutting", "cut things", "cut with", "used to cut", "slice",
                  "slicing", "chop", "chopping", "trim", "trimming", "blade", "blades", "saw through"],
         yes="knife, scissors, saw, axe, chainsaw, lawn mower", sometimes="blender, needle, fork"),
    dict(name="used_for_writing", question="Is it used for writing or drawing?",
         phrases=["write", "writing", "write with", "write with it", "draw", "drawing", "draw with",
                  "sketch", "color with", "colour with", "colouring", "coloring", "scribble",
                  "paint with", "painting", "art supply", "art supplies", "ink"],
         yes="pen, pencil, crayon, paintbrush",
         sometimes="laptop, smartphone, paper, book, desk, printer, feather, finger, chalk"),
    dict(name="used_for_communication", question="Is it used to communicate?",
         phrases=["communicate", "communication", "communicating", "talk to people",
                  "talk to someone", "call people", "make calls", "phone calls", "calls",
                  "send messages", "messages", "messaging", "texting", "chat with", "contact people"],
         yes="smartphone", sometimes="laptop, radio, television, pen, pencil, book, whistle, "
                                     "drum, lighthouse, parrot, camera"),
    dict(name="used_for_entertainment", question="Is it used for entertainment or fun?",
         phrases=["entertainment", "entertain", "entertaining", "for fun", "fun", "have fun",
                  "amusement", "leisure", "hobby", "pastime", "enjoyment", "relax", "relaxing",
                  "for pleasure"],
         rule=lambda o: "yes" if o["category"] in ("toy",) or o["attributes"]["toy"] == "yes"
         else "no",
         yes="television, video game console, radio, cinema, playground, park, zoo, stadium, "
             "swimming pool, beach, trampoline, kite, frisbee, skateboard, surfboard, roller "
             "skates, book, playing cards, chess set, dice, puzzle, marbles, headphones, "
             "guitar, piano, violin, drum, trumpet, flute, harp, saxophone, harmonica, xylophone, "
             "tambourine, accordion, hammock",
         sometimes="laptop, smartphone, camera, balloon, soccer ball, basketball, bowling ball, "
                   "tennis racket, golf club, skis, baseball bat, hockey stick, bicycle, boat, "
                   "canoe, hot air balloon, library, castle, dog, cat, parrot, goldfish, hamster, "
                   "rabbit, drone, scooter, fireplace, rainbow, island, forest, river, ocean"),
    dict(name="container", question="Can you put things inside it?",
         phrases=["container", "a container", "hold things", "holds things", "store things",
                  "stores things", "put things in", "put things in it", "put stuff in",
                  "put stuff in it", "storage", "keep things in", "keep things in it", "holder",
                  "put things inside", "put things inside it", "put stuff inside",
                  "receptacle", "carry things in", "fill it", "filled with"],
         yes="cup, bottle, bucket, basket, trash can, wallet, suitcase, backpack, bookshelf, "
             "wardrobe, dresser, cabinet, refrigerator, kettle, oven, microwave, washing machine, "
             "dishwasher, frying pan, bathtub, toilet, car, truck, bus, ship, boat, wheelbarrow, "
             "submarine, ambulance, fire truck, train, airplane, helicopter, desk, crib, tent, "
             "swimming pool",
         sometimes="plate, toaster, blender, fireplace, canoe, rocket, tractor, bed, sofa, "
                   "stool, bench, table, hot air balloon, library, school, hospital, church, "
                   "castle, lighthouse, cave, pants, jacket, dress, shirt, hat, shoe, sock, "
                   "glove, balloon, egg, coconut, seashell, pumpkin, sandwich, donut, "
                   "chess set, printer, vacuum cleaner, camera"),
    dict(name="used_for_sleeping", question="Is it used for sleeping or resting?",
         phrases=["sleep", "sleep on", "sleep in", "sleeping", "sleeps", "rest on", "resting",
                  "nap", "lie on", "lie down", "lie down on", "bedtime", "bedding", "go to bed",
                  "asleep"],
         yes="bed, pillow, blanket, crib, hammock", sometimes="sofa, tent, teddy bear, bench, "
                                                          "chair, cave"),
    dict(name="sit_on", question="Do you sit on it?",
         phrases=["sit on", "sit on it", "sit in it", "sit in", "seat", "sit", "sitting",
                  "seating", "sat on", "somewhere to sit", "sits on", "something to sit on",
                  "take a seat"],
         yes="chair, stool, sofa, bench, bicycle, motorcycle, toilet, rocking horse, tractor, "
             "scooter",
         sometimes="bed, horse, camel, hammock, surfboard, canoe, table, desk, trampoline, "
                   "skateboard, car, bus, train, airplane, boat, elephant, cushion, pillow, rock, "
                   "wheelbarrow, bathtub, dresser"),
    dict(name="carries_things", question="Is it used to carry things?",
         phrases=["carry", "carry things", "carries things", "carry stuff", "carries stuff",
                  "carrying", "haul", "hauling", "move things", "carry loads", "deliver",
                  "delivering", "transport goods", "luggage carrier", "cargo", "carry your stuff"],
         yes="backpack, suitcase, wallet, basket, bucket, wheelbarrow, truck",
         sometimes="ship, train, airplane, bicycle, camel, horse, car, boat, tractor, bus, "
                   "helicopter, drone, cup, bottle, plate, trash can, tray, pants, jacket, "
                   "elephant, ant, ambulance, fire truck, hot air balloon, rocket, submarine, "
                   "canoe, scooter, motorcycle"),
    dict(name="gives_light", question="Does it give off light?",
         phrases=["light up", "lights up", "give off light", "gives off light", "give light",
                  "gives light", "produce light", "produces light", "glow", "glows", "glowing",
                  "shine", "shines", "shining", "illuminate", "illuminates", "light source",
                  "source of light", "lighting", "emit light", "emits light", "bright light",
                  "see in the dark"],
         yes="sun, lightning, fire, candle, lamp, light bulb, flashlight, lighthouse, fireplace",
         sometimes="moon, television, smartphone, laptop, volcano, video game console, camera, "
                   "calculator, watch, microwave, refrigerator, oven, printer, drone, fire truck, "
                   "ambulance, car, jellyfish, remote control, radio"),
    dict(name="protects", question="Does it protect you from something?",
         phrases=["protect", "protects", "protection", "protective", "keep you safe",
                  "keeps you safe", "safety", "shield", "guard", "defend", "defense",
                  "keep you dry", "keep you warm", "keeps you warm", "keeps you dry"],
         yes="helmet, umbrella, sunglasses, glove, boxing gloves, jacket, bandage, tent, castle, "
             "sweater, scarf",
         sometimes="hat, shoe, sock, pants, shirt, dress, blanket, lighthouse, door, eyeglasses, "
                   "seashell, turtle, hedgehog, crab, house, hospital, ambulance, fire truck, "
                   "cave, wallet, suitcase, backpack, fireplace, fire"),
    dict(name="used_for_building", question="Is it used to build or fix things?",
         phrases=["build", "building things", "build things", "fix", "fix things", "fixing",
                  "repair", "repairs", "repairing", "construction", "construct", "diy",
                  "carpentry", "woodwork", "handyman", "assemble"],
         yes="hammer, screwdriver, wrench, saw, drill, tape measure",
         sometimes="ladder, chainsaw, axe, needle, building blocks, shovel, wheelbarrow, "
                   "paintbrush, scissors, knife, tractor"),
    dict(name="used_for_measuring", question="Is it used to measure something?",
         phrases=["measure", "measures", "measuring", "measurement", "measurements", "gauge",
                  "tells you", "reading", "readings", "scale", "how much something weighs"],
         yes="tape measure, thermometer, clock, watch", sometimes="cup, spoon, smartphone, "
                                                                  "calculator, ruler"),
    dict(name="tells_time", question="Does it tell the time?",
         phrases=["tell time", "tells time", "tell the time", "tells the time", "time",
                  "what time it is", "timekeeping", "keep time", "keeps time", "timer", "o clock",
                  "hours", "minutes"],
         yes="clock, watch", sometimes="smartphone, sun, laptop, microwave, oven, radio, "
                                       "television, video game console, calculator, moon"),
    dict(name="has_numbers", question="Does it have numbers on it?",
         phrases=["numbers", "number", "numbered", "digits", "numbers on it", "numerals",
                  "numbers written on it", "count", "counting", "math", "maths", "arithmetic"],
         yes="clock, calculator, coin, credit card, playing cards, tape measure, thermometer, "
             "remote control, dice",
         sometimes="watch, smartphone, book, microwave, oven, bus, train, car, truck, stadium, "
                   "laptop, radio, printer, washing machine, dishwasher, dumbbell, key, ruler, "
                   "puzzle, building blocks, door, airplane, helmet, shirt, basketball"),
    dict(name="foldable", question="Can you fold it?",
         phrases=["fold", "folds", "foldable", "folding", "fold up", "folded", "fold it", "collapsible",
                  "fold it up", "bend", "bendable", "flexible", "roll up", "rolled up"],
         yes="umbrella, blanket, towel, scarf, shirt, pants, dress, sweater, jacket, sock, tie, "
             "swimsuit, laptop, toilet paper, playing cards, tent, hammock, pillow",
         sometimes="chair, ladder, sunglasses, eyeglasses, wallet, book, bicycle, scooter, table, "
                   "stool, trampoline, crib, belt, glove, hat, backpack, sofa, bed, jump rope, "
                   "tape measure, smartphone, feather, leaf, seaweed, grass, kite, skis"),
    dict(name="comes_in_pairs", question="Does it usually come in pairs?",
         phrases=["pair", "pairs", "a pair", "in pairs", "come in pairs", "comes in pairs", "a set of two",
                  "twins", "two of them", "left and right", "matching pair", "couple"],
         yes="shoe, sock, glove, skis, roller skates, boxing gloves, eye, hand, chopsticks",
         sometimes="dice, earrings, headphones, wheels, dumbbell, eyeglasses, sunglasses, "
                   "drum, pillow, hamster, finger"),
    dict(name="jewelry", question="Is it jewelry?",
         phrases=["jewelry", "jewellery", "piece of jewelry", "piece of jewellery", "jewelry item",
                  "bling", "earring", "bracelet", "jewel like"],
         yes="ring, necklace", sometimes="watch, diamond"),
    dict(name="worn_on_head", question="Is it worn on the head?",
         phrases=["on your head", "on the head", "on his head", "on her head", "worn on the head",
                  "head wear", "headwear", "headgear", "over your eyes", "on your face",
                  "on the face", "wear on your head", "put on your head"],
         yes="hat, helmet, sunglasses, eyeglasses, headphones", sometimes="scarf"),
    dict(name="worn_on_feet", question="Is it worn on the feet?",
         phrases=["on your feet", "on the feet", "on your foot", "on the foot", "footwear",
                  "worn on the feet", "worn on your feet", "wear on your feet", "put on your feet",
                  "for your feet", "feet"],
         yes="shoe, sock, roller skates", sometimes="skis"),
    dict(name="worn_on_hands", question="Is it worn on the hands or wrists?",
         phrases=["on your hands", "on your hand", "on the hand", "on the hands", "on your wrist",
                  "on the wrist", "on your finger", "on a finger", "worn on the hands",
                  "wear on your hand", "wear on your hands", "wear on your wrist", "handwear",
                  "for your hands"],
         yes="glove, boxing gloves, ring, watch"),
    dict(name="has_pockets", question="Does it have pockets?",
         phrases=["pockets", "has pockets", "have pockets", "with pockets", "a pocket on it",
                  "compartments", "compartment", "zipper", "zip", "zippers"],
         yes="pants, jacket, backpack, wallet, suitcase",
         sometimes="shirt, dress, sweater, swimsuit, pool table, desk, car, dresser"),
    dict(name="has_sleeves", question="Does it have sleeves?",
         phrases=["sleeves", "sleeve", "sleeved", "long sleeves", "short sleeves", "arms on it"],
         yes="shirt, jacket, sweater", sometimes="dress, swimsuit"),
    dict(name="is_fruit", question="Is it a fruit?",
         phrases=["fruit", "fruits", "a fruit", "fruity", "kind of fruit", "type of fruit",
                  "a berry", "berry", "berries", "citrus", "citrus fruit"],
         yes="apple, banana, orange, strawberry, grapes, watermelon, lemon",
         sometimes="tomato, coconut, pumpkin"),
    dict(name="is_vegetable", question="Is it a vegetable?",
         phrases=["vegetable", "vegetables", "a vegetable", "veggie", "veggies", "veg",
                  "kind of vegetable", "type of vegetable", "root vegetable"],
         yes="carrot, potato, onion", sometimes="tomato, corn, mushroom, pumpkin"),
    dict(name="dessert", question="Is it a dessert or a sweet treat?",
         phrases=["dessert", "desserts", "a dessert", "sweet treat", "treat", "treats", "candy",
                  "candies", "confectionery", "pudding", "after dinner", "snack food sweet"],
         yes="ice cream, chocolate, cookie, cake, donut, lollipop", sometimes="popcorn, honey, "
                                                                           "strawberry, watermelon"),
    dict(name="dairy", question="Is it a dairy product?",
         phrases=["dairy", "dairy product", "made from milk", "made with milk", "milk product",
                  "contains milk", "milky", "lactose", "cow milk", "from a cow"],
         yes="milk, cheese, butter, ice cream", sometimes="chocolate, pizza, cake, cookie, "
                                                         "coffee, sandwich, hamburger, soup"),
    dict(name="baked", question="Is it baked?",
         phrases=["baked", "baked good", "baked goods", "bakery", "from a bakery", "baked in an oven",
                  "pastry", "pastries", "made with flour", "flour", "dough", "oven baked"],
         yes="bread, cake, cookie, pizza", sometimes="donut, potato, pumpkin, sandwich, "
                                                     "hamburger, pasta"),
    dict(name="grain_food", question="Is it made from grain?",
         phrases=["grain", "grains", "made from grain", "wheat", "made from wheat", "cereal",
                  "cereals", "carbs", "carbohydrate", "carbohydrates", "starchy", "starch",
                  "oats", "barley"],
         yes="bread, pasta, rice, corn, popcorn, cookie, cake, donut, pizza, sandwich",
         sometimes="hamburger, potato, soup"),
    dict(name="contains_meat", question="Does it contain meat?",
         phrases=["meat", "meaty", "contain meat", "contains meat", "made of meat", "made with meat",
                  "beef", "pork", "ham", "sausage", "vegetarian", "vegan"],
         yes="hamburger", sometimes="sandwich, pizza, soup, pasta"),
    dict(name="needs_cooking", question="Is it usually cooked before you eat it?",
         phrases=["cooked", "cooked before", "cook it", "cook it first", "cook it before", "need cooking",
                  "needs cooking", "need to cook", "need to be cooked", "needs to be cooked",
                  "eat it raw", "eaten raw", "raw", "uncooked"],
         yes="potato, rice, pasta, egg, pumpkin, soup, pizza, hamburger, bread, cake, cookie, "
             "popcorn, donut",
         sometimes="corn, mushroom, onion, carrot, tomato, cheese, sandwich, coffee, chocolate, "
                   "crab, octopus, chicken, pig, cow"),
    dict(name="is_drink", question="Is it something you drink?",
         phrases=["drink", "drink it", "a drink", "drinkable", "beverage", "beverages", "sip",
                  "sip it", "drunk", "drinking", "thirsty", "glass of"],
         yes="milk, coffee", sometimes="soup, coconut"),
    dict(name="grows_underground", question="Does it grow underground?",
         phrases=["underground", "grow underground", "grows underground", "under the ground",
                  "in the soil", "in the dirt", "in the ground", "dug up", "dig it up", "root",
                  "roots", "below ground"],
         yes="carrot, potato, onion", sometimes="mushroom, peanut, ant"),
    dict(name="has_seeds", question="Does it have seeds?",
         phrases=["seeds", "seed", "seeded", "pips", "pip", "a pit", "stone inside", "has seeds",
                  "seedy", "core"],
         yes="apple, orange, strawberry, watermelon, lemon, tomato, pumpkin, sunflower, "
             "pinecone, pine tree",
         sometimes="grapes, banana, coconut, tree, rose, tulip, daisy, grass, cactus, corn, "
                   "bread, popcorn"),
    dict(name="has_leaves", question="Does it have leaves?",
         phrases=["leaves", "leafy", "has leaves", "have leaves", "foliage", "green leaves",
                  "fronds", "leaved"],
         yes="tree, rose, tulip, daisy, sunflower, bamboo, fern, grass",
         sometimes="pine tree, moss, seaweed, carrot, onion, strawberry, cactus, corn, pumpkin"),
    dict(name="is_flower", question="Is it a flower?",
         phrases=["flower", "flowers", "a flower", "flowering", "bloom", "blooms", "blossom",
                  "blossoms", "petals", "petal", "bouquet", "floral"],
         yes="rose, tulip, daisy, sunflower", sometimes="cactus"),
    dict(name="prickly", question="Is it prickly or spiky?",
         phrases=["prickly", "spiky", "spikes", "spines", "spiny", "thorns", "thorny", "prickles",
                  "quills", "needles", "bristly", "spike"],
         yes="cactus, hedgehog, rose", sometimes="pinecone, pine tree, seashell, crab, "
                                                  "pineapple, toothbrush, comb, coconut"),
    dict(name="poisonous", question="Is it poisonous or venomous?",
         phrases=["poisonous", "poison", "venomous", "venom", "toxic", "sting", "stings",
                  "stinger", "deadly poison", "poisoned"],
         yes="jellyfish", sometimes="snake, spider, bee, octopus, mushroom, ant, frog"),
    dict(name="winter", question="Is it associated with winter or snow?",
         phrases=["winter", "wintertime", "in winter", "in the snow", "snowy", "christmas",
                  "ski", "skiing", "freezing weather", "snow related", "cold weather"],
         yes="skis, snowflake, ice, scarf, pine tree", sometimes="sweater, glove, jacket, "
                                                               "hockey stick, penguin, "
                                                               "fireplace, hat, blanket, "
                                                               "mountain, polar bear"),
    dict(name="summer", question="Is it associated with summer?",
         phrases=["summer", "summertime", "in summer", "summery", "hot weather", "sunny",
                  "sunshine", "sunbathing", "holiday", "vacation"],
         yes="swimsuit, sunglasses, beach, swimming pool, ice cream, watermelon, surfboard, sun",
         sometimes="fan, sunflower, frisbee, kite, hammock, lemon, bee, butterfly, strawberry, "
                   "tent, island, ocean, hat, umbrella, seashell, boat, canoe"),
    dict(name="team_sport", question="Is it used in a team sport?",
         phrases=["team sport", "team sports", "team game", "teams", "a team", "with a team",
                  "team", "teammates", "league"],
         yes="soccer ball, basketball, hockey stick, baseball bat", sometimes="helmet, whistle, "
                                                                              "stadium, frisbee"),
    dict(name="is_ball", question="Is it a ball?",
         phrases=["ball", "a ball", "balls", "kind of ball", "type of ball", "some kind of ball"],
         yes="soccer ball, basketball, bowling ball", sometimes="marbles"),
    dict(name="made_of_stone", question="Is it made of stone or rock?",
         phrases=["made of stone", "made of rock", "made from stone", "stony", "rocky", "concrete",
                  "brick", "bricks", "made of brick", "cement", "granite", "mineral", "minerals",
                  "of stone", "stone made"],
         yes="rock, mountain, volcano, cave, castle, diamond",
         sometimes="lighthouse, bridge, church, fireplace, school, library, hospital, stadium, "
                   "island, seashell, bench, stadium"),
    dict(name="made_of_rubber", question="Is it made of rubber?",
         phrases=["rubber", "rubbery", "made of rubber", "latex", "bouncy", "stretchy", "elastic"],
         yes="rubber duck, balloon, basketball", sometimes="soccer ball, shoe, tire, boots, "
                                                          "glove, bowling ball, frisbee, "
                                                          "toy car, roller skates, bandage, "
                                                          "trampoline, swimsuit, eraser"),
    dict(name="made_of_leather", question="Is it made of leather?",
         phrases=["leather", "made of leather", "leathery", "hide", "suede", "animal skin"],
         yes="boxing gloves", sometimes="wallet, belt, shoe, jacket, sofa, glove, soccer ball, "
                                       "basketball, baseball bat, backpack, suitcase, chair, "
                                       "watch, hat"),
    dict(name="has_wheels_four", question="Does it have four or more wheels?",
         phrases=["four wheels", "4 wheels", "four or more wheels", "lots of wheels", "many wheels",
                  "more than two wheels", "eighteen wheels", "wheels four"],
         yes="car, bus, train, truck, tractor, ambulance, fire truck, toy car, roller skates, "
             "skateboard", sometimes="airplane, suitcase, scooter, lawn mower, "
                                     "vacuum cleaner, chair"),
    dict(name="two_wheels", question="Does it have two wheels?",
         phrases=["two wheels", "2 wheels", "two wheeled", "2 wheeled", "two wheeler",
                  "one or two wheels"],
         yes="bicycle, motorcycle, scooter", sometimes="wheelbarrow, suitcase, lawn mower"),
    dict(name="red", question="Is it usually red?",
         phrases=["red", "reddish", "crimson", "scarlet", "the colour red", "the color red", "red colored",
                  "red coloured", "maroon"],
         yes="strawberry, tomato, fire truck, heart",
         sometimes="apple, rose, tulip, lollipop, car, crab, ladybug, lipstick, fire, ambulance, "
                   "balloon, candle, dress, shirt, hat, scarf, sock, tie, cherry, toy car, "
                   "lobster, boxing gloves, bus"),
    dict(name="green", question="Is it usually green?",
         phrases=["green", "greenish", "emerald", "the colour green", "the color green", "olive",
                  "green colored", "green coloured"],
         yes="grass, leaf, frog, fern, moss, cactus, bamboo, pine tree, tree, seaweed, crocodile",
         sometimes="apple, grapes, tractor, turtle, parrot, lemon, watermelon, snake, pear, "
                   "broccoli, lettuce, tomato, corn, forest, island, shirt, dress, hat, "
                   "sweater, jacket"),
    dict(name="yellow", question="Is it usually yellow?",
         phrases=["yellow", "yellowish", "golden", "the colour yellow", "the color yellow",
                  "yellow colored", "yellow coloured", "lemon colored", "blonde"],
         yes="banana, lemon, sun, sunflower, corn, butter, rubber duck",
         sometimes="cheese, bee, bus, pencil, tulip, daisy, chicken, lightning, giraffe, lion, "
                   "honey, taxi, duck, rose, popcorn, pasta, hat, dress, shirt, toy car, "
                   "tractor, egg, umbrella, ring, necklace, coin, trumpet, saxophone"),
    dict(name="white", question="Is it usually white?",
         phrases=["white", "whitish", "the colour white", "the color white", "snow white",
                  "white colored", "white coloured", "ivory", "off white", "cream colored"],
         yes="milk, cloud, snowflake, rice, tooth, toilet paper, bathtub, toilet",
         sometimes="egg, sheep, ice, refrigerator, dishwasher, washing machine, dice, moon, "
                   "seashell, daisy, rose, tulip, shirt, sock, towel, pillow, blanket, plate, "
                   "cup, soap, candle, feather, chicken, duck, polar bear, bear, cat, dog, "
                   "rabbit, mouse, horse, cow, hamster, airplane, ambulance, church, lighthouse, "
                   "dress, hat, sneaker, shoe, piano, bread, cheese, cake, ice cream, "
                   "popcorn, pasta, bandage, paper, book, microwave, printer, fan, light bulb, "
                   "ring, boat, ship, golf club, soccer ball, volleyball, sugar, cotton"),
    dict(name="black", question="Is it usually black?",
         phrases=["black", "blackish", "dark colored", "dark coloured", "the colour black",
                  "the color black", "jet black", "dark color", "dark colour"],
         yes="",
         sometimes="spider, ant, bat, crow, penguin, piano, television, laptop, smartphone, "
                   "camera, remote control, headphones, video game console, printer, calculator, "
                   "car, tie, shoe, hat, sunglasses, umbrella, frying pan, bowling ball, "
                   "tire, wheel, cat, dog, horse, cow, bear, coffee, pen, key, wallet, belt, "
                   "jacket, sock, pants, dress, sweater, chess set, dice, playing cards, "
                   "boxing gloves, helmet, guitar, hair, eye, rock, cave, seaweed, drone, "
                   "skateboard, backpack, suitcase, bee, whale, dolphin, eagle, sheep, "
                   "crocodile, bicycle, motorcycle, truck, bus, oven, microwave, fan, "
                   "glove, scarf, desk, chair, stool, sofa"),
    dict(name="brown", question="Is it usually brown?",
         phrases=["brown", "brownish", "the colour brown", "the color brown", "tan", "beige",
                  "brown colored", "brown coloured", "chocolate colored", "wooden colored"],
         yes="bear, chocolate, potato, coconut, coffee, camel, pinecone, hedgehog, bread, "
             "cookie, violin, guitar, rocking horse, basket, desk, table, bookshelf, wardrobe, "
             "dresser, cabinet, tree",
         sometimes="dog, cat, horse, cow, monkey, hamster, owl, eagle, rabbit, mouse, duck, "
                   "chicken, mushroom, onion, cake, donut, hamburger, pizza, wallet, belt, "
                   "shoe, hat, jacket, sweater, pants, backpack, suitcase, rock, mountain, "
                   "cave, desert, beach, river, cabin, chair, stool, bench, crib, door, "
                   "bed, sofa, canoe, boat, baseball bat, hockey stick, skateboard, broom, "
                   "drum, harp, piano, accordion, xylophone, chess set, teddy bear, "
                   "paintbrush, pencil, pine tree, bamboo, leaf, feather, honey, butterfly, "
                   "spider, ant, snake, frog, turtle, crocodile, seashell, sponge, "
                   "boxing gloves, basketball, football, ladder, axe, hammer, rake, shovel, "
                   "wheelbarrow, baseball glove, seaweed, fence"),
    dict(name="blue", question="Is it usually blue?",
         phrases=["blue", "bluish", "navy", "the colour blue", "the color blue", "blue colored",
                  "blue coloured", "turquoise", "sky blue"],
         yes="ocean",
         sometimes="river, pants, whale, dolphin, shark, swimming pool, sky, butterfly, parrot, "
                   "jellyfish, bird, car, truck, bus, shirt, dress, hat, sock, sweater, jacket, "
                   "scarf, tie, swimsuit, backpack, suitcase, toothbrush, cup, bottle, bucket, "
                   "building blocks, balloon, marbles, crayon, sunglasses, eye, diamond, "
                   "ice, seashell, eagle, penguin, toy car, helmet, skateboard, surfboard, "
                   "boat, ship, police car, fish, goldfish, crab, blueberry, towel, blanket, "
                   "pillow, umbrella, sponge, rubber duck, frisbee, football, flower, tulip, "
                   "lightning, planet, glove, bicycle, scooter, motorcycle"),
]


def dump(doc):
    """JSON with one line per object (180 values each would otherwise take 180 lines)."""
    head = {k: v for k, v in doc.items() if k != "objects"}
    text = json.dumps(head, indent=1, ensure_ascii=False)
    objects = ",\n  ".join(json.dumps(o, ensure_ascii=False) for o in doc["objects"])
    return text[:-2] + ',\n "objects": [\n  ' + objects + "\n ]\n}\n"


def main():
    base = json.loads(SRC.read_text())
    objects = base["objects"]
    by_name = {o["name"]: o for o in objects}
    categories = sorted({o["category"] for o in objects})
    problems = []

    attributes = []
    for a in base["attributes"]:
        remove, add = PHRASES_V1.get(a["name"], ([], []))
        phrases = [p for p in a["phrases"] if p not in remove]
        for p in add:
            if p not in phrases:
                phrases.append(p)
        attributes.append({"name": a["name"], "question": a["question"], "phrases": phrases})
    values = {o["name"]: dict(o["attributes"]) for o in objects}
    for (obj, attr), value in V1_OVERRIDES.items():
        assert obj in values and attr in values[obj], (obj, attr)
        values[obj][attr] = value

    for name, question, cat, phrases in CATEGORY_ATTRS:
        if cat not in categories:
            problems.append(f"category attribute {name}: no category {cat!r}")
        attributes.append({"name": name, "question": question, "phrases": phrases})
        for o in objects:
            values[o["name"]][name] = "yes" if o["category"] == cat else "no"

    for spec in NEW_ATTRS:
        name = spec["name"]
        attributes.append({"name": name, "question": spec["question"], "phrases": spec["phrases"]})
        rule = spec.get("rule")
        for o in objects:
            values[o["name"]][name] = rule(o) if rule else "no"
        # Lists may name things outside the catalog (a colour list naming "taxi" is harmless):
        # only catalog objects get values; unknown names are reported as a note, not an error.
        for kind in ("sometimes", "yes"):
            for n in names(spec.get(kind, "")):
                if n in by_name:
                    values[n][name] = kind

    # Phrase hygiene: a phrase belongs to one attribute and is no object's name or synonym.
    owner, object_words = {}, set()
    for o in objects:
        object_words.add(o["name"])
        object_words.update(o.get("synonyms", []))
    for a in attributes:
        kept = []
        for p in a["phrases"]:
            norm = " ".join("".join(ch if ch.isalnum() else " " for ch in p.lower()).split())
            if norm in object_words:
                print(f"note: dropped phrase {p!r} of {a['name']}: an object name", file=sys.stderr)
                continue
            if norm in owner:
                problems.append(f"phrase {p!r} of {a['name']} already belongs to {owner[norm]}")
                continue
            owner[norm] = a["name"]
            kept.append(p)
        a["phrases"] = kept

    out_objects = []
    for o in objects:
        out_objects.append({**{k: v for k, v in o.items() if k != "attributes"},
                            "attributes": {a["name"]: values[o["name"]][a["name"]]
                                           for a in attributes}})
    doc = {
        "task": "twenty_questions",
        "description": base.get("description", "") + " v2 catalog: " +
        f"{len(attributes)} attributes, categories askable (scripts/gen_twenty_questions_v2.py).",
        "user": base["user"],
        "attributes": attributes,
        "objects": out_objects,
    }
    if problems:
        for p in problems:
            print("problem:", p, file=sys.stderr)
        sys.exit(1)
    OUT.write_text(dump(doc))

    small = json.loads(SMALL_SRC.read_text())
    small_names = [o["name"] for o in small["objects"]]
    small_doc = dict(doc)
    small_doc["description"] = small.get("description", "") + " (v2 attributes)"
    small_doc["user"] = small.get("user", base["user"])
    small_split = {o["name"]: o.get("split", "train") for o in small["objects"]}
    small_doc["objects"] = [{**next(o for o in out_objects if o["name"] == n),
                             "split": small_split[n]} for n in small_names]
    SMALL_OUT.write_text(dump(small_doc))
    print(f"{OUT.relative_to(ROOT)}: {len(attributes)} attributes "
          f"({len(CATEGORY_ATTRS)} categories), {len(out_objects)} objects")
    print(f"{SMALL_OUT.relative_to(ROOT)}: {len(small_doc['objects'])} objects")


if __name__ == "__main__":
    main()
