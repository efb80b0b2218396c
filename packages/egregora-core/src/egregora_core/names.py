"""Readable, stable pseudonyms: "Amber Heron" instead of ``ca71a986``.

A member's 8-hex pseudonym (the lake's key, itself keyed and irreversible) picks one of
256 adjectives and one of 256 animals: 65,536 names. Two members of one project that
land on the same name are told apart deterministically: pseudonyms are taken in sorted
order and a later one moves to the next free combination. Nothing here can reach a raw
name: the input is the pseudonym only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# Checked-in word lists (256 each, so each takes one byte of the pseudonym).
ADJECTIVES = """
    able agile airy amber amiable ample apt arctic ardent artful astral auburn autumn azure
    balmy bashful blithe bold brave breezy bright brisk broad bronze bubbly busy calm candid
    carefree careful casual cerulean cheery chief civil clever cloudy coastal cobalt cool
    copper coral cosmic cozy crafty crimson crisp curious dapper daring dashing dawn deft
    dewy dreamy dusky eager early earnest easy elder electric elegant emerald epic even
    fabled fair faithful fancy fast fearless festive fiery fine firm fleet flinty fluent
    flying fond frank free fresh friendly frosty frugal gallant genial gentle giant gifted
    gilded glad gleaming global golden graceful grand grateful green gusty handy happy hardy
    hazel hearty helpful heroic hidden honest hopeful humble hushed icy ideal indigo inner
    ivory jade jaunty jolly jovial joyful keen kind known lavish lazy leafy level light
    lilac lime little lively local lofty loyal lucid lucky lunar lush magic major maple
    marble mellow merry mighty mild minty misty modern modest mossy musical mystic narrow
    native nautical neat nimble noble northern novel oaken ocean olive opal open orange
    patient peaceful pearly perfect placid plucky plush polar polished polite prime proud
    quaint quick quiet radiant rapid rare ready regal rosy rowdy royal ruby rugged rustic
    saffron sage sandy scarlet secret serene sharp shiny silent silken silver simple sincere
    sleek slow smart smooth snowy soft solar solid sonic southern sparkling spicy spotted
    spry stable starry steady stellar stormy sturdy subtle sunny super supple sure swift
    tame tender thankful tidal tidy timely tiny topaz tranquil true trusty tulip twilight
    upbeat urban valiant velvet vernal violet
""".split()  # noqa: SIM905

ANIMALS = """
    aardvark albatross alpaca anchovy anole ant anteater antelope armadillo auk avocet
    axolotl badger barracuda bat bear beaver bee beetle bison bittern blackbird bluebird
    boar bobcat bonobo bream buffalo bullfinch bunting butterfly buzzard camel canary
    capybara cardinal caribou carp cat catfish chameleon cheetah chickadee chinchilla
    chipmunk chough cicada clam cobra cockatoo condor coot cormorant cougar cow coyote crab
    crane cricket crow cuckoo curlew dace deer dingo dolphin donkey dormouse dove dragonfly
    duck dugong dunnock eagle eel egret eland elephant elk emu ermine falcon ferret finch
    firefly flamingo flounder fox frog fulmar gannet gazelle gecko gerbil gibbon giraffe gnu
    goat godwit goldfinch goose gopher gorilla grebe grouse gull hamster hare harrier hawk
    hedgehog heron hippo hoopoe hornet horse hummingbird ibex ibis iguana impala jackal
    jackdaw jaguar jay jellyfish kangaroo kestrel kingfisher kite kiwi koala koi kudu
    ladybug lark lemming lemur leopard limpet linnet lion lizard llama lobster loon lory
    lynx macaw mackerel magpie mallard manatee mandrill mantis marlin marmot marten meerkat
    merlin mink minnow mole mongoose monkey moose moth mouse mule muskrat narwhal newt
    nightingale nuthatch ocelot octopus okapi opossum orca oriole oryx osprey ostrich otter
    owl ox oyster panda panther parrot partridge peacock pelican penguin perch petrel
    pheasant pigeon pika pike pipit plover pony porcupine porpoise possum puffin puma python
    quail quokka rabbit raccoon ram raven redstart reindeer rhino robin rook ruff salamander
    salmon sandpiper sardine seahorse seal shark sheep shrew shrimp siskin skunk skylark
    sloth snail snipe sparrow spider squid squirrel starling stingray stork sturgeon swallow
    swan swift tapir tarsier tern thrush tiger toad tortoise toucan
""".split()  # noqa: SIM905

COMBINATIONS = len(ADJECTIVES) * len(ANIMALS)


def _index(pseudonym: str) -> int:
    """The first 16 bits of the pseudonym (of its sha256 when it is not hex)."""
    if not re.fullmatch(r"[0-9a-f]{4,}", pseudonym):
        pseudonym = hashlib.sha256(pseudonym.encode("utf-8")).hexdigest()
    return int(pseudonym[:4], 16)


def _name(index: int) -> str:
    adjective, animal = divmod(index % COMBINATIONS, len(ANIMALS))
    return f"{ADJECTIVES[adjective].capitalize()} {ANIMALS[animal].capitalize()}"


def readable_name(pseudonym: str) -> str:
    """The readable name of one pseudonym, ignoring collisions (see :func:`readable_names`)."""
    return _name(_index(pseudonym))


def readable_names(pseudonyms: Iterable[str]) -> dict[str, str]:
    """pseudonym -> a readable name unique within ``pseudonyms``.

    Sorted order decides who keeps a contested name; the other tries the following
    combinations (by a fixed stride, so neighbours do not pile up) until one is free.
    """
    out: dict[str, str] = {}
    taken: set[int] = set()
    for pseudonym in sorted(set(pseudonyms)):
        index = _index(pseudonym)
        while index in taken:
            index = (index + 257) % COMBINATIONS  # next adjective and next animal
        taken.add(index)
        out[pseudonym] = _name(index)
    return out
