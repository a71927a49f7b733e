"""The demo shop generator: determinism, canonical tables, defect ground truth, signal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from shopmind.data.model import EVENT_TYPES, ROW, SCHEMAS, TABLES
from shopmind.demo import generator as G
from shopmind.demo import vocab as V
from shopmind.quality.codes import CODES

END = datetime(2026, 10, 31, tzinfo=UTC)
SMALL = {"n_products": 300, "n_users": 150, "days": 30}
PLACEHOLDERS = {"test", "n/a", "xxx", "untitled", "-", "tbd", "样品"}


@pytest.fixture(scope="module")
def shop() -> G.DemoShop:
    return G.generate(seed=11, **SMALL)


@pytest.fixture(scope="module")
def clean_shop() -> G.DemoShop:
    return G.generate(seed=12, defect_rate=0.0, **SMALL)


@pytest.fixture(scope="module")
def medium() -> G.DemoShop:
    """Big enough for behavioural signal (still about a second)."""
    return G.generate(seed=5, n_products=1000, n_users=500, days=60)


def _clean(shop: G.DemoShop, table: str) -> pl.DataFrame:
    frame = getattr(shop.batch, table)
    bad = shop.defects.filter(pl.col("table") == table)["row"]
    return frame.filter(~pl.col(ROW).is_in(bad.implode()))


def _catalog(shop: G.DemoShop) -> pl.DataFrame:
    """Product rows a gate keeps: clean rows plus rows whose text it repairs."""
    repaired = ["TEXT_MOJIBAKE", "TEXT_HTML", "TEXT_T2S"]
    bad = shop.defects.filter((pl.col("table") == "products") & ~pl.col("code").is_in(repaired))["row"]
    return shop.batch.products.filter(~pl.col(ROW).is_in(bad.implode()))


def _defective(shop: G.DemoShop, table: str, code: str) -> pl.DataFrame:
    rows = shop.defects.filter((pl.col("table") == table) & (pl.col("code") == code))["row"]
    return getattr(shop.batch, table).filter(pl.col(ROW).is_in(rows.implode()))


# --- determinism and shape ----------------------------------------------------------------


def test_same_seed_same_frames_other_seed_differs(tmp_path) -> None:
    a = G.generate(seed=3, **SMALL)
    b = G.generate(seed=3, **SMALL)
    c = G.generate(seed=4, **SMALL)
    for name in TABLES:
        assert getattr(a.batch, name).equals(getattr(b.batch, name))
    assert a.defects.equals(b.defects)
    assert a.users.equals(b.users)
    assert not a.batch.products.equals(c.batch.products)
    assert not a.batch.events.equals(c.batch.events)
    pa, pb = G.write(a, tmp_path / "a"), G.write(b, tmp_path / "b")
    assert set(pa) == {"products", "events", "judgments", "defects"}
    for name in pa:
        assert pa[name].read_bytes() == pb[name].read_bytes()
        assert pl.read_parquet(pa[name]).equals(a.defects if name == "defects" else getattr(a.batch, name))


def test_canonical_columns_dtypes_and_rows(shop: G.DemoShop) -> None:
    assert shop.batch.source == "demo-shop"
    assert shop.batch.meta["relevance_scale"] == (0.0, 3.0)
    assert shop.batch.meta["rating_scale"] == (1.0, 5.0)
    assert shop.batch.meta["generator"]["seed"] == 11
    for name in TABLES:
        frame = getattr(shop.batch, name)
        schema = SCHEMAS[name]
        assert frame.columns == [ROW, *schema.columns]
        assert frame.schema[ROW] == pl.Int64
        for col, dtype in schema.columns.items():
            assert frame.schema[col] == dtype, (name, col)
        assert frame[ROW].to_list() == list(range(frame.height))
        for col in schema.required:
            assert frame[col].null_count() == 0
    assert shop.defects.schema == pl.Schema({"table": pl.Utf8, "row": pl.Int64, "code": pl.Utf8})


def test_sizes_are_plausible(shop: G.DemoShop) -> None:
    products, events, judgments = shop.batch.products, shop.batch.events, shop.batch.judgments
    assert 300 <= products.height <= 330
    assert events.height > 5_000
    assert judgments["query"].n_unique() >= 120
    per_query = judgments.group_by("query").len()["len"]
    assert per_query.median() >= 15
    share_zh = (products["language"] == "zh").mean()
    assert 0.3 <= share_zh <= 0.5
    assert set(products["currency"].unique()) >= {"USD", "CNY"}


# --- defect ground truth ------------------------------------------------------------------


def test_defects_reference_existing_rows_with_known_codes(shop: G.DemoShop) -> None:
    d = shop.defects
    assert d.select("table", "row").is_duplicated().sum() == 0  # one defect per row
    for table in TABLES:
        rows = d.filter(pl.col("table") == table)
        height = getattr(shop.batch, table).height
        assert rows["row"].min() >= 0 and rows["row"].max() < height
        for code in rows["code"].unique():
            assert code in CODES
            assert CODES[code].table in (table, "any")
    expected = set(G.PRODUCT_DEFECTS) | set(G.EVENT_DEFECTS) | set(G.JUDGMENT_DEFECTS)
    assert set(d["code"]) == expected  # every class present, even at small sizes


def test_defect_rate_zero_means_no_defects(clean_shop: G.DemoShop) -> None:
    assert clean_shop.defects.height == 0


def test_defective_rows_really_carry_their_defect(shop: G.DemoShop) -> None:
    p = shop.batch.products
    assert (_defective(shop, "products", "PRD_PRICE_NONPOSITIVE")["price"] <= 0).all()
    assert (_defective(shop, "products", "PRD_STOCK_NEGATIVE")["stock"] < 0).all()
    r = _defective(shop, "products", "PRD_RATING_RANGE")["rating"]
    assert ((r < 1) | (r > 5)).all()
    assert not _defective(shop, "products", "PRD_CURRENCY_UNKNOWN")["currency"].is_in(["USD", "CNY"]).any()
    for t in _defective(shop, "products", "PRD_TITLE_PLACEHOLDER")["title"]:
        assert t.lower() in PLACEHOLDERS or len(t) <= 2
    for d in _defective(shop, "products", "TEXT_HTML")["description"]:
        assert d.startswith("<p>") and d.endswith("<br>") and "&amp;" in d
    for t in _defective(shop, "products", "TEXT_MOJIBAKE")["title"]:
        assert re.search("[ÃâåäæçèéÅ]", t) and not re.search(r"[\u4e00-\u9fff]", t)
    # the older copy of a duplicated product: same id, older updated_at than the kept row
    dup = _defective(shop, "products", "PRD_DUP_ID")
    kept = _clean(shop, "products").select(
        "product_id", pl.col("updated_at").alias("latest"), pl.col(ROW).alias("kept")
    )
    joined = dup.join(kept, on="product_id")
    assert joined.height == dup.height and (joined["updated_at"] < joined["latest"]).all()
    assert (joined[ROW] < joined["kept"]).all()  # the stale copy arrives first
    # wrong parent: the middle level appears under another top level than in the clean tree
    tree = _clean(shop, "products").select(
        pl.col("category_path").str.split(" > ").list.get(0).alias("top"),
        pl.col("category_path").str.split(" > ").list.get(1).alias("mid"),
    )
    parent = {mid: top for top, mid in tree.unique().iter_rows()}
    for path in _defective(shop, "products", "PRD_CATEGORY_INCONSISTENT")["category_path"]:
        top, mid, _ = path.split(" > ")
        assert parent[mid] != top
    # price outlier: far above the median of its leaf and currency
    med = (
        _clean(shop, "products")
        .group_by("category_path", "currency")
        .agg(pl.col("price").median().alias("m"))
    )
    out = _defective(shop, "products", "PRD_PRICE_OUTLIER").join(med, on=["category_path", "currency"])
    assert out.height > 0 and (out["price"] >= 40 * out["m"]).all()

    e = shop.batch.events
    assert not _defective(shop, "events", "EVT_TYPE_UNKNOWN")["type"].is_in(list(EVENT_TYPES)).any()
    assert (_defective(shop, "events", "EVT_TS_FUTURE")["timestamp"] > END + timedelta(days=300)).all()
    q = _defective(shop, "events", "EVT_QTY_SIGN")
    assert (q["type"] == "purchase").all() and (q["quantity"] < 0).all()
    assert (_defective(shop, "events", "EVT_QTY_OUTLIER")["quantity"] >= 500).all()
    assert (_defective(shop, "events", "EVT_PRICE_NONPOSITIVE")["price"] <= 0).all()
    um = _defective(shop, "events", "EVT_USER_MISSING")
    assert um["user_id"].is_null().all() and um["type"].is_in(["purchase", "add_to_cart"]).all()
    known = set(p["product_id"])
    assert not _defective(shop, "events", "EVT_ITEM_UNKNOWN")["item_id"].is_in(list(known)).any()
    bot = _defective(shop, "events", "EVT_BOT_SESSION")
    for _, s in bot.group_by("session_id"):
        assert 300 <= s.height <= 1000 or s.height >= 0.9 * len(known)  # small catalogues cap it
        assert s["item_id"].n_unique() == s.height and s["user_id"].n_unique() == 1
        gaps = s.sort("timestamp")["timestamp"].diff().drop_nulls().dt.total_milliseconds()
        assert (gaps == 1000).all()
    # exact duplicates repeat an earlier row in every column; near duplicates follow within 2 s
    exact = _defective(shop, "events", "EVT_DUP_EXACT")
    cols = [c for c in e.columns if c != ROW]
    dups = exact.select(*cols, pl.col(ROW).alias("dup_row"))
    originals = _clean(shop, "events").join(dups, on=cols, nulls_equal=True)
    assert originals.height == exact.height and (originals[ROW] < originals["dup_row"]).all()
    near = _defective(shop, "events", "EVT_DUP_NEAR")
    pairs = near.join(_clean(shop, "events"), on=["user_id", "item_id", "type", "session_id"], suffix="_o")
    pairs = pairs.filter(
        (pl.col("timestamp") - pl.col("timestamp_o")).dt.total_milliseconds().is_between(300, 1500)
    )
    assert pairs["event_id"].n_unique() == near.height
    assert not near["event_id"].is_in(_clean(shop, "events")["event_id"].implode()).any()
    # returns nobody bought; events before their product existed
    ret = _defective(shop, "events", "EVT_RETURN_UNLINKED")
    bought = _clean(shop, "events").filter(pl.col("type") == "purchase").select("user_id", "item_id").unique()
    assert (ret["type"] == "return").all() and ret.join(bought, on=["user_id", "item_id"]).height == 0
    before = _defective(shop, "events", "EVT_BEFORE_PRODUCT").join(
        p.select(pl.col("product_id").alias("item_id"), "created_at").unique("item_id"), on="item_id"
    )
    assert before.height > 0 and (before["timestamp"] < before["created_at"]).all()

    j = _defective(shop, "judgments", "JDG_RELEVANCE_RANGE")["relevance"]
    assert ((j < 0) | (j > 3)).all()
    jd = _defective(shop, "judgments", "JDG_DUP")
    later = _clean(shop, "judgments").join(jd, on=["query", "product_id"], suffix="_d")
    assert later.height == jd.height and (later[ROW] > later[f"{ROW}_d"]).all()


def test_text_defects_are_repairable() -> None:
    ftfy = pytest.importorskip("ftfy")
    opencc = pytest.importorskip("opencc")
    shop = G.generate(seed=21, n_products=600, n_users=50, days=10, defect_rate=0.1)
    t2s = opencc.OpenCC("t2s")
    for t in _defective(shop, "products", "TEXT_MOJIBAKE")["title"]:
        fixed = ftfy.fix_text(t)
        assert fixed != t and fixed.isprintable() and "Ã" not in fixed
    clean_titles = set(_clean(shop, "products")["title"])
    for t in _defective(shop, "products", "TEXT_T2S")["title"]:
        simple = t2s.convert(t)
        assert simple != t
        assert G._to_traditional(simple) == t  # round trip through the generator's mapping
        assert simple in clean_titles or re.search(r"[\u4e00-\u9fff]", simple)


# --- clean rows are clean -----------------------------------------------------------------


@pytest.mark.parametrize("which", ["shop", "clean_shop"])
def test_clean_products_pass_every_check(which: str, request) -> None:
    shop = request.getfixturevalue(which)
    p = _clean(shop, "products")
    assert p["product_id"].is_unique().all()
    assert (p["price"] > 0).all()
    assert p["currency"].is_in(["USD", "CNY"]).all()
    assert ((p["language"] == "zh") == (p["currency"] == "CNY")).all()
    assert (p["stock"] >= 0).all() and (p["stock"] == 0).any()
    assert p["rating"].is_between(1.0, 5.0).all()
    assert (p["updated_at"] >= p["created_at"]).all() and (p["updated_at"] <= END).all()
    assert p["image_url"].str.starts_with("https://img.demo-shop.example/p/").all()
    for t in p["title"]:
        assert len(t) > 2 and t.lower() not in PLACEHOLDERS
    for text in p["title"].to_list() + p["description"].to_list():
        assert not re.search(r"[<>&]", text) and text == text.strip() and "  " not in text
    # the category tree: each middle level has a single parent, each leaf a single middle level
    parts = p["category_path"].str.split(" > ")
    tree = pl.DataFrame({"top": parts.list.get(0), "mid": parts.list.get(1), "leaf": parts.list.get(2)})
    assert (parts.list.len() == 3).all()
    assert tree.group_by("mid").agg(pl.col("top").n_unique())["top"].max() == 1
    assert tree.group_by("leaf").agg(pl.col("mid").n_unique())["mid"].max() == 1
    # prices stay near their leaf-and-currency median (no accidental outliers)
    ratio = p.select(pl.col("price") / pl.col("price").median().over("category_path", "currency"))["price"]
    assert ratio.min() > 0.3 and ratio.max() < 3.0
    # attributes in the product's language
    en = p.filter(pl.col("language") == "en")["attributes"][0]
    assert en[0]["key"] == "colour"
    zh = p.filter(pl.col("language") == "zh")["attributes"][0]
    assert zh[0]["key"] == "颜色"


def test_clean_text_is_stable_under_ftfy_and_opencc(shop: G.DemoShop) -> None:
    ftfy = pytest.importorskip("ftfy")
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    p = _clean(shop, "products")
    texts = p["title"].to_list() + p["description"].to_list() + p["brand"].to_list()
    texts += p["category_path"].to_list() + shop.batch.judgments["query"].unique().to_list()
    texts += shop.batch.events["query"].drop_nulls().unique().to_list()
    for text in texts:
        assert ftfy.fix_text(text) == text, text
        assert t2s.convert(text) == text, text


@pytest.mark.parametrize("which", ["shop", "clean_shop"])
def test_clean_events_pass_every_check(which: str, request) -> None:
    shop = request.getfixturevalue(which)
    e = _clean(shop, "events")
    products = _catalog(shop)
    days = shop.batch.meta["generator"]["days"]
    assert e["type"].is_in(list(EVENT_TYPES)).all()
    assert e["event_id"].is_unique().all()
    assert e["timestamp"].is_between(END - timedelta(days=days), END).all()
    assert e["user_id"].null_count() == 0 and e["session_id"].null_count() == 0
    assert e.drop(ROW, "event_id").is_duplicated().sum() == 0
    search = e.filter(pl.col("type") == "search")
    assert search["item_id"].is_null().all() and search["query"].is_not_null().all()
    items = e.filter(pl.col("type") != "search")
    assert items["item_id"].is_in(products["product_id"].implode()).all()
    with_created = items.join(
        products.select(pl.col("product_id").alias("item_id"), "created_at"), on="item_id"
    )
    assert (with_created["timestamp"] >= with_created["created_at"]).all()
    # no near duplicates: same user, item and type at least 2 s apart
    gaps = (
        items.sort("user_id", "item_id", "type", "timestamp")
        .with_columns(pl.col("timestamp").diff().over("user_id", "item_id", "type").alias("gap"))
        .filter(pl.col("gap").is_not_null())
    )
    assert (gaps["gap"].dt.total_milliseconds() >= 2000).all()
    # quantities, prices and currencies
    buy = e.filter(pl.col("type") == "purchase")
    assert buy["quantity"].is_between(1, 3).all() and buy["order_id"].null_count() == 0
    listed = products.select(pl.col("product_id").alias("item_id"), pl.col("price").alias("listed"), pl.col("currency").alias("cur"))  # fmt: skip
    priced = buy.join(listed, on="item_id")
    assert priced.height == buy.height
    assert (priced["currency"] == priced["cur"]).all()
    # prices move over the days (session 33, demo/prices.py): earlier list prices and promotions within
    # 0.61-1.52 x today's (three 4-15 % steps) and 35 % off at most, written as the catalog writes
    # prices; the last day at today's
    ratio = priced["price"] / priced["listed"]
    assert ratio.is_between(0.35, 1.6).all() and (ratio != 1.0).sum() > 0
    cents = ((priced["price"] * 100).round() % 100).cast(pl.Int64)
    assert (
        (priced["currency"] == "USD") & (cents == 99) | (priced["currency"] == "CNY") & (cents == 0)
    ).all()
    last_day = priced.filter(pl.col("timestamp") > pl.col("timestamp").max() - timedelta(days=1))
    assert last_day.height and (last_day["price"] == last_day["listed"]).all()
    assert e.filter(pl.col("type") == "add_to_cart")["quantity"].is_between(1, 2).all()
    assert e.filter(pl.col("type").is_in(["view", "click", "search", "wishlist"]))["quantity"].is_null().all()
    assert e.filter(pl.col("type") == "click")["position"].is_between(1, 20).all()
    assert e.filter(pl.col("type") == "rate")["rating"].is_between(1.0, 5.0).all()
    # every return follows a purchase of the same item by the same user, with its order id
    ret = e.filter(pl.col("type") == "return")
    assert (ret["quantity"] < 0).all() and (ret["price"] > 0).all()
    linked = ret.join(buy, on=["user_id", "item_id", "order_id"], suffix="_p").filter(
        pl.col("timestamp_p") < pl.col("timestamp")
    )
    assert linked["event_id"].n_unique() == ret.height
    # no session looks automated
    per_session = (
        e.sort("timestamp")
        .group_by("session_id")
        .agg(
            pl.len().alias("n"),
            pl.col("timestamp").diff().dt.total_milliseconds().drop_nulls().std().alias("sd"),
            pl.col("timestamp").diff().dt.total_milliseconds().drop_nulls().min().alias("min_gap"),
        )
    )
    assert per_session["n"].max() < 80
    assert (per_session.filter(pl.col("n") >= 8)["sd"] > 1000).all()
    assert (per_session["min_gap"].drop_nulls() >= 1000).all()


@pytest.mark.parametrize("which", ["shop", "clean_shop"])
def test_clean_judgments_pass_every_check(which: str, request) -> None:
    shop = request.getfixturevalue(which)
    j = _clean(shop, "judgments")
    assert j["relevance"].is_in([0.0, 1.0, 2.0, 3.0]).all()
    assert j.select("query", "product_id").is_unique().all()
    assert j["product_id"].is_in(_catalog(shop)["product_id"].implode()).all()
    assert j.group_by("query").agg(pl.col("query_id").n_unique())["query_id"].max() == 1
    graded = j.group_by("query").agg(pl.col("relevance").max())
    assert (graded["relevance"] >= 2).mean() > 0.9


# --- signal for search and recommendations ------------------------------------------------


def test_red_dresses_exist_in_both_languages_and_are_judged_relevant(shop: G.DemoShop) -> None:
    p = _clean(shop, "products")
    zh = p.filter(pl.col("title").str.contains("红色") & pl.col("title").str.contains("连衣裙"))
    en = p.filter(pl.col("title").str.contains(r"\bRed\b.*\b(Maxi|Mini|Midi) Dress\b"))
    assert zh.height >= 3 and en.height >= 3
    j = _clean(shop, "judgments")
    for query in ("red dress", "红色连衣裙"):
        judged = j.filter(pl.col("query") == query)
        assert judged.height >= 15
        red = judged.filter(pl.col("product_id").is_in(pl.concat([zh, en])["product_id"].implode()))
        assert red.height >= 2 and (red["relevance"] >= 2).all()
        top = judged.filter(pl.col("relevance") == 3).join(p, on="product_id")
        assert set(top["language"]) == {"en", "zh"}  # language-agnostic ground truth
    for query in ("wireless earbuds", "男士皮鞋", "black leather boots size 42", "running shoes under 100"):
        assert j.filter(pl.col("query") == query).height >= 10


def test_search_events_lead_to_relevant_clicks(medium: G.DemoShop) -> None:
    e = _clean(medium, "events").sort("timestamp")
    p = _clean(medium, "products")
    searches = e.filter(pl.col("type") == "search").select("session_id", "query")
    assert searches["query"].str.contains(r"[\u4e00-\u9fff]").any()
    assert searches["query"].str.contains(r"^[a-z]").any()
    clicks = e.filter(pl.col("type") == "click").drop("query").join(searches, on="session_id")
    dress = clicks.filter(pl.col("query").is_in(["dress", "red dress", "连衣裙", "红色连衣裙"]))
    dress = dress.join(p.select(pl.col("product_id").alias("item_id"), "category_path"), on="item_id")
    assert dress.height > 0 and dress["category_path"].str.contains("Dresses").mean() > 0.95


def test_purchases_follow_tastes(medium: G.DemoShop) -> None:
    e = _clean(medium, "events").filter(pl.col("type") == "purchase")
    p = _clean(medium, "products").select(pl.col("product_id").alias("item_id"), "category_path")
    users = medium.users.select("user_id", "taste_categories")
    buys = e.join(p, on="item_id").join(users, on="user_id")
    in_taste = buys.select(pl.col("category_path").is_in(pl.col("taste_categories")).alias("hit"))[
        "hit"
    ].mean()
    share = p.group_by("category_path").len().with_columns(pl.col("len") / pl.col("len").sum())
    share_of = dict(share.iter_rows())
    chance = (
        sum(sum(share_of.get(c, 0.0) for c in tastes) for tastes in buys["taste_categories"]) / buys.height
    )
    assert buys.height > 500
    assert in_taste >= 3 * chance, (in_taste, chance)


def test_co_purchases_and_skewed_popularity(medium: G.DemoShop) -> None:
    e = _clean(medium, "events").filter(pl.col("type") == "purchase")
    p = _clean(medium, "products").select(pl.col("product_id").alias("item_id"), "category_path")
    orders = (
        e.join(p, on="item_id")
        .group_by("order_id")
        .agg(
            pl.col("category_path").str.contains("Dresses").any().alias("dress"),
            pl.col("category_path").str.contains("High Heels|Handbags").any().alias("match"),
            pl.col("category_path").str.contains("Smartphones").any().alias("phone"),
            pl.col("category_path").str.contains("Phone Cases|Chargers").any().alias("case"),
        )
    )
    for a, b in (("dress", "match"), ("phone", "case")):
        given = orders.filter(pl.col(a))[b].mean()
        base = orders[b].mean()
        assert orders.filter(pl.col(a)).height >= 10
        assert given >= 3 * base, (a, b, given, base)
    counts = e.group_by("item_id").len().sort("len", descending=True)["len"]
    top_share = counts.head(max(1, counts.len() // 10)).sum() / counts.sum()
    assert top_share > 0.3  # the top 10 % of bought items take far more than 10 % of purchases


def test_users_frame(medium: G.DemoShop) -> None:
    u = medium.users
    assert u.height == 500 and u["user_id"].is_unique().all()
    assert u["taste_categories"].list.len().is_between(2, 3).all()
    assert set(u["language"]) == {"en", "zh"}


def test_vocab_tree_names_are_unique() -> None:
    names = list(V.TOPS) + list(V.MIDS) + [leaf.name for leaf in V.LEAVES]
    assert len(names) == len(set(names))
    assert 35 <= len(V.LEAVES) <= 55
    assert all(len(brands) >= 5 for brands in V.BRANDS.values())


def test_a_demo_shop_of_any_size_keeps_its_judgment_defects_under_the_gates_threshold() -> None:
    """``shopmind demo --products 600`` was held by its own gate: 46 of 4,597 judgments out of
    scale (1.0007 %) against JDG_RELEVANCE_RANGE's 1 % error threshold, because the per-class
    budget (2 % over two classes) was rounded up. The share now stays at or under the threshold;
    the default shop's budget is unchanged (46)."""
    from shopmind.data.model import Batch
    from shopmind.quality.gate import run_gate

    limit = CODES["JDG_RELEVANCE_RANGE"].threshold
    judgments_600 = None
    for n_products, want in ((600, 45), (3000, 46)):
        shop = G.generate(n_products=n_products, n_users=1500)
        judgments = shop.batch.judgments
        bad = shop.defects.filter(
            (pl.col("table") == "judgments") & (pl.col("code") == "JDG_RELEVANCE_RANGE")
        )
        assert bad.height == want and bad.height / judgments.height <= limit, n_products
        judgments_600 = judgments if n_products == 600 else judgments_600
    result = run_gate(Batch("demo-600", judgments=judgments_600))
    crossed = [c["code"] for c in result.checks if c.get("crossed")]
    assert "JDG_RELEVANCE_RANGE" not in crossed and not result.held
