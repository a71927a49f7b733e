"""The storefront and the dashboards in English and Chinese (serve/i18n.py): catalogs, the
language choice, the pages.

The catalogs must carry the same keys with the same ``{placeholders}``, every key the pages and
scripts use must exist and every key must be used; no English literal may be left in a
storefront or dashboard template or script (scanners below, each checked to catch a planted
literal); the language comes from ``?lang`` (remembered), the cookie, ``[storefront] language``,
then ``Accept-Language``; and the pages render in both languages.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopmind.cli.common import UsageError
from shopmind.cli.serve import serve_settings
from shopmind.recommend.explain import TEMPLATES
from shopmind.serve import i18n
from shopmind.serve.app import create_app
from shopmind.serve.pages import STATIC_DIR, TEMPLATES_DIR, build_banner

SERVE = Path(i18n.__file__).parent
#: The shopper-facing templates and the scripts they load.
STOREFRONT_TEMPLATES = ("base.html", "storefront.html", "product.html", "error.html")
STOREFRONT_SCRIPTS = ("i18n.js", "api.js", "common.js", "autocomplete.js", "storefront.js", "foryou.js",
                      "vectors_banner.js", "product.js", "assistant.js", "build_banner.js")  # fmt: skip
#: The dashboards, their sign-in page, and their scripts (the staff of a Chinese shop read them).
DASHBOARD_TEMPLATES = ("login.html", "quality.html", "evaluation.html", "segments.html", "experiments.html",
                       "inventory.html", "pricing.html", "assistant.html", "ads.html", "docs.html")  # fmt: skip
DASHBOARD_SCRIPTS = ("login.js", "charts.js", "quality.js", "evaluation.js", "segments.js", "experiments.js",
                     "release_watch.js", "assistant_dash.js")  # fmt: skip
PAGE_TEMPLATES = STOREFRONT_TEMPLATES + DASHBOARD_TEMPLATES
PAGE_SCRIPTS = STOREFRONT_SCRIPTS + DASHBOARD_SCRIPTS
#: Keys built at run time from a prefix (``"sort." ~ value``, ``"reason." + code`` ...).
DYNAMIC_PREFIXES = ("sort.", "suggest.kind.", "constraint.", "attr.", "assistant.", "reason.", "nav.", "dash.status.",
                    "dash.action.", "dash.severity.", "dash.check.", "dash.segment.", "dash.exp.status.", "dash.exp.kind.",
                    "dash.metric.", "dash.exp.rule.", "dash.guard.", "dash.price.why.", "dash.price.what.", "dash.intent.", "dash.language.", "dash.ads.status.")  # fmt: skip
#: Messages that are names, the same in both languages.
NAMED_KEYS = {"footer.api", "dash.exp.kind.ab", "dash.exp.col.cuped"}
#: Messages that are only punctuation around their parameters (Chinese punctuation in zh).
PATTERN_KEYS = {"banner.count", "banner.stage", "dash.exp.strat_detail", "dash.exp.detail_title", "dash.sep"}
#: Words a storefront template may show in any language: the brand.
BRAND_WORDS = {"shopmind", "shop", "mind"}
#: Script literals that look like prose but are never shown: protocol words and key names.
SCRIPT_ALLOWED = {"use strict", "Bearer ", "Content-Type", "Idempotency-Key", "Enter", "ArrowDown", "ArrowUp",
                  "Escape"}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff]")


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, zh = i18n.catalog("en"), i18n.catalog("zh-Hans")
    assert set(en) == set(zh), sorted(set(en) ^ set(zh))
    assert len(en) > 100
    for key in en:
        assert en[key].strip() and zh[key].strip(), key
        assert i18n.placeholders(en[key]) == i18n.placeholders(zh[key]), key
    # translated, not copied: every Chinese message differs from the English (but a name), and
    # all but punctuation patterns have Chinese in them
    assert {k for k in zh if zh[k] == en[k]} == NAMED_KEYS
    assert {k for k in zh if not _CJK.search(zh[k])} == NAMED_KEYS | PATTERN_KEYS
    for k in ("results.count", "foryou.session"):  # counted messages come in pairs
        assert {f"{k}.one", f"{k}.other"} <= set(en)


def test_reason_messages_follow_the_recommenders_templates() -> None:
    """The scripts re-word the API's English reason with its item name: the English messages are
    the recommender's templates exactly, and each Chinese one takes the same name."""
    en, zh = i18n.catalog("en"), i18n.catalog("zh-Hans")
    assert {k.removeprefix("reason.") for k in en if k.startswith("reason.")} == set(TEMPLATES)
    for code, template in TEMPLATES.items():
        assert en["reason." + code] == template
        assert i18n.placeholders(zh["reason." + code]) == i18n.placeholders(template)


