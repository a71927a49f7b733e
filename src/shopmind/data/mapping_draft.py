"""A first mapping TOML for a shop's own export, drafted from its header (`shopmind mapping FILE`).

The ``table`` format needs a mapping from the export's column names to the canonical ones;
writing it by hand from `docs/DATA_MODEL.md` is the first-hour step where a new user stops.
Most exports name their columns in a handful of ways (Shopify, WooCommerce, Magento, an
order-line export, a Chinese, German, French or Spanish back office), so the draft matches
normalised header names against those spellings, picks the table whose columns match best,
and says in comments what it could not place. It is a draft: the user reads it, fixes it and passes it to
``--mapping``; nothing is ingested from a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from shopmind.data.model import EVENT_TYPES, SCHEMAS, SOURCE_LINE, TABLES, TableName
from shopmind.data.recbole import atomic_kind, header_types
from shopmind.data.records import name_list, repeat_of

#: canonical column -> header spellings, normalised by ``_key`` (lower case, accents folded, letters
#: and digits only, CJK kept). Per table, because ``price`` or ``query`` mean different things in each.
#: English, Chinese, then German (``Artikelnummer``, ``Bezeichnung``, ``Menge``: JTL, Shopware,
#: plentymarkets and DATEV-style exports), French and Spanish spellings of each column.
ALIASES: dict[TableName, dict[str, tuple[str, ...]]] = {
    "products": {
        "product_id": ("productid", "id", "sku", "variantsku", "itemid", "item", "handle", "stockcode", "productuid",
                       "productcode", "articleid", "articlenumber", "asin", "goodsid", "商品id", "商品编号",
                       "货号", "编号", "sku编码", "商品编码",
                       "artikelnummer", "artikelnr", "artnr", "artikelid", "produktid", "produktnummer",
                       "reference", "ref", "referenceproduit", "codeproduit", "idproduit", "codearticle",
                       "referencia", "codigo", "codigoproducto", "codigodeproducto", "idproducto", "codigoarticulo"),
        "title": ("title", "name", "productname", "producttitle", "itemname", "movietitle", "booktitle", "商品名称",
                  "标题", "名称", "商品标题", "品名",
                  "bezeichnung", "artikelbezeichnung", "artikelname", "produktname", "produktbezeichnung",
                  "titel", "designation", "libelle", "nom", "nomduproduit", "nomproduit", "titre",
                  "nombre", "nombredelproducto", "nombreproducto", "titulo"),
        "description": ("description", "bodyhtml", "body", "longdescription", "productdescription",
                        "shortdescription", "details", "描述", "商品描述", "详情", "商品详情",
                        "beschreibung", "artikelbeschreibung", "produktbeschreibung", "langtext",
                        "descriptionproduit", "descripcion", "descripciondelproducto"),
        "category_path": ("categorypath", "category", "categories", "productcategory", "type", "producttype",
                          "googleproductcategory", "genre", "genres", "类目", "分类", "商品分类", "类别", "品类",
                          "kategorie", "kategorien", "warengruppe", "produktkategorie", "kategoriepfad",
                          "categorie", "rayon", "categoria", "categorias"),
        "brand": ("brand", "vendor", "manufacturer", "make", "品牌", "厂商",
                  "marke", "hersteller", "marque", "fabricant", "marca", "fabricante"),
        "price": ("price", "variantprice", "regularprice", "saleprice", "unitprice", "listprice", "价格",
                  "售价", "单价", "销售价",
                  "preis", "verkaufspreis", "vkpreis", "einzelpreis", "stuckpreis", "bruttopreis",
                  "prix", "prixunitaire", "prixdevente", "prixttc", "precio", "preciounitario",
                  "preciodeventa", "pvp"),
        "currency": ("currency", "currencycode", "币种", "货币", "wahrung", "devise", "monnaie", "moneda", "divisa"),
        "stock": ("stock", "qty", "quantity", "inventory", "variantinventoryqty", "inventoryquantity",
                  "stockquantity", "instock", "库存", "库存数量", "数量",
                  "lagerbestand", "bestand", "lagermenge", "verfugbar", "menge",
                  "quantiteenstock", "quantite", "existencias", "inventario", "cantidad"),
        "rating": ("rating", "averagerating", "stars", "评分", "bewertung", "note", "valoracion", "puntuacion"),
        # not "published": Shopify's and WooCommerce's Published is TRUE/FALSE (1/0), not a date
        "created_at": ("createdat", "created", "dateadded", "publishedat", "上架时间", "创建时间",
                       "erstelltam", "erstellt", "angelegtam", "datedecreation", "datecreation",
                       "fechadecreacion", "fechacreacion"),
        "updated_at": ("updatedat", "updated", "lastmodified", "modified", "更新时间",
                       "geandertam", "aktualisiertam", "letzteanderung", "datedemodification",
                       "fechademodificacion"),
        "image_url": ("imageurl", "imagesrc", "image", "images", "imagelink", "picture", "图片", "主图", "图片链接",
                      "bild", "bildurl", "bildlink", "urlimage", "urldelimage", "photo", "imagen", "urlimagen",
                      "urldelaimagen", "foto"),
        "language": ("language", "lang", "locale", "语言", "sprache", "langue", "idioma"),
        # a unit cost is no price: kept as the attribute the pricing guardrails read (pricing/release.py)
        "attributes.cost": ("cost", "unitcost", "costperitem", "costprice", "purchaseprice", "wholesaleprice",
                            "成本", "成本价", "进价", "进货价", "einkaufspreis", "ekpreis", "einstandspreis",
                            "cout", "coutunitaire", "prixdachat", "prixdachatht", "costo", "costounitario",
                            "preciodecoste", "preciodecompra"),
        # the crossed-out price beside a sale price (Shopify's Compare At Price), kept beside the price
        "attributes.compare_at_price": ("compareatprice", "variantcompareatprice", "compareprice", "msrp", "uvp"),
        # labels (a facet; the merchant's own Type beside a Product Category is one too, see ``draft``)
        "attributes.tags": ("tags", "tag", "keywords", "标签", "schlagworte", "etiquetas"),
    },
    "events": {
        "event_id": ("eventid", "id", "logid", "事件id", "ereignisid", "idevenement", "idevento"),
        "type": ("type", "eventtype", "event", "action", "behavior", "behaviortype", "行为", "行为类型",
                 "typ", "ereignis", "ereignistyp", "aktion", "typeevenement", "evenement", "tipo", "evento",
                 "tipodeevento", "accion"),
        "timestamp": ("timestamp", "time", "datetime", "date", "eventtime", "eventdate", "eventtimestamp",
                      "invoicedate", "orderdate",
                      "createdat", "paidat", "processedat", "时间", "日期", "下单时间", "时间戳",
                      "zeitstempel", "datum", "zeit", "bestelldatum", "rechnungsdatum", "belegdatum",
                      "horodatage", "datedecommande", "datecommande", "datedefacture", "fecha", "fechahora",
                      "fechadepedido", "fechapedido", "fechadefactura"),
        "user_id": ("userid", "user", "customerid", "customer", "memberid", "membernumber", "visitorid",
                    "buyerid", "email", "customeremail", "billingemail", "用户id", "用户", "会员id", "客户id",
                    "kunde", "kundennummer", "kundennr", "kundenid", "benutzer", "benutzerid",
                    "client", "idclient", "numeroclient", "noclient", "nclient", "utilisateur",
                    "cliente", "idcliente", "numerodecliente", "numerocliente", "usuario"),
        "session_id": ("sessionid", "session", "会话id", "sitzung", "sitzungsid", "idsession", "sesion",
                       "iddesesion"),
        "item_id": ("itemid", "productid", "sku", "lineitemsku", "stockcode", "item", "product", "goodsid", "商品id", "商品编号",
                    "artikelnummer", "artikelnr", "artnr", "artikel", "artikelid", "produktid",
                    "reference", "ref", "codeproduit", "idproduit", "produit", "article", "codearticle",
                    "referencia", "codigo", "codigodeproducto", "codigoproducto", "idproducto", "producto",
                    "articulo",
                    # last: a basket log naming items only by their name (Groceries' itemDescription)
                    "itemdescription", "itemname", "productname"),
        "quantity": ("quantity", "qty", "lineitemquantity", "amount", "count", "数量", "购买数量",
                     "menge", "anzahl", "stuckzahl", "quantite", "qte", "cantidad", "unidades"),
        "price": ("price", "unitprice", "itemprice", "lineitemprice", "单价", "价格",
                  "preis", "einzelpreis", "stuckpreis", "verkaufspreis", "prix", "prixunitaire", "precio",
                  "preciounitario"),
        "currency": ("currency", "currencycode", "币种", "wahrung", "devise", "moneda", "divisa"),
        "query": ("query", "searchterm", "searchquery", "keyword", "keywords", "搜索词", "关键词",
                  "suchbegriff", "suchanfrage", "suche", "recherche", "motcle", "busqueda",
                  "terminodebusqueda", "palabraclave"),
        "rating": ("rating", "stars", "score", "评分", "bewertung", "note", "valoracion", "puntuacion"),
        "order_id": ("orderid", "order", "ordernumber", "invoiceno", "invoice", "invoicenumber", "订单号",
                     "订单id", "订单编号",
                     "bestellnummer", "bestellnr", "bestellung", "bestellid", "auftragsnummer", "auftragsnr",
                     "rechnungsnummer", "belegnummer", "commande", "numerodecommande", "numerocommande",
                     "nodecommande", "ndecommande", "idcommande", "facture", "numerodefacture",
                     "pedido", "numerodepedido", "numeropedido", "idpedido", "factura", "numerodefactura"),
        "position": ("position", "rank", "pos", "位置", "rang", "posicion"),
    },
    "judgments": {
        "query": ("query", "searchterm", "searchquery", "keyword", "查询", "搜索词",
                  "suchbegriff", "suchanfrage", "recherche", "busqueda"),
        "product_id": ("productid", "productuid", "itemid", "sku", "docid", "商品id",
                       "artikelnummer", "produktid", "reference", "idproduit", "referencia", "idproducto"),
        "relevance": ("relevance", "grade", "label", "score", "judgment", "medianrelevance", "相关性", "标注",
                      "relevanz", "bewertung", "pertinence", "relevancia"),
        "query_id": ("queryid", "qid"),
    },
}  # fmt: skip

#: Russian (1C, МойСклад, Ozon and Wildberries seller exports) and Polish (Allegro, Subiekt, IdoSell)
#: spellings, appended after the others: ``Артикул``, ``Наименование``, ``Цена``; ``Nazwa``, ``Cena``, ``Ilość``.
#: Written as read (``рейтинг``) and folded by ``_key`` when merged (``й`` loses its breve, as ``ó`` its accent).
_RUSSIAN_POLISH: dict[TableName, dict[str, tuple[str, ...]]] = {
    "products": {
        "attributes.cost": ("себестоимость", "закупочнаяцена", "koszt", "cenazakupu"),
        "product_id": ("артикул", "кодтовара", "идтовара", "код", "артикулпродавца",
                       "kodproduktu", "idproduktu", "indeks", "symbol", "kodtowaru"),
        "title": ("наименование", "название", "наименованиетовара", "названиетовара", "товар",
                  "nazwa", "nazwaproduktu", "nazwatowaru", "tytul"),
        "description": ("описание", "описаниетовара", "opis", "opisproduktu"),
        "category_path": ("категория", "раздел", "группа", "группатоваров", "kategoria"),
        "brand": ("бренд", "производитель", "торговаямарка", "marka", "producent"),
        "price": ("цена", "ценапродажи", "розничнаяцена", "cena", "cenajednostkowa", "cenasprzedazy",
                  "cenabrutto"),
        "currency": ("валюта", "waluta"),
        "stock": ("остаток", "остатки", "количество", "колво", "ilosc", "stan", "stanmagazynowy"),
        "rating": ("рейтинг", "оценка", "ocena"),
        "created_at": ("датасоздания", "создан", "datautworzenia", "utworzono"),
        "updated_at": ("датаизменения", "изменен", "datamodyfikacji", "zmodyfikowano"),
        "image_url": ("изображение", "фото", "картинка", "ссылканаизображение", "zdjecie", "obraz", "urlzdjecia"),
        "language": ("язык", "jezyk"),
    },
    "events": {
        "event_id": ("идсобытия",),
        "type": ("тип", "событие", "действие", "типсобытия", "zdarzenie", "akcja"),
        "timestamp": ("дата", "датаивремя", "время", "датазаказа", "data", "datazamowienia", "czas",
                      "datasprzedazy"),
        "user_id": ("покупатель", "клиент", "идклиента", "кодклиента", "пользователь",
                    "klient", "idklienta", "uzytkownik", "kupujacy", "nabywca"),
        "session_id": ("сессия", "sesja"),
        "item_id": ("артикул", "кодтовара", "идтовара", "товар", "kodproduktu", "idproduktu", "indeks",
                    "produkt", "kodtowaru", "towar"),
        "quantity": ("количество", "колво", "ilosc", "liczba"),
        "price": ("цена", "ценазаединицу", "cena", "cenajednostkowa"),
        "currency": ("валюта", "waluta"),
        "query": ("запрос", "поисковыйзапрос", "zapytanie", "frazawyszukiwania"),
        "rating": ("оценка", "рейтинг", "ocena"),
        "order_id": ("заказ", "номерзаказа", "noзаказа", "zamowienie", "numerzamowienia", "nrzamowienia",
                     "idzamowienia"),
        "position": ("позиция", "pozycja"),
    },
    "judgments": {
        "query": ("запрос", "zapytanie"),
        "product_id": ("артикул", "kodproduktu"),
        "relevance": ("релевантность", "trafnosc"),
    },
}  # fmt: skip


@dataclass
class Draft:
    """The drafted mapping and what the user must look at before using it."""

    table: TableName
    columns: dict[str, str]  # source column -> canonical column
    constants: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)  # source columns the draft did not map
    returns: str | None = None  # "negative_quantity": the export's negative lines are returns
    group: str | list[str] | None = None  # a column whose lines are one record (data.groups), or several
    lists: dict[str, str] = field(default_factory=dict)  # attribute column -> separator of its values
    listed: dict[str, list[str]] = field(default_factory=dict)  # column -> values of products for sale
    missing: list[str] = field(default_factory=list)  # required canonical columns not found
    #: a header name given more than once -> (name read, 1-based column number) of each copy; the
    #: reader names the later copies ``<name>_duplicated_<n>``, a workbook's ``<name>_<n>``, pandas ``<name>.<n>``
    repeated: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: headers that differ but read as one name (``Цена`` / ``ЦЕНА``, ``Preis`` / ``preis``) where one is mapped
    same_name: list[list[str]] = field(default_factory=list)
    #: what the draft chose that the user should check, one comment line each
    notes: list[str] = field(default_factory=list)

    @property
    def needs_currency(self) -> bool:
        """Prices without a currency column or constant: products are quarantined (PRD_CURRENCY_UNKNOWN),
        events accepted with no currency (EVT_CURRENCY_UNKNOWN judges only a currency that is given)."""
        mapped = set(self.columns.values())
        return "price" in mapped and "currency" not in mapped and "currency" not in self.constants

    @property
    def currency_note(self) -> str:
        """What a missing currency does to this table's rows, as the draft and the CLI say it."""
        if self.table == "products":
            return "a product price without its ISO 4217 currency is quarantined (PRD_CURRENCY_UNKNOWN)"
        return "purchases are accepted without a currency, but their revenue is then in no known currency"

    def toml(self, source: str) -> str:
        """The draft as a mapping TOML with comments; loads with ``readers.load_mapping``."""
        lines = [
            f"# Draft mapping for {_toml_key(source)}, made by `shopmind mapping` from its header: check every line,",
            "# then: shopmind ingest <file> --format table --mapping <this file>",
            f'table = "{self.table}"',
        ]
        if self.returns:
            lines.append(
                f'returns = "{self.returns}"  # purchase lines with a quantity below 0 are returns '
                "(delete this line if your export writes returns another way)"
            )
        if self.group:
            lines.append(
                f"group = {_group_value(self.group)}  # lines sharing this column are one "
                + (
                    "product (its variants)"
                    if self.table == "products"
                    else "record: blanks filled from its first line"
                )
            )
        lines += [
            "",
            "[columns]  # column in the file = canonical column (docs/DATA_MODEL.md)",
        ]
        lines += [f'{_toml_key(src)} = "{dst}"' for src, dst in self.columns.items()]
        if self.constants or self.needs_currency:
            lines += ["", "[constants]  # canonical column = the value every row gets"]
            lines += [f'{k} = "{v}"' for k, v in self.constants.items()]
        if self.needs_currency:
            lines.append(
                f'# currency = "EUR"  # the file has prices but no currency column: {self.currency_note}; '
                "uncomment with the shop's currency"
            )
        if self.lists:
            lines += ["", "[lists]  # a column whose cells hold several values, and their separator"]
            lines += [f'{_toml_key(c)} = "{sep}"' for c, sep in self.lists.items()]
        if self.listed:
            lines += [
                "",
                "[listed]  # the rows to keep: a line with another value here is left out (said at ingest)",
            ]
            lines += [
                f"{_toml_key(c)} = [{', '.join(_toml_string(v) for v in values)}]"
                for c, values in self.listed.items()
            ]
        for group in self.same_name:
            kept = next(h for h in group if h in self.columns)
            lines.append(
                f"# {', '.join(_toml_key(h) for h in group)} read as one name once case, accents and spaces are "
                f"folded: {_toml_key(kept)} (the first) is mapped, the others are not; map another if it is the one"
            )
        for name, copies in self.repeated.items():
            kept = "mapped" if name in self.columns else "kept (not mapped)"
            others = ", ".join(f"{_toml_key(read)} (column {n})" for read, n in copies[1:])
            lines.append(
                f"# {_toml_key(name)} is {len(copies)} columns of the header: the first (column {copies[0][1]}) is "
                f"{kept} under its name; the later are read as {others} and ignored unless mapped. The header "
                "cannot tell which holds the values you want: check them, and map that name instead if needed"
            )
        lines += [f"# {note}" for note in self.notes]
        for col in self.missing:
            lines.append(
                f"# required {col}: no column of the file looks like it; map one or set it in [constants]"
                + (f' (e.g. type = "view"; one of {", ".join(EVENT_TYPES)})' if col == "type" else "")
            )
        if self.unplaced:
            lines.append(
                "# not mapped (ignored at ingest): " + name_list([_toml_key(u) for u in self.unplaced])
            )
        return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    """A header as the aliases spell it: accents folded (``Währung`` -> ``wahrung``, ``Référence``
    -> ``reference``, ``ß`` -> ``ss``, ``ł`` -> ``l``, full-width letters to ASCII), lower case, then
    the letters and digits of any script (Latin, Cyrillic, CJK, ...) with spaces and punctuation
    dropped; without the folding a German or French header lost its accented letters and matched
    nothing, and a fold that kept only Latin and CJK letters made every Russian header empty."""
    folded = unicodedata.normalize(
        "NFKD", name.lower().replace("ß", "ss").replace("ł", "l")
    ).lower()  # № -> no
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


