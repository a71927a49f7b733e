"""The row checks and value repairs of the gate, each a SQL expression over one table.

Why SQL strings: the same text runs in Polars (``pl.sql_expr``, vectorised, the default),
in DuckDB and in Spark (``F.expr``) when data outgrows one machine, so a check is written once.
A table's rules run in stages: context columns (joins done by the gate: ``_known``,
``_p_created``, ``_p_price``, ``_first_buy``, ``_cat_minority``; and ``_null_required``: a
required column is empty, not because its value failed conversion, which is ``TYPE_ERROR``), then ``derived`` columns in
order (window aggregates may use earlier ones), then ``repairs`` (which may change a value),
then ``checks`` (a predicate TRUE for a failing row; NULL counts as passing). Value repairs that
need no derived column (``early``: a currency's case, an unsafe URL) run before the derived
columns, so windows keyed by that value (a price group, an exact duplicate) see the repaired one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from shopmind.config import ISO_4217, GateConfig
from shopmind.data.limits import MAX_ID_CHARS
from shopmind.data.model import EVENT_TYPES, EVENTS, ITEMLESS_EVENT_TYPES, NEGATIVE_QUANTITY_TYPES, ROW

Native = Callable[[pl.DataFrame], pl.Series]


@dataclass(frozen=True)
class Derived:
    """A derived column. ``sql`` is the specification (it runs on any engine); ``native`` is an
    optional Polars fast path for windows Polars evaluates slowly (high-cardinality ``OVER``),
    tested to give the same values as ``sql``."""

    name: str
    sql: str
    native: Native | None = None


def _first_distinct(cols: list[str]) -> Native:
    """Native ``row_number() OVER (PARTITION BY cols ORDER BY _row) > 1`` (frame is in _row order)."""

    def run(frame: pl.DataFrame) -> pl.Series:
        key = pl.struct(cols) if len(cols) > 1 else pl.col(cols[0])
        return frame.select((~key.is_first_distinct()).alias("v"))["v"]

    return run


def _lag(col: str, keys: list[str], order: list[str]) -> Native:
    """Native ``lag(col) OVER (PARTITION BY keys ORDER BY order NULLS LAST)``: one sort, one shift."""

    def run(frame: pl.DataFrame) -> pl.Series:
        cols = list(dict.fromkeys([ROW, *keys, *order, col]))
        ordered = frame.select(cols).sort([*keys, *order], nulls_last=True, maintain_order=True)
        same = pl.all_horizontal([pl.col(k).eq_missing(pl.col(k).shift()) for k in keys])
        prev = ordered.select(pl.col(ROW), pl.when(same).then(pl.col(col).shift()).otherwise(None).alias("v"))
        return frame.select(ROW).join(prev, on=ROW, how="left", maintain_order="left")["v"]

    return run


@dataclass(frozen=True)
class RowCheck:
    code: str
    sql: str
    needs: tuple[str, ...] = ()  # canonical columns the input must have had for the check to apply


@dataclass(frozen=True)
class Repair:
    code: str
    column: str
    when: str
    value: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    derived: tuple[Derived, ...]
    repairs: tuple[Repair, ...]
    checks: tuple[RowCheck, ...]
    #: value repairs applied before the derived columns (they read no derived column)
    early: tuple[Repair, ...] = ()


@dataclass(frozen=True)
class Context:
    """Facts the rules need beyond the batch itself."""

    now_epoch: float
    has_catalog: bool  # False when neither batch nor store has products: referential checks don't apply
    rating_scale: tuple[float, float]
    relevance_scale: tuple[float, float]


def sql_list(values: object) -> str:
    items = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)  # type: ignore[attr-defined]
    return f"({items})" if items else "(NULL)"  # 'x IN (NULL)' is NULL, which counts as passing


#: Columns of each table that hold a URL: an integrator renders them into ``<img src>`` or a link.
URL_COLUMNS: dict[str, tuple[str, ...]] = {"products": ("image_url",)}


def unsafe_url(col: str) -> str:
    """SQL: ``col`` is not a URL a page may render as a link or an image source (NULL passes).

    Why an allow-list of forms, not a deny-list of schemes: a browser runs ``javascript:`` and
    ``vbscript:`` URLs, ``data:`` can carry a page, and new schemes keep appearing; a catalog
    image or link needs none of them. Allowed: ``http(s)://...``, protocol-relative ``//cdn/...``
    and relative references (``/img/a.jpg``, ``img/a.jpg``, ``../a.jpg``, ``?v=2``), which shops use
    all the time. A relative reference is one whose text before the first ``/``, ``?`` or ``#``
    has no ``:`` (RFC 3986 section 4.2: otherwise it reads as a scheme) and no ``&`` (a page that
    inserts the text unescaped turns ``javascript&colon;`` into a scheme). Anything else is unsafe,
    as is any separator or control character (space, no-break space, tab, newline, NUL: a browser
    drops tabs and newlines, so "java&#9;script:" would read as a scheme, and an image URL with
    a space is broken anyway) and the double quote, ``<``, ``>`` and the backtick (never legal
    unencoded in a URL; they end an HTML attribute or start markup). Scheme letters are matched as explicit classes and
    characters by general category (Z, Cc), which Rust's and Java's regex engines read the same;
    ``(?i)`` is not used because Rust folds case by Unicode (``ſ`` matches ``s``) and Java by ASCII.
    """
    chars = f"regexp_like({col}, '[\\p{{Z}}\\p{{Cc}}\"<>`]')"
    form = f"regexp_like({col}, '^(?:(?:[hH][tT][tT][pP][sS]?:)?//|[^:/?#&]*(?:[/?#]|\\z))')"
    return f"{col} IS NOT NULL AND ({chars} OR NOT {form})"


def _url_repairs(table: str) -> tuple[Repair, ...]:
    """``URL_UNSAFE``: an unsafe URL is cleared (NULL) and the repair recorded with the old value.

    Cleared, not quarantined: the product itself is fine, and losing it from search for a bad
    image link is harsher than showing it without one; the audit keeps the value for the shop.
    """
    return tuple(
        Repair("URL_UNSAFE", c, unsafe_url(c), "NULL", needs=(c,)) for c in URL_COLUMNS.get(table, ())
    )


def _currency_case(sql_iso: str) -> Repair:
    """``CURRENCY_CASE``: a currency written in lower or mixed case (``usd``, ``Eur``) whose upper
    case is an ISO 4217 code is upper-cased, with an audit record, before the currency check.

    Search already reads ``usd`` as ``USD``; quarantining such a row (a whole product) was harsh.
    Only three ASCII letters are upper-cased, so both engines' ``upper`` agree (Java's and
    Rust's differ beyond ASCII). Surrounding spaces (`` EUR``) never reach this: coercion strips
    every text value's surrounding white space first.
    """
    when = (
        f"regexp_like(currency, '^[A-Za-z]{{3}}\\z') AND currency <> upper(currency)"
        f" AND upper(currency) IN {sql_iso}"
    )
    return Repair("CURRENCY_CASE", "currency", when, "upper(currency)", needs=("currency",))


#: SQL: a product id a URL path cannot carry. Ids become path segments (``/product/{id}``,
#: ``/v1/items/{id}/similar``, ``PUT``/``DELETE /v1/products/{id}``): ``.`` and ``..`` are dot
#: segments every browser and HTTP client resolves away before sending (``/product/..`` is the
#: storefront), a ``/`` arrives decoded and splits the segment (``%2F`` does not help: the server
#: decodes it before routing), and the API refuses ids with a control character (C0 or DEL) in
#: a path or a body, as it refuses an id over ``MAX_ID_CHARS`` characters. A backslash, spaces,
#: ``?``, ``#`` and ``%`` travel percent-encoded and work.
UNSAFE_PRODUCT_ID = (
    "product_id IN ('.', '..') OR regexp_like(product_id, '[/\\x00-\\x1f\\x7f]')"
    f" OR char_length(product_id) > {MAX_ID_CHARS}"
)


def _too_long(limits: dict[str, int]) -> RowCheck:
    """``TEXT_TOO_LONG``: any free-text column over its limit (``gate.max_*_chars``)."""
    return RowCheck("TEXT_TOO_LONG", " OR ".join(f"char_length({c}) > {n}" for c, n in limits.items()))


def _products(cfg: GateConfig, ctx: Context) -> Rules:
    lo, hi = ctx.rating_scale
    derived = (
        Derived("_lp", "CASE WHEN price > 0 THEN ln(price) END"),
        Derived("_grp", "coalesce(category_path, '') || '|' || coalesce(currency, '')"),
        Derived("_lp_med", "median(_lp) OVER (PARTITION BY _grp)"),
        Derived("_lp_dev", "abs(_lp - _lp_med)"),
        Derived("_lp_mad", "median(_lp_dev) OVER (PARTITION BY _grp)"),
        Derived("_lp_n", "count(_lp) OVER (PARTITION BY _grp)"),
        Derived(
            "_dup_rank",
            "row_number() OVER (PARTITION BY product_id ORDER BY coalesce(updated_at, created_at) DESC NULLS LAST, _row DESC)",
        ),
    )
    placeholders = sql_list(cfg.placeholder_titles)
    checks = (
        RowCheck("TYPE_ERROR", "_type_error"),
        RowCheck("REQUIRED_MISSING", "_null_required"),
        RowCheck("PRD_ID_UNSAFE", UNSAFE_PRODUCT_ID),
        RowCheck("PRD_DUP_ID", "product_id IS NOT NULL AND _dup_rank > 1"),
        RowCheck(
            "PRD_TITLE_PLACEHOLDER",
            # a placeholder word, or no letter or digit at all ("-", "???"); "M", "Ed", "187", "8 1/2" pass
            f"title IS NOT NULL AND (lower(title) IN {placeholders} OR NOT regexp_like(title, '[\\p{{L}}\\p{{N}}]')"
            f" OR char_length(title) < {cfg.min_title_chars})",
        ),
        RowCheck("PRD_DESC_MISSING", "description IS NULL", needs=("description",)),
        RowCheck("PRD_PRICE_NONPOSITIVE", "price IS NOT NULL AND price <= 0"),
        RowCheck(
            "PRD_PRICE_OUTLIER",
            f"_lp_n >= {cfg.min_group_size} AND _lp_dev > {cfg.price_mad_k} * greatest(1.4826 * _lp_mad, 0.1)",
        ),
        RowCheck(
            "PRD_CURRENCY_UNKNOWN",
            f"price IS NOT NULL AND (currency IS NULL OR currency NOT IN {sql_list(sorted(ISO_4217))})",
        ),
        RowCheck("PRD_CATEGORY_INCONSISTENT", "_cat_minority", needs=("category_path",)),
        RowCheck("PRD_STOCK_NEGATIVE", "stock < 0"),
        # the pricing guardrails a product carries as attributes (context.price_bounds)
        RowCheck("PRD_PRICE_BOUNDS", "_price_floor > _price_ceiling", needs=("attributes",)),
        RowCheck("PRD_RATING_RANGE", f"rating < {lo} OR rating > {hi}"),
        RowCheck("TS_IMPLAUSIBLE", "_ts_implausible"),
        _too_long(
            {
                "title": cfg.max_title_chars,
                "brand": cfg.max_title_chars,
                "category_path": cfg.max_title_chars,
                "description": cfg.max_description_chars,
            }
        ),  # fmt: skip
    )
    early = (_currency_case(sql_list(sorted(ISO_4217))), *_url_repairs("products"))
    return Rules(derived=derived, repairs=(), checks=checks, early=early)


def _events(cfg: GateConfig, ctx: Context) -> Rules:
    lo, hi = ctx.rating_scale
    bot = cfg.bot
    all_cols = ", ".join(EVENTS.columns)
    tol = cfg.price_unit_tolerance
    derived = (
        Derived("_ts", "extract(epoch from timestamp)"),
        Derived("_actor", "coalesce(user_id, session_id)"),
        Derived("_sess", "coalesce(session_id, user_id)"),
        # exact duplicates: every canonical column equal; the first arrival is kept
        Derived(
            "_exact_dup",
            f"row_number() OVER (PARTITION BY {all_cols} ORDER BY _row) > 1",
            _first_distinct(list(EVENTS.columns)),
        ),
        Derived(
            "_id_dup",
            "row_number() OVER (PARTITION BY event_id ORDER BY _row) > 1",
            _first_distinct(["event_id"]),
        ),
        # price reference for the x100 unit check: the catalog's price, else the item's median here
        Derived("_pos_price", "CASE WHEN price > 0 THEN price END"),
        Derived("_ref_price", "coalesce(_p_price, median(_pos_price) OVER (PARTITION BY item_id))"),
        Derived("_unit_ratio", "CASE WHEN price > 0 AND _ref_price > 0 THEN log10(price / _ref_price) END"),
        # quantity outliers: robust z of log quantity within an item's purchases
        Derived("_lq", "CASE WHEN type = 'purchase' AND quantity > 0 THEN ln(quantity) END"),
        # items with too few purchases to judge alone are judged against all purchases
        Derived("_lq_n", "count(_lq) OVER (PARTITION BY item_id)"),
        # the windows keyed by item_id and more columns come right after those keyed by item_id
        # alone: on Spark they then reuse that shuffle (rows hashed by item_id are already grouped
        # for any key set containing it) instead of shuffling every row twice more; the order
        # changes no value (no column here depends on another window of this group)
        Derived(
            "_prev_ts",
            "lag(_ts) OVER (PARTITION BY _actor, item_id, type, query ORDER BY _ts NULLS LAST, _row)",
            _lag("_ts", ["_actor", "item_id", "type", "query"], ["_ts", ROW]),
        ),
        # returns: the first purchase of the same item by the same user in this batch
        Derived(
            "_first_buy_here",
            "min(CASE WHEN type = 'purchase' THEN _ts END) OVER (PARTITION BY user_id, item_id)",
        ),
        # rows without a quantity (every non-purchase) add nothing to these medians and counts, so
        # they are spread by item/session instead of joining the '' group: on Spark that group was
        # one partition holding every item-less event (one 50 s task of a 61 s stage at 10 M)
        Derived(
            "_lq_g",
            f"CASE WHEN _lq IS NULL THEN coalesce(item_id, _sess) "
            f"WHEN _lq_n >= {cfg.min_group_size} THEN item_id ELSE '' END",
        ),
        Derived("_lq_med", "median(_lq) OVER (PARTITION BY _lq_g)"),
        Derived("_lq_dev", "_lq - _lq_med"),
        Derived("_lq_mad", "median(abs(_lq_dev)) OVER (PARTITION BY _lq_g)"),
        Derived("_lq_gn", "count(_lq) OVER (PARTITION BY _lq_g)"),
        # bot sessions
        Derived("_browse", f"CASE WHEN type IN {sql_list(bot.types)} THEN 1 ELSE 0 END"),
        Derived("_s_browse", "sum(_browse) OVER (PARTITION BY _sess)"),
        Derived("_s_n", "count(*) OVER (PARTITION BY _sess)"),
        Derived("_s_span", "max(_ts) OVER (PARTITION BY _sess) - min(_ts) OVER (PARTITION BY _sess)"),
        Derived("_s_items", "count(DISTINCT item_id) OVER (PARTITION BY _sess)"),
        Derived(
            "_prev_s_ts",
            "lag(_ts) OVER (PARTITION BY _sess ORDER BY _ts NULLS LAST, _row)",
            _lag("_ts", ["_sess"], ["_ts", ROW]),
        ),
        Derived("_gap", "_ts - _prev_s_ts"),
        Derived("_gap_mean", "avg(_gap) OVER (PARTITION BY _sess)"),
        Derived("_gap_std", "stddev(_gap) OVER (PARTITION BY _sess)"),
    )
    repairs = (
        Repair("EVT_PRICE_UNIT", "price", f"abs(_unit_ratio - 2) < {tol}", "price / 100", needs=("price",)),
        Repair("EVT_PRICE_UNIT", "price", f"abs(_unit_ratio + 2) < {tol}", "price * 100", needs=("price",)),
    )
    neg = sql_list(sorted(NEGATIVE_QUANTITY_TYPES))
    bot_rule = (
        f"_sess IS NOT NULL AND _s_browse * 2 >= _s_n AND ("
        f"(_s_n >= {bot.min_events} AND (_s_span = 0 OR (_s_n - 1) / _s_span > {bot.max_rate_per_s}))"
        f" OR (_s_n >= {bot.regular_min_events} AND _gap_mean > 0 AND _gap_std / _gap_mean < {bot.regular_cv})"
        f" OR _s_items >= {bot.max_distinct_items})"
    )
    unknown = "item_id IS NOT NULL AND NOT _known" if ctx.has_catalog else "FALSE"
    checks = (
        RowCheck("TYPE_ERROR", "_type_error"),
        RowCheck("REQUIRED_MISSING", "_null_required"),
        RowCheck("EVT_TYPE_UNKNOWN", f"type NOT IN {sql_list(EVENT_TYPES)}"),
        RowCheck(
            "EVT_ITEM_MISSING",
            f"item_id IS NULL AND type IN {sql_list(sorted(set(EVENT_TYPES) - ITEMLESS_EVENT_TYPES))}",
        ),
        RowCheck("EVT_USER_MISSING", f"user_id IS NULL AND type IN {sql_list(cfg.require_user_types)}"),
        RowCheck("EVT_DUP_EXACT", "_exact_dup"),
        # an id reused within the batch for other content, or already stored for other content
        RowCheck(
            "EVT_ID_CONFLICT",
            "event_id IS NOT NULL AND ((_id_dup AND NOT _exact_dup) OR coalesce(_stored = 'differs', FALSE))",
        ),
        RowCheck(
            "EVT_DUP_NEAR",
            # an exact copy shares its original's timestamp, so the previous timestamp is right either way
            f"NOT _exact_dup AND _actor IS NOT NULL AND type IN {sql_list(cfg.near_duplicate_types)}"
            f" AND _ts - _prev_ts <= {cfg.near_duplicate_seconds}",
        ),
        # the plausibility window is applied by coercion to every format and unit (epoch
        # seconds from extract() are NULL past year 2262 in Polars, so they cannot be the test)
        RowCheck("EVT_TS_FUTURE", "_ts_future"),
        RowCheck("TS_IMPLAUSIBLE", "_ts_implausible"),
        _too_long({"query": cfg.max_query_chars}),
        RowCheck(
            "EVT_QTY_SIGN",
            f"quantity IS NOT NULL AND ((type IN {neg} AND quantity >= 0) OR (type NOT IN {neg} AND quantity <= 0))",
        ),
        RowCheck(
            "EVT_QTY_OUTLIER",
            # the scale is clamped to [0.5, 1] on the log scale: a wide wholesale spread must not hide
            # a unit slip (x1000), so anything above e^k (~150x at k=5) the item's median is flagged
            f"_lq_gn >= {cfg.min_group_size} AND _lq_dev > {cfg.qty_mad_k} * least(greatest(1.4826 * _lq_mad, 0.5), 1.0)",
        ),
        RowCheck("EVT_PRICE_NONPOSITIVE", "type IN ('purchase', 'return') AND price <= 0"),
        RowCheck(
            "EVT_CURRENCY_UNKNOWN", f"currency IS NOT NULL AND currency NOT IN {sql_list(sorted(ISO_4217))}"
        ),
        RowCheck("EVT_RATING_RANGE", f"rating < {lo} OR rating > {hi}"),
        RowCheck("EVT_ITEM_UNKNOWN", unknown),
        RowCheck("EVT_ITEM_UNLISTED", "item_id IS NOT NULL AND _unlisted" if ctx.has_catalog else "FALSE"),
        RowCheck("EVT_BEFORE_PRODUCT", "timestamp < _p_created"),
        RowCheck("EVT_BOT_SESSION", bot_rule),
        RowCheck(
            "EVT_RETURN_UNLINKED",
            "type = 'return' AND (user_id IS NULL OR item_id IS NULL OR "
            "((_first_buy_here IS NULL OR _first_buy_here > _ts) AND (_first_buy IS NULL OR _first_buy > timestamp)))",
        ),
    )
    early = (_currency_case(sql_list(sorted(ISO_4217))), *_url_repairs("events"))
    return Rules(derived=derived, repairs=repairs, checks=checks, early=early)


def _judgments(cfg: GateConfig, ctx: Context) -> Rules:
    lo, hi = ctx.relevance_scale
    derived = (Derived("_dup_rank", "row_number() OVER (PARTITION BY query, product_id ORDER BY _row DESC)"),)
    checks = (
        RowCheck("TYPE_ERROR", "_type_error"),
        RowCheck("REQUIRED_MISSING", "_null_required"),
        RowCheck("JDG_RELEVANCE_RANGE", f"relevance < {lo} OR relevance > {hi}"),
        RowCheck("JDG_DUP", "query IS NOT NULL AND product_id IS NOT NULL AND _dup_rank > 1"),
        RowCheck(
            "JDG_PRODUCT_UNKNOWN", "product_id IS NOT NULL AND NOT _known" if ctx.has_catalog else "FALSE"
        ),
        _too_long({"query": cfg.max_query_chars}),
    )
    return Rules(derived=derived, repairs=(), checks=checks)


RULES = {"products": _products, "events": _events, "judgments": _judgments}


def rules_for(table: str, cfg: GateConfig, ctx: Context) -> Rules:
    return RULES[table](cfg, ctx)


def add_derived(frame: pl.DataFrame, derived: tuple[Derived, ...], native: bool = True) -> pl.DataFrame:
    """Add derived columns in order (each may use the ones before it).

    With ``native`` the Polars fast paths are used where a column has one; ``native=False``
    evaluates the SQL specification only (tests compare the two).
    """
    for d in derived:
        if native and d.native is not None:
            frame = frame.with_columns(d.native(frame).alias(d.name))
        else:
            frame = frame.with_columns(pl.sql_expr(d.sql).alias(d.name))
    return frame


def apply_repairs(
    frame: pl.DataFrame, repairs: tuple[Repair, ...], present: set[str], table: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply value repairs; return the frame and audit records (old → new per changed cell)."""
    audits = []
    for rep in repairs:
        if not set(rep.needs) <= present:
            continue
        mask = pl.sql_expr(rep.when).fill_null(False)
        hit = frame.filter(mask)
        if hit.is_empty():
            continue
        audits.append(
            hit.select(
                pl.lit(table).alias("table_name"),
                pl.col(ROW),
                pl.lit(rep.column).alias("column_name"),
                pl.lit(rep.code).alias("code"),
                pl.col(rep.column).cast(pl.Utf8).alias("old_value"),
                pl.sql_expr(rep.value).cast(pl.Utf8).alias("new_value"),
            )
        )
        frame = frame.with_columns(
            pl.when(mask).then(pl.sql_expr(rep.value)).otherwise(pl.col(rep.column)).alias(rep.column)
        )
    return frame, (pl.concat(audits) if audits else None)  # type: ignore[return-value]


def evaluate(frame: pl.DataFrame, checks: tuple[RowCheck, ...], present: set[str]) -> pl.DataFrame:
    """One boolean column per applicable check (TRUE = the row fails), computed in one pass."""
    exprs = [
        pl.sql_expr(c.sql).fill_null(False).cast(pl.Boolean).alias(c.code)
        for c in checks
        if set(c.needs) <= present
    ]
    return frame.lazy().select(pl.col(ROW), *exprs).collect()