def _used_keys() -> set[str]:
    used: set[str] = set()
    for name in PAGE_TEMPLATES:
        src = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt[m]?\(\s*'([\w.]+)'", src))
        for values, prefix in re.findall(r"for value in \(([^)]*)\) %\}.*?t\('([\w.]+)' ~ value\)", src):
            used |= {prefix + v for v in re.findall(r"'(\w+)'", values)}
    for name in PAGE_SCRIPTS:
        src = (STATIC_DIR / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"\btf?\(\s*\"([\w.]+)\"", src))
        used |= {
            f"{k}.{form}" for k in re.findall(r"\btn\(\s*\"([\w.]+)\"", src) for form in ("one", "other")
        }
    for path in (SERVE / "pages.py", SERVE / "dashboards.py", SERVE / "i18n.py"):
        used |= set(
            re.findall(r"(?:\bt\"\]\(|translate\(lang, )\"([\w.]+)\"", path.read_text(encoding="utf-8"))
        )
        used |= set(re.findall(r"\"(banner\.\w+|error\.(?!html)\w+)\"", path.read_text(encoding="utf-8")))
    # the server-rendered dashboards' errors: message keys in their view modules
    for path in (SERVE / "inventory_page.py", SERVE.parent / "pricing" / "page.py"):
        used |= set(re.findall(r"\"(dash\.[\w.]+)\"", path.read_text(encoding="utf-8")))
    return {k for k in used if "." in k and not k.endswith(".")}  # not a prefix, not a comment's "key"


def test_every_key_used_exists_and_every_key_is_used() -> None:
    en = i18n.catalog("en")
    used = _used_keys()
    assert len(used) > 80
    assert used - set(en) == set()
    unused = {k for k in set(en) - used if not k.startswith(DYNAMIC_PREFIXES)}
    assert unused == set(), unused