for _table, _columns in _RUSSIAN_POLISH.items():
    for _column, _spellings in _columns.items():
        ALIASES[_table][_column] = (*ALIASES[_table][_column], *(_key(a) for a in _spellings))


def _toml_key(name: str) -> str:
    """A bare key when TOML allows one, else a basic string with every character TOML forbids
    there escaped (quotes, backslashes, control characters: headers can hold anything)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    body = "".join(
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in name
    )
    return f'"{body}"'


def _toml_string(name: str) -> str:
    """A header as a TOML basic string (a value, where a bare key is not allowed)."""
    key = _toml_key(name)
    return key if key.startswith('"') else f'"{key}"'


def _group_value(group: str | list[str]) -> str:
    if isinstance(group, str):
        return _toml_string(group)
    return "[" + ", ".join(_toml_string(g) for g in group) + "]"


def _match(headers: list[str], table: TableName) -> dict[str, str]:
    """Source column -> canonical column, each used once, in the aliases' order of preference.

    A repeated header's later copies (``price_duplicated_0``, named so by the reader; ``price_1`` from
    a workbook, ``price.1`` from pandas) are never matched: the first copy is the column under the
    name the file gives (``price.1`` was listed as an unplaced column, with no word that it is a
    second ``price``)."""
    headers = [h for h in headers if not repeat_of(h, headers)]
    keys = {h: _key(h) for h in headers}
    out: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        for alias in aliases:  # the list is ordered by how surely a spelling means the column
            hit = next((h for h in headers if keys[h] == alias and h not in out), None)
            if hit is not None:
                out[hit] = canonical
                break
    return out


def draft(headers: list[str], table: TableName | None = None) -> Draft:
    """The mapping for a file with these column names; ``table`` forces the canonical table,
    else the one whose required columns are best covered (then the most columns) wins."""
    headers = [h for h in headers if h != SOURCE_LINE]
    if table is not None and table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    candidates: list[TableName] = [table] if table else list(TABLES)
    scored = []
    for t in candidates:
        m = _match(headers, t)
        required = SCHEMAS[t].required
        covered = {c for c in m.values() if c in required}
        if t == "events" and m:
            # an event id is made from the row's content when the file has none, so it is always
            # covered: uncounted, a view log (session_id, user_id, item_id, eventdate: Diginetica,
            # YooChoose) scored below products on its item id alone and was drafted as a catalogue
            covered |= {"event_id"}
        if t == "events" and _looks_like_order_lines(m):
            # an order-line export's type ("purchase") is made too: uncounted, a file naming its
            # products (``Bezeichnung``) beside the order columns was drafted as a products file
            covered |= {"type"}
        scored.append((len(covered) / len(required), len(m), t, m))
    _, _, best, columns = max(scored, key=lambda s: (s[0], s[1], -TABLES.index(s[2])))
    result = Draft(best, columns)
    mapped = set(columns.values())
    if best == "events":
        if "type" not in mapped and _looks_like_order_lines(columns):
            result.constants["type"] = "purchase"
            if "quantity" in mapped:
                result.returns = "negative_quantity"  # else those lines are quarantined (EVT_QTY_SIGN)
            plain_id = next(
                (src for src, dst in columns.items() if dst == "event_id" and _key(src) == "id"), None
            )
            name = next((h for h in headers if _key(h) == "name" and h not in columns), None)
            line_items = any(_key(h).startswith("lineitem") for h in headers)
            if name is not None and line_items and "order_id" not in mapped:
                # Shopify's orders_export: one line per item, "Name" (#1001) on every line, the order's
                # "Id", currency, payment on its first line only; the lines are grouped by Name
                if plain_id is not None:
                    del columns[plain_id]
                columns[name] = "order_id"
                result.group = name
                result.notes.append(
                    f"{_toml_key(name)} -> order_id and group: each line is one item of the order it names, and "
                    "the order's own cells (currency, id, payment) are on its first line only: "
                    "group fills the other lines' blank cells from it"
                )
                mapped = set(columns.values())
            elif plain_id is not None and "order_id" not in mapped:
                # an order export's bare "Id" is the order's (Shopify's orders_export): as event ids, the
                # lines of one order shared one id and all but one were dropped as duplicates
                columns[plain_id] = "order_id"
                result.notes.append(
                    f"{_toml_key(plain_id)} -> order_id: in an order-line export it is the order's id, which every "
                    "line of an order repeats; each line's event id is made from its content"
                )
        elif "type" not in mapped and "rating" in mapped:
            # explicit ratings are "rate" events carrying their rating (docs/DATA_MODEL.md): without a
            # type every row of a ratings log (RecBole's .inter, a reviews export) was left to the user
            result.constants["type"] = "rate"
            result.notes.append(
                'type = "rate": each row gives a rating, so each is a rate event with its rating '
                "(change it if the rows are purchases or views that carry a score)"
            )
        mapped |= {"event_id"}  # made from each row's content when the file has none
    if best == "products" and "title" not in mapped and "description" in mapped:
        # an order-line or stock export names its products in a "Description" column (Online
        # Retail, many ERPs) and has no other name: without this every row lacked its title
        column = next(src for src, dst in columns.items() if dst == "description")
        columns[column] = "title"
        result.notes.append(
            f"{_toml_key(column)} is the only text naming the products: drafted as their title "
            "(map it to description instead if it is a long text and map the name column to title)"
        )
        mapped = set(columns.values())
    handle = next((h for h in headers if _key(h) == "handle"), None)
    sku = next((src for src, dst in columns.items() if dst == "product_id" and "sku" in _key(src)), None)
    if best == "products" and handle is not None and sku is not None and handle not in columns:
        # a product written once per variant under its Handle (Shopify): one product per Handle, the
        # variants' SKUs kept so order lines naming a SKU join their product (quality.skus)
        columns[handle] = "product_id"
        columns[sku] = "attributes.sku"
        result.group = handle
        result.notes.append(
            f"group = {_toml_key(handle)}: a product's variant and image lines share its {_toml_key(handle)} and only "
            "the first has its title; they are one product (lowest price, stock summed, each variant's "
            f"{_toml_key(sku)} kept in attributes.sku, which order lines naming a SKU are joined by)"
        )
        mapped = set(columns.values())
    parent = next((h for h in headers if _key(h) == "parent" and h not in columns), None)
    own_sku = next((h for h in headers if _key(h) == "sku" and columns.get(h) != "product_id"), None)
    if best == "products" and result.group is None and parent is not None and own_sku is not None:
        # WooCommerce: a variable product's line, then its variations' lines naming it in Parent
        # (by its SKU); a line's group is its Parent, else its own SKU: the product and its variations
        columns[own_sku] = "attributes.sku"
        result.group = [parent, own_sku]
        result.notes.append(
            f"group = [{_toml_string(parent)}, {_toml_string(own_sku)}]: a variation's line names its product in "
            f"{_toml_key(parent)}; the product and its variations are one product (its first line's id and "
            "name, lowest price, stock summed); a Parent written as id:123 is not matched: check the file"
        )
        mapped = set(columns.values())
    if best == "products" and "stock" in mapped and _looks_like_order_lines(_match(headers, "events")):
        # an order line's quantity is what was sold, not what is on the shelf
        column = next(src for src, dst in columns.items() if dst == "stock")
        del columns[column]
        result.notes.append(
            f"{_toml_key(column)} not drafted as stock: the file looks like order lines (date, item, order or "
            "quantity), where it is the quantity sold; each product repeats once per line (PRD_DUP_ID keeps one)"
        )
        mapped = set(columns.values())
    kind = next((h for h in headers if _key(h) in ("type", "producttype") and h not in columns), None)
    category = next((src for src, dst in columns.items() if dst == "category_path"), None)
    if (
        best == "products"
        and kind is not None
        and category is not None
        and _key(category) == "productcategory"
    ):
        # Shopify's Type beside its Product Category: the merchant's own grouping, kept as a facet
        columns[kind] = "attributes.type"
    status = next((h for h in headers if _key(h) == "status" and h not in columns), None)
    published = next((h for h in headers if _key(h) == "published" and h not in columns), None)
    if best == "products" and status is not None:  # Shopify: active, draft, archived
        result.listed[status] = ["active"]
    elif best == "products" and published is not None and parent is not None:  # WooCommerce: 1, 0, -1
        result.listed[published] = ["1"]
    paid = next((h for h in headers if _key(h) == "financialstatus" and h not in columns), None)
    if best == "events" and paid is not None and result.constants.get("type") == "purchase":
        # Shopify's orders: a refunded or voided order's lines are no purchase to learn from
        result.listed[paid] = ["paid", "partially_paid", "partially_refunded", "authorized", "pending"]
    tags = next((src for src, dst in columns.items() if dst == "attributes.tags"), None)
    if tags is not None:  # "sale, chrome": each tag its own value of the tags facet
        result.lists[tags] = ","
    cost = next((src for src, dst in columns.items() if dst == "attributes.cost"), None)
    if cost is not None:
        result.notes.append(
            f"{_toml_key(cost)} -> attributes.cost: each product's unit cost, which the pricing guardrails read "
            "(the minimum margin is over it); kept apart from the selling price"
        )
    result.missing = [c for c in SCHEMAS[best].required if c not in mapped and c not in result.constants]
    result.unplaced = [h for h in headers if h not in columns and h not in result.listed]
    groups: dict[str, list[str]] = {}
    for h in headers:
        if not repeat_of(h, headers) and _key(h):
            groups.setdefault(_key(h), []).append(h)
    result.same_name = [g for g in groups.values() if len(g) > 1 and any(h in columns for h in g)]
    for i, h in enumerate(headers, 1):
        base = repeat_of(h, headers)
        if base is not None:
            result.repeated.setdefault(base, [(base, headers.index(base) + 1)]).append((h, i))
    return result


def _looks_like_order_lines(columns: dict[str, str]) -> bool:
    """An order-line export (invoice, item, quantity, date) is a file of purchases."""
    mapped = set(columns.values())
    return "timestamp" in mapped and "item_id" in mapped and bool(mapped & {"order_id", "quantity"})


def draft_for_file(path: Path, table: TableName | None = None) -> Draft:
    """Read the file's head the way ingest reads it (any encoding, delimiter, Parquet, JSON Lines) and draft."""
    from shopmind.data.readers import InputError, read_head

    kind = atomic_kind(path)
    if kind is not None and kind not in ATOMIC_TABLES:
        raise InputError(
            f"{path}: a RecBole .{kind} file holds no table shopmind keeps (customer attributes, a knowledge "
            "graph or links); draft the mappings of the .inter file (events) and the .item file (products)"
        )
    head = read_head(path)
    result = draft(
        [c for c in head.frame.columns if c != SOURCE_LINE], table or ATOMIC_TABLES.get(kind or "")
    )
    if kind is not None:
        _recbole_lists(result, header_types(path))
    if head.note:  # how the file was read (a workbook's header row, a JSON key, no header line)
        result.notes.insert(0, f"read as: {head.note}")
    return result


