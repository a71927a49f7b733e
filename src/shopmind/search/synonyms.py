"""Synonym groups for query expansion: a small built-in bilingual table plus the shop's own.

The built-in table holds generic shopping vocabulary only -- spelling variants (grey/gray),
everyday alternatives (sofa/couch, tv/television, 裙子/连衣裙) and the English/Chinese names
of common colours, materials and product kinds -- so that a query in one language can also
match products described in the other. It was written from general knowledge, not from any
evaluation set. A shop adds its own groups in TOML::

    [synonyms]
    sofa = ["couch", "settee"]
    "t-shirt" = ["tee", "T恤"]

Groups are symmetric: every member expands to the others.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

# fmt: off
BUILTIN_GROUPS: tuple[tuple[str, ...], ...] = (
    # spelling variants
    ("grey", "gray"), ("colour", "color"), ("aluminium", "aluminum"), ("jewellery", "jewelry"),
    ("moisturiser", "moisturizer"), ("t-shirt", "tshirt", "tee"),
    # everyday alternatives
    ("sofa", "couch", "settee"), ("tv", "television"), ("laptop", "notebook computer"),
    ("phone", "cellphone", "mobile phone"), ("sneakers", "trainers"), ("trousers", "pants"),
    ("sweater", "jumper", "pullover"), ("hoodie", "hooded sweatshirt"), ("earbuds", "earphones"),
    ("refrigerator", "fridge"), ("bicycle", "bike"), ("backpack", "rucksack"),
    ("handbag", "purse"), ("faucet", "tap"), ("vacuum cleaner", "hoover"), ("cupboard", "cabinet"),
    ("lipstick", "lip stick"), ("sunscreen", "sunblock"), ("duvet", "comforter"),
    # Chinese alternatives
    ("连衣裙", "裙子"), ("手机", "移动电话"), ("电视", "电视机"), ("笔记本电脑", "手提电脑"),
    ("冰箱", "电冰箱"), ("自行车", "单车"), ("双肩包", "背包"), ("耳机", "耳麦"), ("沙发", "沙发椅"),
    ("运动鞋", "球鞋"), ("T恤", "短袖"), ("水杯", "杯子"),
    # colours
    ("red", "红色"), ("blue", "蓝色"), ("black", "黑色"), ("white", "白色"), ("green", "绿色"),
    ("yellow", "黄色"), ("pink", "粉色", "粉红色"), ("purple", "紫色"), ("orange", "橙色"),
    ("brown", "棕色", "咖啡色"), ("grey", "灰色"), ("silver", "银色"), ("gold", "金色"),
    ("beige", "米色"), ("navy", "藏青色", "海军蓝"),
    # materials
    ("cotton", "纯棉", "棉"), ("linen", "亚麻"), ("silk", "真丝", "丝绸"), ("wool", "羊毛"),
    ("leather", "皮革", "真皮"), ("stainless steel", "不锈钢"), ("plastic", "塑料"),
    ("ceramic", "陶瓷"), ("glass", "玻璃"), ("wood", "木质", "实木"), ("polyester", "涤纶"),
    ("denim", "牛仔"), ("cashmere", "羊绒"),
    # product kinds
    ("dress", "连衣裙"), ("shoes", "鞋"), ("boots", "靴子"), ("jacket", "夹克"), ("coat", "大衣", "外套"),
    ("jeans", "牛仔裤"), ("shirt", "衬衫"), ("skirt", "半身裙"), ("scarf", "围巾"), ("hat", "帽子"),
    ("phone", "手机"), ("smartphone", "智能手机"), ("laptop", "笔记本电脑"), ("headphones", "耳机"),
    ("keyboard", "键盘"), ("charger", "充电器"), ("speaker", "音箱"), ("watch", "手表"),
    ("tv", "电视"), ("sofa", "沙发"), ("chair", "椅子"), ("table", "桌子"), ("bed", "床"),
    ("lamp", "台灯", "灯"), ("pillow", "枕头"), ("kettle", "水壶"), ("mug", "马克杯"),
    ("pan", "锅"), ("backpack", "双肩包"), ("tent", "帐篷"), ("helmet", "头盔"), ("toy", "玩具"),
    ("doll", "娃娃"), ("puzzle", "拼图"), ("lipstick", "口红"), ("perfume", "香水"),
    ("handbag", "手提包"), ("bottle", "瓶"), ("drill", "电钻"), ("refrigerator", "冰箱"),
)
# fmt: on


def load_toml(path: Path | str) -> dict[str, list[str]]:
    """The ``[synonyms]`` table of a TOML file as ``term -> [synonyms]``; a clear error otherwise."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"synonym file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid TOML ({e})") from None
    table = data.get("synonyms")
    if not isinstance(table, dict):
        raise ValueError(f'{path}: expected a [synonyms] table, e.g. sofa = ["couch", "settee"]')
    out: dict[str, list[str]] = {}
    for k, v in table.items():
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ValueError(f"{path}: synonyms of {k!r} must be a string or a list of strings")
        out[str(k)] = list(v)
    return out


def groups(
    user: Mapping[str, Iterable[str]] | Path | str | None = None, builtin: bool = True
) -> list[tuple[str, ...]]:
    """Synonym groups: the built-in table (unless ``builtin`` is False) plus the user's
    mapping (a dict or a TOML file path), each user entry becoming ``(term, *synonyms)``."""
    out: list[tuple[str, ...]] = list(BUILTIN_GROUPS) if builtin else []
    if user is None:
        return out
    mapping = load_toml(user) if isinstance(user, (str, Path)) else user
    if not isinstance(mapping, Mapping):
        raise ValueError("synonyms must be a mapping term -> list of synonyms, or a TOML file path")
    for k, vals in mapping.items():
        if isinstance(vals, str):
            vals = [vals]
        members = tuple(dict.fromkeys([str(k), *(str(v) for v in vals)]))
        if len(members) > 1:
            out.append(members)
    return out
