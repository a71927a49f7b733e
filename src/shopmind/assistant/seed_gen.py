"""Compositional paraphrases for the intent seed: frames x fillers per intent, en / zh / mixed.

Why: the hand-written seed (``seed.py``) has ~40-60 utterances per intent, and a shopper's
question often shares few character n-grams with any of them. Frames ("can I {act} {item}?",
"{item}{defect}，能{fix}吗") crossed with fillers (actions, items, order words, countries,
payment methods, off-topic subjects) give the classifier the *structure* of each intent with
varied words, so it leans less on one memorised phrasing. Drawn with a fixed seed (the same
utterances every run), ``per_intent`` per intent, spread over the frames; ids are random
but id-shaped, as in the seed.

Written from general online-shop vocabulary, not from the demo's labelled questions
(``tests/test_assistant_generalise.py`` checks that none of them is generated here).
"""

from __future__ import annotations

import itertools
import random
import re

_FIELD = re.compile(r"\{(\w+)\}")

#: filler name -> values (a frame names fillers in braces; ``{id}`` / ``{pid}`` are drawn ids)
# fmt: off
FILLERS: dict[str, tuple[str, ...]] = {
    "on": ("order", "parcel", "package", "delivery", "shipment", "purchase"),
    "onz": ("订单", "包裹", "快递", "货", "单子"),
    "sent": ("shipped", "been sent out", "left the warehouse", "been dispatched", "been delivered"),
    "arrive": ("arrive", "get here", "be delivered", "show up", "reach me"),
    "item": ("jacket", "shoes", "dress", "headphones", "kettle", "shirt", "lamp", "sweater", "earbuds", "bag",
        "coat", "phone case", "pillow", "watch"),
    "itemz": ("衣服", "鞋子", "耳机", "水壶", "外套", "裙子", "包", "台灯", "手机壳", "枕头", "毛衣", "手表"),
    "ret": ("return", "send back", "get a refund for", "exchange", "swap"),
    "retz": ("退货", "退", "换货", "换", "退款"),
    "defect": ("stopped working", "is broken", "is faulty", "won't turn on", "has a defect", "fell apart"),
    "defectz": ("坏了", "有质量问题", "不能用了", "出故障了", "开线了"),
    "fixz": ("维修", "换新", "保修", "修"),
    "acc": ("water damage", "a cracked screen", "dropping it", "normal wear"),
    "accz": ("进水", "屏幕摔碎", "人为损坏", "正常磨损"),
    "ship": ("delivery", "shipping", "express delivery", "standard shipping", "international shipping"),
    "shipz": ("快递", "配送", "加急快递", "普通快递", "国际快递"),
    "country": ("Spain", "Brazil", "Korea", "Ireland", "Mexico", "Sweden", "Singapore", "Italy", "India", "Norway"),
    "countryz": ("韩国", "英国", "新加坡", "法国", "泰国", "意大利", "马来西亚", "西班牙"),
    "pm": ("Visa", "PayPal", "Alipay", "a debit card", "American Express", "UnionPay", "bank transfer",
        "a gift card"),
    "pmz": ("支付宝", "微信", "银联", "信用卡", "PayPal", "花呗", "储蓄卡"),
    "inv": ("an invoice", "a receipt", "a VAT invoice", "a company invoice"),
    "invz": ("发票", "收据", "公司发票", "电子发票"),
    "this": ("this", "this one", "this item", "it"),
    "thisz": ("这个", "这款", "这件", "这双"),
    "col": ("red", "black", "white", "blue", "green", "pink", "grey"),
    "colz": ("红色", "黑色", "白色", "蓝色", "绿色", "粉色", "灰色"),
    "who": ("my mum", "my dad", "a friend", "my wife", "my boyfriend", "a colleague"),
    "whoz": ("妈妈", "爸爸", "朋友", "老婆", "男朋友", "同事"),
    "p": ("20", "50", "80", "100", "150", "300"),
    "emo": ("this is terrible", "I'm really upset", "what a mess", "I'm so angry", "this is not ok",
        "very poor service"),
    "issue": ("my parcel came broken", "nobody replies to my emails", "the courier was rude",
        "I got the wrong item", "my refund never came", "the package was left in the rain"),
    "emoz": ("太过分了", "气死我了", "很不满意", "非常失望", "什么破服务"),
    "issuez": ("东西到手就是坏的", "客服一直不回", "快递员态度很差", "发的货不对", "退款一直没到"),
    "hi": ("hi", "hello", "hey", "good morning", "good afternoon", "hiya", "evening", "yo"),
    "thanks": ("thanks", "thank you", "many thanks", "great, thanks", "perfect, thank you", "cheers"),
    "ask": ("can you tell me", "do you know", "help me with", "what about", "I need info on"),
    "topic": ("the weather tomorrow", "a recipe for lasagne", "the football scores", "today's news",
        "a good film to watch", "the history of Rome", "booking a hotel", "a flight to Tokyo",
        "the price of gold", "learning to code", "a poem about autumn", "the lottery numbers", "my horoscope",
        "fixing my bike", "the population of Brazil"),
    "askz": ("帮我", "告诉我", "你知道", "能不能帮我", "我想问问"),
    "topicz": ("查一下天气", "写一篇作文", "订一张机票", "订个酒店", "讲个故事", "推荐一部电影", "翻译一段话", "看看股票", "写一段代码", "查查新闻", "算一下房贷",
        "解一道物理题"),
}
# fmt: on