# ---------------------------------------------------------------- no English literal left behind
class _Text(HTMLParser):
    """Text nodes and the attributes a reader sees (placeholder, aria-label, title, alt), but not
    inside an element marked ``translate="no"`` (an id, a name, a command: the same in every
    language)."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "area", "base", "col", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []
        self._skip = 0
        self._open: list[bool] = []  # per open element: does it start a translate="no" part

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        no = ("translate", "no") in attrs
        if tag not in self.VOID:
            self._open.append(no)
            self._skip += no
        if not self._skip:
            self.shown += [v for k, v in attrs if k in ("placeholder", "aria-label", "title", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag not in self.VOID and self._open:
            self._skip -= self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.shown.append(data)


def template_literals(src: str) -> list[str]:
    """English a template would show whatever the language: words in its markup (outside
    ``{{ }}``/``{% %}``) and prose-like string literals inside its expressions (a ``t('key')``
    argument is a key, not text)."""
    found: list[str] = []
    for expr in re.findall(r"\{[{%](.*?)[}%]\}", src, flags=re.S):
        expr = re.sub(r"\bt\(\s*'[^']*'", "t(", expr)
        expr = re.sub(r"\bcode\(\s*'[^']*'\)", "code()", expr)  # a command, shown as it is
        found += [s for s in re.findall(r"'([^']*)'|\"([^\"]*)\"", expr) for s in s if _prose(s)]
    parser = _Text()
    src = re.sub(r"\{% block main_attrs %\}.*?\{% endblock %\}", " ", src)  # attributes of base's <main>
    parser.feed(re.sub(r"\{[{%#].*?[}%#]\}", " ", src, flags=re.S))
    for text in parser.shown:
        found += [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in BRAND_WORDS]
    return found


def _prose(s: str) -> bool:
    """A literal that reads as words: letters with a space between, or a capitalised word."""
    return bool(re.search(r"[A-Za-z]{2,}", s)) and bool(
        re.search(r"[A-Za-z]\s+[A-Za-z]", s) or re.match(r"[A-Z][a-z]", s)
    )


def js_literals(src: str) -> list[tuple[int, str, str]]:
    """(line, text, the 60 characters before) of every string literal of a script, comments and
    regular-expression literals skipped."""
    out: list[tuple[int, str, str]] = []
    i, n, line, prev = 0, len(src), 1, ""
    while i < n:
        c = src[i]
        if c == "\n":
            line, i = line + 1, i + 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.index("*/", i + 2)
            line, i = line + src.count("\n", i, j), j + 2
            continue
        if c in "\"'`":
            j, buf = i + 1, []
            while src[j] != c:
                step = 2 if src[j] == "\\" else 1
                buf.append(src[j : j + step])
                j += step
            text = "".join(buf)
            out.append((line, text, src[max(0, i - 60) : i]))
            line, i, prev = line + text.count("\n"), j + 1, "x"
            continue
        if c == "/" and prev in ("", "(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "return"):
            j, in_class = i + 1, False  # a regular expression literal
            while src[j] != "/" or in_class:
                in_class = (in_class or src[j] == "[") and src[j] != "]"
                j += 2 if src[j] == "\\" else 1
            i, prev = j + 1, "x"
            continue
        if c.isalnum() or c in "_$":
            word = re.match(r"[\w$]+", src[i:]).group(0)  # type: ignore[union-attr]
            prev, i = ("return" if word == "return" else "x"), i + len(word)
            continue
        if not c.isspace():
            prev = c
        i += 1
    return out


def script_english(src: str) -> list[str]:
    """Prose-like literals of a script that are not class names, console messages or protocol
    words: text a shopper would see in English whatever the page's language."""
    bad = []
    for line, text, before in js_literals(src):
        if not _prose(text) or text in SCRIPT_ALLOWED:
            continue
        if re.search(r"(console\.\w+|querySelector(All)?)\($", before):
            continue  # the console's own log, a CSS selector
        if re.search(r"el\(\"code\", \{[^}]*\}, \[$", before):
            continue  # a command in a <code> element, shown as it is
        if "(?<" in text:
            continue  # a regular expression with named groups (new RegExp(`...`))
        if re.fullmatch(r"[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*", text) and re.search(
            r"class: [^,{}]*$", before
        ):
            continue  # CSS class names
        bad.append(f"{line}: {text!r}")
    return bad


