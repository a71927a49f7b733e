"""Word lists of the demo shop: category tree, brands, attributes and sentence parts.

Everything here is plain data; :mod:`shopmind.demo.generator` combines it with a seeded random
generator. English and Chinese names are kept side by side so that one product (one *ground
truth*: leaf, colour, material, size, brand) can be rendered in either language.

Constraints the generator relies on (checked by ``tests/test_demo.py``):

- every node name of the category tree is unique across the whole tree (a level name never
  appears under two parents), so a wrong parent is a real inconsistency;
- clean text never changes under ``ftfy.fix_text`` (no curly quotes, no full-width
  punctuation: Chinese sentences use only "。" and "、") and never changes under OpenCC
  ``t2s`` (only simplified characters);
- no text contains "&", "<" or ">" (those are reserved for the injected HTML defect).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exchange rate used for CNY prices (CNY = USD x rate) and for "700元以内" style queries.
CNY_PER_USD = 7.0

# --- attributes -------------------------------------------------------------------------

#: colour key -> (English, Chinese, catalogue weight)
COLOURS: dict[str, tuple[str, str, float]] = {
    "red": ("Red", "红色", 3.0),
    "black": ("Black", "黑色", 4.0),
    "white": ("White", "白色", 3.0),
    "blue": ("Blue", "蓝色", 2.5),
    "navy": ("Navy", "藏青色", 1.2),
    "green": ("Green", "绿色", 1.5),
    "pink": ("Pink", "粉色", 2.0),
    "grey": ("Grey", "灰色", 2.0),
    "beige": ("Beige", "米色", 1.5),
    "yellow": ("Yellow", "黄色", 1.0),
    "purple": ("Purple", "紫色", 1.0),
    "brown": ("Brown", "棕色", 1.5),
    "silver": ("Silver", "银色", 1.5),
    "orange": ("Orange", "橙色", 0.8),
    "nude": ("Nude", "裸色", 1.2),
    "coral": ("Coral", "珊瑚色", 1.0),
    "ivory": ("Ivory", "象牙白", 1.0),
}

#: material key -> (English, Chinese)
MATERIALS: dict[str, tuple[str, str]] = {
    "silk": ("Silk", "真丝"),
    "cotton": ("Cotton", "纯棉"),
    "chiffon": ("Chiffon", "雪纺"),
    "linen": ("Linen", "亚麻"),
    "polyester": ("Polyester", "涤纶"),
    "wool": ("Wool", "羊毛"),
    "cashmere": ("Cashmere", "羊绒"),
    "leather": ("Leather", "真皮"),
    "patent": ("Patent Leather", "漆皮"),
    "suede": ("Suede", "麂皮"),
    "canvas": ("Canvas", "帆布"),
    "mesh": ("Mesh", "网面"),
    "knit": ("Knit", "飞织"),
    "denim": ("Denim", "牛仔"),
    "silicone": ("Silicone", "硅胶"),
    "plastic": ("Plastic", "塑料"),
    "steel": ("Stainless Steel", "不锈钢"),
    "castiron": ("Cast Iron", "铸铁"),
    "nonstick": ("Non-Stick", "不粘"),
    "glass": ("Glass", "玻璃"),
    "ceramic": ("Ceramic", "陶瓷"),
    "foam": ("Memory Foam", "记忆棉"),
    "down": ("Down", "羽绒"),
    "tpe": ("TPE", "TPE"),
    "rubber": ("Rubber", "橡胶"),
    "nylon": ("Nylon", "尼龙"),
    "aluminium": ("Aluminium", "铝合金"),
}


@dataclass(frozen=True)
class SizeKind:
    """A family of size-like values. ``ranged`` kinds list the available sizes of a listing
    ("S/M/L"); the others are one value per listing ("256GB"), shown in the title."""

    key_en: str
    key_zh: str
    values: tuple[str, ...]
    values_zh: tuple[str, ...]
    ranged: bool
    query_en: str  # "{}" is replaced by the value, e.g. "size {}"
    query_zh: str


def _same(*values: str) -> tuple[str, ...]:
    return tuple(values)


# fmt: off
SIZE_KINDS: dict[str, SizeKind] = {
    "apparel": SizeKind("size", "尺码", _same("XS", "S", "M", "L", "XL", "XXL"), _same("XS", "S", "M", "L", "XL", "XXL"), True, "size {}", "{}码"),
    "shoe_w": SizeKind("size", "尺码", _same("35", "36", "37", "38", "39", "40"), _same("35", "36", "37", "38", "39", "40"), True, "size {}", "{}码"),
    "shoe_m": SizeKind("size", "尺码", _same("39", "40", "41", "42", "43", "44", "45"), _same("39", "40", "41", "42", "43", "44", "45"), True, "size {}", "{}码"),
    "shoe_u": SizeKind("size", "尺码", tuple(str(s) for s in range(36, 46)), tuple(str(s) for s in range(36, 46)), True, "size {}", "{}码"),
    "helmet": SizeKind("size", "尺码", _same("S", "M", "L"), _same("S", "M", "L"), True, "size {}", "{}码"),
    "phone": SizeKind("storage", "存储", _same("128GB", "256GB", "512GB"), _same("128GB", "256GB", "512GB"), False, "{}", "{}"),
    "laptop": SizeKind("storage", "存储", _same("256GB", "512GB", "1TB"), _same("256GB", "512GB", "1TB"), False, "{}", "{}"),
    "kettle": SizeKind("capacity", "容量", _same("1.5L", "1.7L"), _same("1.5L", "1.7L"), False, "{}", "{}"),
    "bottle": SizeKind("capacity", "容量", _same("500ml", "750ml", "1L"), _same("500ml", "750ml", "1L"), False, "{}", "{}"),
    "cream": SizeKind("capacity", "容量", _same("30ml", "50ml"), _same("30ml", "50ml"), False, "{}", "{}"),
    "sunscreen": SizeKind("capacity", "容量", _same("50ml", "100ml"), _same("50ml", "100ml"), False, "{}", "{}"),
    "perfume": SizeKind("capacity", "容量", _same("30ml", "50ml", "100ml"), _same("30ml", "50ml", "100ml"), False, "{}", "{}"),
    "backpack": SizeKind("capacity", "容量", _same("30L", "40L", "50L"), _same("30L", "40L", "50L"), False, "{}", "{}"),
    "bed": SizeKind("size", "尺寸", _same("Single", "Double", "Queen", "King"), _same("单人", "双人", "加大", "特大"), False, "{}", "{}"),
    "tent": SizeKind("size", "尺寸", _same("2-Person", "4-Person"), _same("双人", "四人"), False, "{}", "{}"),
    "dumbbell": SizeKind("weight", "重量", _same("5kg", "10kg", "20kg"), _same("5kg", "10kg", "20kg"), False, "{}", "{}"),
}
# fmt: on

# --- category tree ----------------------------------------------------------------------

#: top category -> Chinese name, catalogue weight
TOPS: dict[str, tuple[str, float]] = {
    "Women": ("女装", 1.6),
    "Men": ("男装", 1.0),
    "Shoes": ("鞋靴", 1.2),
    "Electronics": ("数码", 1.3),
    "Home": ("家居", 1.0),
    "Beauty": ("美妆", 1.0),
    "Sports": ("运动户外", 0.9),
    "Toys": ("玩具", 0.7),
}

# fmt: off
#: mid category -> (top, Chinese name, usage sentence en, usage sentence zh)
MIDS: dict[str, tuple[str, str, str, str]] = {
    "Dresses": ("Women", "连衣裙", "Ideal for dates, weddings and summer holidays.", "适合约会、婚礼和夏日度假。"),
    "Tops": ("Women", "女士上衣", "Easy to pair with jeans, skirts and trousers.", "轻松搭配牛仔裤、半身裙和西裤。"),
    "Accessories": ("Women", "配饰", "A finishing touch for work and weekend outfits.", "为通勤、周末造型增添亮点。"),
    "Shirts": ("Men", "男士衬衫", "Smart enough for the office and relaxed enough for weekends.", "适合办公室、商务和休闲场合。"),
    "Outerwear": ("Men", "外套", "Keeps you warm on cold mornings and windy evenings.", "寒冷的早晨、大风的夜晚为你保暖。"),
    "Trousers": ("Men", "裤装", "A versatile everyday staple for work and travel.", "通勤、旅行皆宜的百搭单品。"),
    "Women's Shoes": ("Shoes", "女鞋", "Comfortable for the office, parties and evenings out.", "适合通勤、聚会和晚宴。"),
    "Men's Shoes": ("Shoes", "男鞋", "Built for long days at work and formal occasions.", "适合工作、正式场合穿着。"),
    "Athletic Shoes": ("Shoes", "运动鞋", "Cushioned for running, training and daily walks.", "适合跑步、训练和日常步行。"),
    "Phones": ("Electronics", "手机", "Fast performance, a bright display and all-day battery life.", "性能流畅、屏幕明亮、续航持久。"),
    "Phone Accessories": ("Electronics", "手机配件", "Protects and powers your phone at home and on the go.", "在家、出行都能保护和充电。"),
    "Audio": ("Electronics", "影音", "Rich sound and deep bass for music and calls.", "音质饱满、低音强劲。适合听歌和通话。"),
    "Computers": ("Electronics", "电脑", "Made for work, study and gaming.", "适合办公、学习和游戏。"),
    "Kitchen": ("Home", "厨房", "Easy to clean and safe for everyday cooking.", "易清洗、耐用。适合日常烹饪。"),
    "Bedding": ("Home", "床品", "Soft and cosy for a good night's sleep.", "柔软亲肤、透气舒适。"),
    "Lighting": ("Home", "灯具", "Adjustable brightness for reading and work.", "亮度可调、护眼。适合阅读和办公。"),
    "Makeup": ("Beauty", "彩妆", "Long-lasting colour and a smooth finish.", "持久显色、妆感细腻。"),
    "Skincare": ("Beauty", "护肤", "Gentle on skin and suitable for daily use.", "温和不刺激、适合每天使用。"),
    "Fragrance": ("Beauty", "香氛", "A fresh and elegant scent for day and night.", "清新、优雅的香调。"),
    "Fitness": ("Sports", "健身", "Durable and comfortable for home workouts and gym sessions.", "适合居家、健身房训练。"),
    "Outdoor": ("Sports", "户外", "Reliable gear for hiking, camping and travel.", "适合徒步、露营和旅行。"),
    "Cycling": ("Sports", "骑行", "Lightweight and well ventilated for road and city riding.", "轻量、透气。适合公路和城市骑行。"),
    "Construction Toys": ("Toys", "拼搭玩具", "Sparks creativity and fine motor skills.", "激发创造力、动手能力。"),
    "Soft Toys": ("Toys", "毛绒玩偶", "Soft, safe and cuddly for kids of all ages.", "柔软、安全。适合各年龄段儿童。"),
    "Games": ("Toys", "益智游戏", "Fun for family nights and parties.", "适合家庭聚会、亲子游戏。"),
}
# fmt: on

#: a closing sentence per top category (en, zh)
TOP_FEATURES: dict[str, tuple[str, str]] = {
    "Women": ("Soft and breathable fabric for all-day comfort.", "面料柔软透气。"),
    "Men": ("Tailored fit and durable stitching.", "版型合身、做工精细。"),
    "Shoes": ("Cushioned insole and non-slip sole.", "鞋垫柔软、鞋底防滑。"),
    "Electronics": ("Comes with a two-year warranty and free shipping.", "享受两年质保、包邮。"),
    "Home": ("Thoughtful design and easy care.", "设计贴心、易于打理。"),
    "Beauty": ("Dermatologically tested and cruelty free.", "经皮肤测试、温和配方。"),
    "Sports": ("Tested by athletes and built to last.", "专业测试、经久耐用。"),
    "Toys": ("Safe materials and suitable for ages 3 and up.", "材质安全、适合3岁以上儿童。"),
}

#: optional style word per top category (en, zh)
STYLES: dict[str, tuple[tuple[str, str], ...]] = {
    "Women": (
        ("Summer", "夏季"),
        ("Elegant", "优雅"),
        ("Vintage", "复古"),
        ("Casual", "休闲"),
        ("Slim Fit", "修身"),
    ),
    "Men": (("Classic", "经典"), ("Slim Fit", "修身"), ("Casual", "休闲"), ("Business", "商务")),
    "Shoes": (("Lightweight", "轻便"), ("Classic", "经典"), ("Breathable", "透气"), ("Non-Slip", "防滑")),
    "Electronics": (("New", "新款"), ("Portable", "便携"), ("Premium", "高端")),
    "Home": (("Nordic", "北欧"), ("Minimalist", "简约"), ("Household", "家用")),
    "Beauty": (("Long-Lasting", "持久"), ("Hydrating", "补水"), ("Gentle", "温和")),
    "Sports": (("Lightweight", "轻量"), ("Professional", "专业"), ("Outdoor", "户外")),
    "Toys": (("Educational", "益智"), ("Classic", "经典"), ("Creative", "创意")),
}

# fmt: off
#: brands per top category: (name used in English listings, name used in Chinese listings).
#: Some are Chinese-only (same Chinese name in both), some Western-only.
BRANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Women": (("Aurora", "极光"), ("Élan", "Élan"), ("云裳", "云裳"), ("Maple Lane", "Maple Lane"), ("Silkroad", "丝路"), ("Bloom", "花漾")),
    "Men": (("Northwind", "北风"), ("Harbor Tailors", "Harbor Tailors"), ("剑锋", "剑锋"), ("Ridgeline", "山脊"), ("Brennan", "Brennan"), ("Vantage", "远景")),
    "Shoes": (("Stride", "步履"), ("Fleetfoot", "Fleetfoot"), ("踏云", "踏云"), ("Kessler", "Kessler"), ("Marlow", "玛洛"), ("Pace", "疾行")),
    "Electronics": (("Voltix", "伏特"), ("Nebula", "星云"), ("Lumio", "Lumio"), ("迅驰", "迅驰"), ("Kaito", "凯拓"), ("Pulse", "Pulse")),
    "Home": (("Kitchara", "Kitchara"), ("木语", "木语"), ("Nordhus", "Nordhus"), ("Homely", "家悦"), ("Crème Maison", "Crème Maison"), ("暖居", "暖居")),
    "Beauty": (("Rosée", "Rosée"), ("花颜", "花颜"), ("Lumina", "露米娜"), ("Velvet", "Velvet"), ("素肌", "素肌"), ("Glow Lab", "Glow Lab")),
    "Sports": (("Summit", "巅峰"), ("Nøkken", "Nøkken"), ("追风", "追风"), ("Trailhead", "Trailhead"), ("Kinetic", "动力"), ("Apex", "Apex")),
    "Toys": (("Tinker", "Tinker"), ("童趣", "童趣"), ("Bricko", "Bricko"), ("Bumble", "Bumble"), ("乐拼", "乐拼"), ("Puzzlewood", "Puzzlewood")),
}
# fmt: on


@dataclass(frozen=True)
class Leaf:
    """A leaf category and how its products are written."""

    mid: str
    name: str
    zh: str  # Chinese category name
    noun_en: str  # product noun in English titles
    noun_zh: str  # product noun in Chinese titles
    query_en: str  # how shoppers ask for it
    query_zh: str
    gender: str | None  # "women" | "men" | None
    colours: tuple[str, ...]
    materials: tuple[str, ...]
    size: str | None  # key of SIZE_KINDS
    price_usd: float  # median price
    weight: float  # share of the catalogue (relative)


_APPAREL_W = ("red", "black", "white", "blue", "green", "pink", "yellow", "beige", "navy", "purple")
_APPAREL_M = ("black", "white", "blue", "navy", "grey", "beige", "brown", "green")
_SHOES = ("black", "white", "brown", "beige", "red", "grey", "blue")
_GADGET = ("black", "white", "silver", "blue", "green", "purple")
_HOME = ("white", "grey", "beige", "blue", "green", "pink", "black")
_TOYS = ("red", "blue", "yellow", "pink", "green", "brown", "orange")

# fmt: off
LEAVES: tuple[Leaf, ...] = (
    # Women
    Leaf("Dresses", "Maxi Dresses", "长款连衣裙", "Maxi Dress", "长款连衣裙", "maxi dress", "长款连衣裙", "women", _APPAREL_W, ("silk", "cotton", "chiffon", "linen", "polyester"), "apparel", 65.0, 3.0),
    Leaf("Dresses", "Mini Dresses", "短款连衣裙", "Mini Dress", "短款连衣裙", "mini dress", "短款连衣裙", "women", _APPAREL_W, ("cotton", "chiffon", "polyester", "silk"), "apparel", 45.0, 2.5),
    Leaf("Dresses", "Midi Dresses", "中长款连衣裙", "Midi Dress", "中长款连衣裙", "midi dress", "中长款连衣裙", "women", _APPAREL_W, ("silk", "cotton", "linen", "chiffon"), "apparel", 55.0, 2.5),
    Leaf("Tops", "Blouses", "女士衬衫", "Blouse", "衬衫", "blouse", "女士衬衫", "women", _APPAREL_W, ("silk", "cotton", "chiffon", "linen"), "apparel", 35.0, 1.5),
    Leaf("Tops", "Knitwear", "针织衫", "Cardigan", "针织开衫", "cardigan", "针织开衫", "women", _APPAREL_W, ("wool", "cashmere", "cotton"), "apparel", 50.0, 1.2),
    Leaf("Accessories", "Handbags", "手提包", "Handbag", "手提包", "handbag", "手提包", "women", ("black", "brown", "red", "beige", "white", "pink"), ("leather", "canvas", "suede"), None, 80.0, 1.8),
    Leaf("Accessories", "Scarves", "围巾", "Scarf", "围巾", "scarf", "围巾", "women", ("red", "beige", "grey", "navy", "pink", "black"), ("silk", "wool", "cashmere"), None, 30.0, 1.0),
    # Men
    Leaf("Shirts", "Dress Shirts", "正装衬衫", "Dress Shirt", "正装衬衫", "men's dress shirt", "男士正装衬衫", "men", ("white", "blue", "black", "grey", "navy", "pink"), ("cotton", "linen"), "apparel", 40.0, 1.2),
    Leaf("Shirts", "Polo Shirts", "Polo衫", "Polo Shirt", "Polo衫", "polo shirt", "polo衫", "men", _APPAREL_M, ("cotton",), "apparel", 30.0, 1.0),
    Leaf("Outerwear", "Jackets", "夹克", "Jacket", "夹克", "men's jacket", "男士夹克", "men", _APPAREL_M, ("leather", "denim", "polyester", "cotton"), "apparel", 90.0, 1.2),
    Leaf("Outerwear", "Coats", "大衣", "Coat", "大衣", "wool coat", "羊毛大衣", "men", ("black", "grey", "navy", "beige", "brown"), ("wool", "cashmere"), "apparel", 150.0, 0.8),
    Leaf("Trousers", "Jeans", "牛仔裤", "Jeans", "牛仔裤", "jeans", "牛仔裤", "men", ("blue", "black", "grey", "white"), (), "apparel", 50.0, 1.2),
    Leaf("Trousers", "Chinos", "休闲裤", "Chinos", "休闲裤", "chinos", "休闲裤", "men", ("beige", "navy", "black", "grey", "green"), ("cotton", "linen"), "apparel", 40.0, 0.8),
    # Shoes
    Leaf("Women's Shoes", "High Heels", "高跟鞋", "High Heels", "高跟鞋", "high heels", "高跟鞋", "women", ("black", "red", "nude", "white", "pink", "silver"), ("leather", "patent", "suede"), "shoe_w", 70.0, 1.6),
    Leaf("Women's Shoes", "Ankle Boots", "短靴", "Ankle Boots", "短靴", "ankle boots", "短靴", "women", ("black", "brown", "beige", "grey"), ("leather", "suede"), "shoe_w", 90.0, 1.0),
    Leaf("Men's Shoes", "Leather Shoes", "皮鞋", "Oxford Shoes", "皮鞋", "men's leather shoes", "男士皮鞋", "men", ("black", "brown"), ("leather", "patent"), "shoe_m", 95.0, 1.1),
    Leaf("Men's Shoes", "Work Boots", "工装靴", "Work Boots", "工装靴", "work boots", "工装靴", "men", ("black", "brown", "beige"), ("leather", "suede"), "shoe_m", 110.0, 0.8),
    Leaf("Athletic Shoes", "Running Shoes", "跑步鞋", "Running Shoes", "跑步鞋", "running shoes", "跑步鞋", None, ("black", "white", "blue", "grey", "red", "green", "pink"), ("mesh", "knit"), "shoe_u", 85.0, 1.8),
    Leaf("Athletic Shoes", "Sneakers", "板鞋", "Sneakers", "休闲板鞋", "sneakers", "板鞋", None, _SHOES, ("canvas", "leather"), "shoe_u", 60.0, 1.4),
    # Electronics
    Leaf("Phones", "Smartphones", "智能手机", "Smartphone", "智能手机", "smartphone", "智能手机", None, _GADGET, (), "phone", 450.0, 1.5),
    Leaf("Phone Accessories", "Phone Cases", "手机壳", "Phone Case", "手机壳", "phone case", "手机壳", None, ("black", "white", "red", "blue", "pink", "green", "purple"), ("silicone", "leather", "plastic"), None, 15.0, 1.6),
    Leaf("Phone Accessories", "Chargers", "充电器", "Fast Charger", "快充充电器", "phone charger", "充电器", None, ("black", "white"), (), None, 25.0, 1.0),
    Leaf("Audio", "Wireless Earbuds", "无线耳机", "Wireless Earbuds", "无线蓝牙耳机", "wireless earbuds", "无线耳机", None, ("black", "white", "blue", "pink"), (), None, 60.0, 1.6),
    Leaf("Audio", "Headphones", "头戴式耳机", "Over-Ear Headphones", "头戴式耳机", "headphones", "头戴式耳机", None, ("black", "white", "silver", "blue"), (), None, 120.0, 1.0),
    Leaf("Audio", "Bluetooth Speakers", "蓝牙音箱", "Bluetooth Speaker", "蓝牙音箱", "bluetooth speaker", "蓝牙音箱", None, ("black", "blue", "red", "grey", "green"), (), None, 50.0, 1.0),
    Leaf("Computers", "Laptops", "笔记本电脑", "Laptop", "笔记本电脑", "laptop", "笔记本电脑", None, ("silver", "grey", "black"), ("aluminium",), "laptop", 900.0, 1.0),
    Leaf("Computers", "Keyboards", "键盘", "Mechanical Keyboard", "机械键盘", "mechanical keyboard", "机械键盘", None, ("black", "white", "pink", "grey"), (), None, 70.0, 0.8),
    # Home
    Leaf("Kitchen", "Frying Pans", "炒锅", "Frying Pan", "炒锅", "frying pan", "炒锅", None, ("black", "silver", "grey"), ("steel", "castiron", "nonstick"), None, 40.0, 1.0),
    Leaf("Kitchen", "Electric Kettles", "电水壶", "Electric Kettle", "电热水壶", "electric kettle", "电水壶", None, ("white", "silver", "black", "green"), ("steel", "glass"), "kettle", 35.0, 0.9),
    Leaf("Kitchen", "Mugs", "马克杯", "Mug", "马克杯", "mug", "马克杯", None, _HOME, ("ceramic", "glass"), None, 12.0, 1.0),
    Leaf("Bedding", "Duvet Covers", "被套", "Duvet Cover", "被套", "duvet cover", "被套", None, _HOME, ("cotton", "linen", "silk"), "bed", 60.0, 1.0),
    Leaf("Bedding", "Pillows", "枕头", "Pillow", "枕头", "pillow", "枕头", None, ("white", "grey", "beige"), ("foam", "down"), None, 30.0, 0.9),
    Leaf("Lighting", "Desk Lamps", "台灯", "LED Desk Lamp", "LED台灯", "desk lamp", "台灯", None, ("white", "black", "silver", "pink"), ("aluminium", "plastic"), None, 35.0, 0.9),
    # Beauty
    Leaf("Makeup", "Lipsticks", "口红", "Matte Lipstick", "哑光口红", "lipstick", "口红", None, ("red", "pink", "nude", "coral", "purple", "brown"), (), None, 20.0, 1.5),
    Leaf("Makeup", "Foundation", "粉底液", "Liquid Foundation", "粉底液", "foundation", "粉底液", None, ("ivory", "beige", "nude"), (), None, 30.0, 1.0),
    Leaf("Skincare", "Face Creams", "面霜", "Moisturising Face Cream", "保湿面霜", "face cream", "面霜", None, ("white", "pink", "blue"), (), "cream", 35.0, 1.0),
    Leaf("Skincare", "Sunscreen", "防晒霜", "Sunscreen SPF 50", "防晒霜 SPF50", "sunscreen", "防晒霜", None, ("white", "yellow", "blue"), (), "sunscreen", 18.0, 0.9),
    Leaf("Fragrance", "Perfumes", "香水", "Eau de Parfum", "香水", "perfume", "香水", None, ("pink", "purple", "ivory", "black"), (), "perfume", 70.0, 1.0),
    # Sports
    Leaf("Fitness", "Yoga Mats", "瑜伽垫", "Yoga Mat", "瑜伽垫", "yoga mat", "瑜伽垫", None, ("purple", "pink", "blue", "green", "black", "grey"), ("tpe", "rubber"), None, 30.0, 1.0),
    Leaf("Fitness", "Dumbbells", "哑铃", "Dumbbell Set", "哑铃套装", "dumbbells", "哑铃", None, ("black", "grey", "pink", "blue"), ("castiron", "rubber"), "dumbbell", 50.0, 0.8),
    Leaf("Outdoor", "Tents", "帐篷", "Camping Tent", "露营帐篷", "camping tent", "帐篷", None, ("green", "blue", "orange", "grey"), ("polyester", "nylon"), "tent", 120.0, 0.7),
    Leaf("Outdoor", "Backpacks", "双肩包", "Hiking Backpack", "登山双肩包", "hiking backpack", "双肩包", None, ("black", "blue", "green", "grey", "orange", "red"), ("nylon", "polyester"), "backpack", 60.0, 1.0),
    Leaf("Outdoor", "Water Bottles", "保温杯", "Insulated Water Bottle", "保温水杯", "water bottle", "保温杯", None, ("black", "white", "blue", "pink", "green", "silver"), ("steel",), "bottle", 25.0, 1.0),
    Leaf("Cycling", "Bike Helmets", "骑行头盔", "Cycling Helmet", "骑行头盔", "bike helmet", "骑行头盔", None, ("black", "white", "red", "blue"), (), "helmet", 55.0, 0.6),
    # Toys
    Leaf("Construction Toys", "Building Blocks", "积木", "Building Blocks Set", "积木套装", "building blocks", "积木", None, _TOYS, ("plastic",), None, 40.0, 0.9),
    Leaf("Soft Toys", "Plush Toys", "毛绒玩具", "Plush Teddy Bear", "毛绒玩具熊", "plush toy", "毛绒玩具", None, ("brown", "pink", "white", "beige", "grey"), (), None, 20.0, 0.8),
    Leaf("Soft Toys", "Dolls", "娃娃", "Fashion Doll", "时尚娃娃", "doll", "娃娃", None, ("pink", "purple", "blue", "red"), ("plastic",), None, 25.0, 0.7),
    Leaf("Games", "Puzzles", "拼图", "Jigsaw Puzzle", "拼图", "jigsaw puzzle", "拼图", None, _TOYS, (), None, 18.0, 0.7),
    Leaf("Games", "Board Games", "桌游", "Family Board Game", "家庭桌游", "board game", "桌游", None, ("red", "blue", "green", "yellow"), (), None, 30.0, 0.6),
)
# fmt: on

#: Products bought together: leaf -> complementary leaves (drives co-purchases and grade 1).
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "Maxi Dresses": ("High Heels", "Handbags"),
    "Mini Dresses": ("High Heels", "Handbags"),
    "Midi Dresses": ("High Heels", "Handbags"),
    "Blouses": ("Scarves",),
    "Dress Shirts": ("Leather Shoes",),
    "Jackets": ("Jeans",),
    "Coats": ("Scarves",),
    "Jeans": ("Sneakers",),
    "Smartphones": ("Phone Cases", "Chargers"),
    "Laptops": ("Keyboards",),
    "Running Shoes": ("Water Bottles",),
    "Tents": ("Backpacks",),
    "Bike Helmets": ("Water Bottles",),
    "Frying Pans": ("Electric Kettles",),
    "Lipsticks": ("Foundation",),
    "Face Creams": ("Sunscreen",),
    "Yoga Mats": ("Dumbbells",),
    "Building Blocks": ("Puzzles",),
}

#: Query concepts spanning several leaves: (English term, Chinese term, leaves).
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("dress", "连衣裙", ("Maxi Dresses", "Mini Dresses", "Midi Dresses")),
    ("boots", "靴子", ("Ankle Boots", "Work Boots")),
    ("earphones", "耳机", ("Wireless Earbuds", "Headphones")),
    ("phone accessories", "手机配件", ("Phone Cases", "Chargers")),
    ("skincare", "护肤品", ("Face Creams", "Sunscreen")),
)

#: Placeholder titles of the PRD_TITLE_PLACEHOLDER defect.
PLACEHOLDER_TITLES: tuple[str, ...] = ("test", "N/A", "xxx", "untitled", "-", "TBD", "样品", "aa", "?")
#: Currencies of the PRD_CURRENCY_UNKNOWN defect (none is an ISO 4217 code).
BAD_CURRENCIES: tuple[str, ...] = ("XYZ", "US$", "rmb", "$$")
#: Event types of the EVT_TYPE_UNKNOWN defect (none is an alias of a known type).
UNKNOWN_EVENT_TYPES: tuple[str, ...] = (
    "heartbeat",
    "scroll_depth",
    "pageview_v2",
    "promo_impression",
    "ping",
)

#: Simplified -> traditional characters for the TEXT_T2S defect, as pairs (simplified, traditional).
#: Derived once from OpenCC ``s2t`` for the characters of this module; tests check that OpenCC
#: ``t2s`` turns every converted title back into the original.
_S2T_PAIRS = (
    "专專业業丝絲两兩为爲乐樂习習于於云雲亚亞亲親优優会會储儲儿兒内內凯凱创創剑劍办辦"
    "务務动動劲勁单單厨廚双雙发發台臺听聽哑啞围圍图圖场場垫墊壳殼壶壺复復头頭夹夾妆妝"
    "学學属屬岁歲峰峯巅巔帐帳床牀开開强強忆憶悦悅戏戲户戶护護携攜数數无無时時显顯晒曬"
    "机機来來极極样樣欧歐气氣测測涤滌温溫游遊湿溼满滿灯燈点點热熱玛瑪电電畅暢盘盤码碼"
    "礼禮积積笔筆简簡红紅约約纯純纶綸纺紡线線练練细細织織经經绒絨续續绿綠网網肤膚胶膠"
    "脑腦腻膩营營蓝藍补補衬襯装裝裤褲计計训訓记記设設试試话話语語读讀调調质質贴貼软軟"
    "轻輕运運这這远遠连連适適邮郵针針钢鋼铁鐵铃鈴铝鋁银銀铸鑄锅鍋锈鏽锋鋒键鍵长長闲閒"
    "阅閱颜顏风風飞飛饪飪饰飾饱飽马馬驰馳骑騎黄黃龄齡龙龍"
)
S2T: dict[str, str] = {_S2T_PAIRS[i]: _S2T_PAIRS[i + 1] for i in range(0, len(_S2T_PAIRS), 2)}