#: intent -> frames (en, zh and mixed together)
# fmt: off
FRAMES: dict[str, tuple[str, ...]] = {
    "order_status": ("where is my {on}", "has my {on} {sent}", "when will my {on} {arrive}", "any update on my {on} {id}",
        "what's the status of {on} {id}", "{on} {id} is still not here", "can you check {on} {id}",
        "我的{onz}到哪了", "{onz}{id}发货了吗", "{id}什么时候能到", "帮我查一下{onz}{id}", "我的{onz}怎么还没到", "{on} {id} 到哪了",
        "我的 {on} 什么时候到", "帮我 check 一下{onz}{id}", "{onz} {id} shipped 了吗"),
    "return_refund": ("can I {ret} the {item}", "how do I {ret} my {item}", "I want to {ret} the {item} I bought",
        "the {item} {defect}, can I {ret} it", "my {item} {defect}, will you repair it",
        "how long is the warranty on the {item}", "does the warranty cover {acc}",
        "when will my refund arrive", "{itemz}可以{retz}吗", "怎么{retz}", "{itemz}{defectz}，能{fixz}吗",
        "{itemz}保修多久", "{accz}保修吗", "{itemz} 可以 {ret} 吗", "{item} {defectz}怎么办", "refund 什么时候到账",
        "{item} 的 warranty 多久"),
    "shipping": ("how long does {ship} take", "how much is {ship}", "do you ship to {country}", "is {ship} free",
        "what does {ship} cost for a small order", "when do you send out orders",
        "where do I find the tracking link", "{shipz}要几天", "{shipz}多少钱", "能寄到{countryz}吗", "订单满多少可以包邮",
        "{shipz}运费怎么算", "物流信息在哪看", "{ship} 要几天", "寄到 {country} 多久", "{ship} 费用多少", "tracking 在哪查"),
    "payment": ("can I pay with {pm}", "do you accept {pm}", "can I pay in instalments",
        "is paying by card safe here", "my payment with {pm} failed", "how do I get {inv}",
        "can I spread the cost over a few months", "可以用{pmz}付款吗", "支持{pmz}吗", "买{itemz}能分期付款吗", "付款安全吗",
        "{pmz}付款失败怎么办", "怎么给我开{invz}", "可以用 {pm} 付吗", "{pmz} payment 失败了", "怎么要 {inv}", "可以 pay later 吗"),
    "product_question": ("how much do you charge for {this}", "is {this} in stock", "what colour is {this}", "does {this} come in {col}",
        "what size is {this}", "what is {this} made of", "is {this} still available", "{thisz}多少钱",
        "{thisz}有货吗", "{thisz}是什么颜色", "{thisz}有{colz}的吗", "{thisz}什么材质", "{thisz} price 多少",
        "{thisz}有 {col} 的吗", "{this} 还有库存吗"),
    "product_search": ("I'm looking for a {col} {item} under ${p}", "show me {item}s", "any {item} below {p} dollars",
        "recommend a {item} for {who}", "a gift for {who} under ${p}", "do you sell {col} {item}s",
        "有没有{p}元以下的{itemz}", "推荐{colz}{itemz}", "想买{itemz}，预算{p}元", "给{whoz}买什么礼物好", "想买 {item}，{p}元以内",
        "有没有 {col} 的{itemz}", "recommend 一款{itemz}"),
    "compare": ("which is cheaper, {pid} or {pid2}", "compare {pid} and {pid2}",
        "what's the difference between {pid} and {pid2}", "{pid} vs {pid2}", "is {pid} better than {pid2}",
        "{pid}和{pid2}哪个好", "{pid}跟{pid2}有什么区别", "{pid}和{pid2}哪个便宜", "{pid} 和 {pid2} compare 一下",
        "{pid} or {pid2} 哪个好"),
    "complaint": ("{emo}, {issue}", "{issue}, {emo}", "I want to complain, {issue}",
        "{issue} and I want to speak to a person", "{issuez}，{emoz}", "我要投诉，{issuez}", "{emoz}！{issuez}",
        "{issuez}，very disappointed", "{emo}，{issuez}"),
    "greeting": ("{hi}", "{hi}, anyone there?", "{hi}, I have a question", "{thanks}", "{thanks}, bye", "ok {thanks}",
        "你好", "您好，在吗", "谢谢你", "好的，谢谢", "早上好，请问一下", "{hi}，你好呀", "{thanks} 谢谢",
        "{hi}! anybody around?", "{hi}, is anyone on the chat?", "{thanks}, that's all I wanted to know",
        "that's everything, {thanks}"),
    "out_of_scope": ("{ask} {topic}", "{ask} {topic}?", "I was wondering about {topic}", "{askz}{topicz}",
        "{askz}{topicz}吧", "{ask} {topicz}"),
}
# fmt: on


def _fill(frame: str, rng: random.Random) -> str:
    """One utterance: every ``{name}`` replaced by a random filler (ids drawn id-shaped)."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "id":
            return f"O{rng.randrange(10**6, 10**7):07d}"
        if name in ("pid", "pid2"):
            return f"P{rng.randrange(10**4, 10**5):05d}"
        return rng.choice(FILLERS[name])

    return _FIELD.sub(value, frame)


def generate(per_intent: int = 60, seed: int = 13) -> dict[str, list[str]]:
    """``per_intent`` distinct utterances per intent, the frames taken in turn (deterministic)."""
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    for intent, frames in FRAMES.items():
        got: dict[str, None] = {}
        for frame in itertools.islice(itertools.cycle(frames), per_intent * 4):
            got.setdefault(_fill(frame, rng), None)
            if len(got) == per_intent:
                break
        out[intent] = list(got)
    return out