@pytest.mark.parametrize("name", PAGE_TEMPLATES)
def test_no_english_literal_in_a_template(name: str) -> None:
    assert template_literals((TEMPLATES_DIR / name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", PAGE_SCRIPTS)
def test_no_english_literal_in_a_script(name: str) -> None:
    assert script_english((STATIC_DIR / name).read_text(encoding="utf-8")) == []


def test_every_page_script_is_scanned() -> None:
    """A script split out of another (or a new one) joins the lists above, or its English and its
    message keys would escape the scans. docs.js only starts Swagger UI (its words are Swagger's)."""
    assert {p.name for p in STATIC_DIR.glob("*.js")} == set(PAGE_SCRIPTS) | {"docs.js"}


def test_the_scanners_catch_a_planted_english_string() -> None:
    """The two tests above fail when someone adds English to the storefront."""
    base = (TEMPLATES_DIR / "product.html").read_text(encoding="utf-8")
    assert template_literals(base.replace("</article>", "<button>Buy now</button></article>")) == [
        "Buy",
        "now",
    ]
    assert template_literals(
        base.replace("{{ t('error.back') }}", "x").replace("</article>", "{{ 'Sold out' }}</article>")
    )
    assert template_literals('<input placeholder="Search here">') == ["Search", "here"]
    assert template_literals("<p>{{ t('loading') }} {{ product.title }}</p>") == []
    js = (STATIC_DIR / "product.js").read_text(encoding="utf-8")
    assert script_english(js) == []
    planted = js.replace('[SM.t("rows.building")]', '["Being built — in a moment."]')
    assert script_english(planted) == ["18: 'Being built — in a moment.'"]
    assert script_english(
        'el("p", { class: "muted" }, ["Unavailable"]); // "Comment text" /a b/.test(x)'
    ) == ["1: 'Unavailable'"]
    assert script_english('el("p", { class: "muted small" }, []); console.warn("not shown to anyone")') == []


# ---------------------------------------------------------------- choosing the language
def test_language_choice_order() -> None:
    choose = i18n.choose_language
    assert choose(None, None, "auto", None) == ("en", False)
    assert choose(None, None, "auto", "zh-CN,zh;q=0.9,en;q=0.8") == ("zh-Hans", False)
    assert choose(None, None, "auto", "en-GB,en;q=0.9,zh;q=0.8") == ("en", False)
    assert choose(None, None, "auto", "fr-FR, de;q=0.9, zh;q=0.5") == ("zh-Hans", False)  # first it speaks
    assert choose(None, None, "auto", "en;q=0.2, zh-TW;q=0.8") == ("zh-Hans", False)  # by q, not order
    assert choose(None, None, "zh", "en-US") == ("zh-Hans", False)  # the shop's language over the browser's
    assert choose(None, "en", "zh", "zh-CN") == ("en", False)  # the remembered switch over both
    assert choose("zh", "en", "en", "en") == ("zh-Hans", True)  # the URL over all, and remembered
    assert choose("klingon", "zh", "en", "en") == ("zh-Hans", False)  # a ?lang it does not speak is ignored
    assert choose(None, "xx", "auto", "de") == ("en", False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("auto", "auto"), ("en", "en"), ("zh", "zh"), ("zh-Hans", "zh"), (" ZH-CN ", "zh")],
)
def test_storefront_language_setting_accepts(value: str, expected: str) -> None:
    assert i18n.check_setting(value, "shop.toml") == expected


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[storefront]\nlanguage = "fr"\n', "[storefront] language must be one of auto, en, zh, not 'fr'"),
        ("[storefront]\nlanguage = 1\n", "[storefront] language must be one of auto, en, zh, not 1"),
        ('[storefront]\nlangauge = "zh"\n', "unknown [storefront] setting(s): langauge (known: language)"),
        ('storefront = "zh"\n', "[storefront] must be a table, not 'zh'"),
        ('[storefont]\nlanguage = "zh"\n', "unknown table [storefont] (did you mean [storefront]?)"),
    ],
)
def test_a_wrong_storefront_setting_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "shop.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(UsageError) as exc:
        serve_settings(cfg)
    assert message in str(exc.value) and str(cfg) in str(exc.value)


def test_the_setting_reaches_the_app(tmp_path: Path) -> None:
    cfg = tmp_path / "shop.toml"
    cfg.write_text('[serve]\nworkers = 1\n[storefront]\nlanguage = "zh"\n', encoding="utf-8")
    assert serve_settings(cfg) == {"workers": 1, "storefront_language": "zh"}


# ---------------------------------------------------------------- the pages
def _shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.shown)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(tmp_path_factory.mktemp("ws"), {"storefront_events": False})) as c:
        yield c


def test_pages_follow_the_browser_then_the_switch(client) -> None:
    client.cookies.clear()
    en = client.get("/")
    assert '<html lang="en">' in en.text and "Clear all filters" in en.text
    assert i18n.COOKIE not in en.cookies
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert (
        '<html lang="zh-Hans">' in zh.text
        and "清除全部筛选" in zh.text
        and "Clear all filters" not in zh.text
    )
    # the switch: a link per language, keeping the page's own query
    assert 'href="/?q=%E8%A3%99&amp;lang=en"' in client.get("/?q=裙", headers={"Accept-Language": "zh"}).text
    switched = client.get("/?lang=zh")
    assert switched.cookies.get(i18n.COOKIE) == "zh" and '<html lang="zh-Hans">' in switched.text
    again = client.get("/", headers={"Accept-Language": "en-US"})  # remembered over the browser
    assert '<html lang="zh-Hans">' in again.text
    assert again.headers["content-language"] == "zh-Hans"
    assert again.headers["vary"] == "Accept-Language, Cookie"
    # every word a shopper reads on the Chinese page is Chinese but the brand and names
    words = set(re.findall(r"[A-Za-z]{2,}", _shown(again.text))) - {
        "shopmind",
        "shop",
        "mind",
        "English",
        "API",
    }
    assert words == set(), words
    # the catalog of the page's language is embedded for the scripts, nothing else
    data = re.search(r'<meta name="shopmind-messages" content="([^"]*)">', again.text)
    assert json.loads(unescape(data.group(1)))["messages"]["search.button"] == "搜索"
    back = client.get("/?lang=en")
    assert back.cookies.get(i18n.COOKIE) == "en" and "Clear all filters" in back.text
    client.cookies.clear()


