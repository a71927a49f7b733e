"""The header spellings ``shopmind mapping`` matches, per canonical table and column (``mapping_draft``).

Split from ``mapping_draft`` (which chooses the table and the platform layouts: grouped variant
lines, order lines, statuses) because the spellings are data: one table per language and platform,
read in order of how surely a spelling means the column, and grown by every new export seen.
"""

from __future__ import annotations

import unicodedata

from shopmind.data.model import TableName

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
        "image_url": ("imageurl", "imagesrc", "productimageurl", "image", "images", "imagelink", "picture", "图片", "主图", "图片链接",
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