#: the canonical table each RecBole atomic file feeds (``.user``, ``.kg``, ``.link``, ``.net``: none)
ATOMIC_TABLES: dict[str, TableName] = {"inter": "events", "item": "products"}
#: canonical text columns a RecBole ``token_seq`` (words separated by spaces) fits as it is
_TEXT_COLUMNS = ("title", "description", "query")


def _recbole_lists(result: Draft, types: dict[str, str]) -> None:
    """A RecBole ``token_seq``/``float_seq`` column is a space-separated list (``class``: "Animation
    Children's Comedy"): read as one category, brand or id it would be one made-up value, so it is
    drafted only into a text column and otherwise listed with what it is."""
    for column, kind in types.items():
        if not kind.endswith("_seq") or result.columns.get(column) in _TEXT_COLUMNS:
            continue
        target = result.columns.pop(column, None)
        if column not in result.unplaced:
            result.unplaced.append(column)
        result.notes.append(
            f"{_toml_key(column)} is a RecBole {kind} (a list separated by spaces)"
            + (f": not drafted as {target}, which takes one value" if target else "")
            + "; a list read as one value would be one made-up "
            + ("category (e.g. genres joined)" if result.table == "products" else "value")
            + ": map it only if each row holds one value"
        )
    result.missing = [c for c in SCHEMAS[result.table].required
                      if c not in set(result.columns.values()) | set(result.constants) | {"event_id"}]  # fmt: skip