def test_the_shops_language_and_the_dashboards(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, {"storefront_events": False, "storefront_language": "zh"})) as c:
        page = c.get("/", headers={"Accept-Language": "en-US"})
        assert '<html lang="zh-Hans">' in page.text
        assert '<html lang="en">' in c.get("/?lang=en").text
        c.cookies.clear()
        # the dashboards (their sign-in page here) follow the same choice: the shop's language,
        # then the switch (remembered for the storefront too)
        login = c.get("/dashboard/quality", headers={"Accept-Language": "en-US"})
        assert login.status_code == 401 and login.headers["content-language"] == "zh-Hans"
        assert "登录后台看板" in login.text and "Sign in" not in login.text
        assert 'href="/dashboard/quality?lang=en"' in login.text
        login = c.get("/dashboard/quality?lang=en")
        assert "Sign in to the dashboards" in login.text and login.cookies.get(i18n.COOKIE) == "en"
        assert '<html lang="en">' in c.get("/").text
        c.cookies.clear()
        # a storefront page carries no dashboard message to its scripts; a dashboard all of them
        messages = re.search(r'<meta name="shopmind-messages" content="([^"]*)">', page.text)
        assert not any(k.startswith("dash.") for k in json.loads(unescape(messages.group(1)))["messages"])
        messages = re.search(r'<meta name="shopmind-messages" content="([^"]*)">', login.text)
        assert json.loads(unescape(messages.group(1)))["messages"] == i18n.catalog("en")


def test_the_switch_keeps_an_awkward_path_whole(client) -> None:
    """A product id with "?", a space or Chinese in it: the switch links to the same page."""
    page = client.get("/product/a%3Fb%20c", headers={"Accept": "text/html"}).text
    assert 'href="/product/a%3Fb%20c?lang=zh"' in page
    page = client.get("/product/%E8%A3%99", headers={"Accept": "text/html"}).text
    assert 'href="/product/%E8%A3%99?lang=en"' in page


def test_error_pages_in_both_languages(client) -> None:
    client.cookies.clear()
    html = {"Accept": "text/html"}
    r = client.get("/nowhere?q=dress", headers=html)
    assert r.status_code == 404 and "Page not found" in r.text and "There is no page at /nowhere." in r.text
    r = client.get("/nowhere?q=dress", headers={**html, "Accept-Language": "zh-CN"})
    assert r.status_code == 404 and "页面不存在" in r.text and "在商店中搜索“dress”" in r.text
    r = client.get("/product/P1", headers={"Accept-Language": "zh-CN"})  # no release in this workspace
    assert r.status_code == 503 and "目前还没有可用的版本" in r.text


def test_build_banner_words_in_both_languages() -> None:
    stage = {"name": "encoding products (child process)", "done": 120, "total": 300, "eta_s": 4.2}
    building = {"complete": False, "building": {"stages": [{"name": "fitting", "total": None}, stage]}}
    en = build_banner(building, "r1", "en")
    assert en == {
        "id": "build-banner",
        "text": "Search is running on words only while product vectors are still being built (encoding "
        "products: 120 of 300, about 4 s left); results improve by themselves when it is done.",
    }
    zh = build_banner(building, None, "zh-Hans")
    assert zh is not None and zh["id"] == "shop-building-banner"
    assert (
        zh["text"]
        == "您的商店正在构建中（encoding products：120 / 300，约剩 4 秒）。第一个版本就绪后即可搜索，本页会自动刷新。"
    )
    assert build_banner({"complete": True, "building": None}, "r1", "en") is None
    # vectors in, forecasts still building: search is not "on words only", and a model fitting
    # beside the encoding is never named as the stage
    fc = {"stages": [{"name": "forecast (child process)", "total": None}]}
    assert (
        build_banner({"complete": False, "parts": {"search_vectors": "complete"}, "building": fc}, "r1", "en")
        is None
    )
    pending = build_banner(
        {"complete": False, "parts": {"search_vectors": "pending"}, "building": fc}, "r1", "en"
    )
    assert pending is not None and "forecast" not in pending["text"] and "being built;" in pending["text"]
