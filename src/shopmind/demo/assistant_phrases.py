"""Phrasings of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written separately from the assistant's training seed (``assistant.seed``); the held-out list was
written after the assistant was finished and never used to change it.
"""

from __future__ import annotations

# Each template: (language, text); "{o}" order id, "{t}" product title, "{c}" category term,
# "{p}" price. Phrasings are deliberately not those of assistant.seed.
ORDER_Q = [
    ("en", "hi, could you tell me what's happening with order {o}?"),
    ("en", "has my parcel {o} left the warehouse yet"),
    ("en", "when will {o} arrive?"),
    ("zh", "帮我看看订单{o}到哪了"),
    ("zh", "我的订单 {o} 现在是什么状态？"),
    ("zh", "{o}这个单发货了吗"),
    ("mixed", "order {o} 现在到哪里了？"),
    ("mixed", "请问 {o} shipped 了吗"),
]
POLICY_Q = {
    "returns-window": [
        ("en", "how many days do I have to send something back?"),
        ("zh", "收到货多久之内可以退？"),
        ("mixed", "return 期限是几天？"),
    ],  # fmt: skip
    "returns-worn": [
        ("en", "I already wore the jacket twice, can I still return it?"),
        ("zh", "衣服洗过了还能退货吗"),
        ("mixed", "穿过的 jacket 可以 return 吗"),
    ],  # fmt: skip
    "returns-refund": [
        ("en", "how long until my refund shows up on my card?"),
        ("zh", "退款几天能到账？"),
        ("mixed", "refund 多久到账"),
    ],  # fmt: skip
    "returns-how": [
        ("en", "what are the steps to send an item back, is there a label?"),
        ("zh", "怎么申请退货，运单怎么打印"),
        ("mixed", "退货 label 怎么打印"),
    ],  # fmt: skip
    "returns-exchange": [
        ("en", "can I swap these shoes for a bigger size?"),
        ("zh", "可以换个颜色吗"),
        ("mixed", "能不能 exchange 尺码"),
    ],  # fmt: skip
    "shipping-times": [
        ("en", "how long does express delivery take?"),
        ("zh", "普通快递几天能送到？"),
        ("mixed", "standard delivery 要几天"),
    ],  # fmt: skip
    "shipping-free": [
        ("en", "what's the minimum spend for free delivery?"),
        ("zh", "满多少包邮"),
        ("mixed", "free shipping 门槛是多少"),
    ],  # fmt: skip
    "shipping-international": [
        ("en", "do you deliver abroad, and who pays customs?"),
        ("zh", "可以寄到国外吗，关税谁付"),
        ("mixed", "international 配送要多久"),
    ],  # fmt: skip
    "shipping-tracking": [
        ("en", "where do I find the tracking link for a parcel?"),
        ("zh", "物流单号在哪里查看"),
        ("mixed", "tracking 链接在哪里"),
    ],  # fmt: skip
    "payment-methods": [
        ("en", "do you take Alipay or American Express?"),
        ("zh", "可以用微信支付吗"),
        ("mixed", "支持 PayPal 付款吗"),
    ],  # fmt: skip
    "payment-instalments": [
        ("en", "can I split the payment into instalments?"),
        ("zh", "能分期付款吗"),
        ("mixed", "可以分期 pay 吗"),
    ],  # fmt: skip
    "payment-security": [
        ("en", "is it safe to enter my card number here, do you store it?"),
        ("zh", "你们会保存我的银行卡号吗"),
        ("mixed", "card 信息安全吗"),
    ],  # fmt: skip
    "payment-failed": [
        ("en", "my card got declined at checkout, what now?"),
        ("zh", "付款失败了怎么办"),
        ("mixed", "payment 失败了订单还在吗"),
    ],  # fmt: skip
    "payment-invoice": [
        ("en", "I need a company invoice for my purchase"),
        ("zh", "怎么开发票"),
        ("mixed", "invoice 怎么开"),
    ],  # fmt: skip
    "warranty-period": [
        ("en", "how long is the guarantee on headphones?"),
        ("zh", "保修期多长时间"),
        ("mixed", "warranty 是几个月"),
    ],  # fmt: skip
    "warranty-claim": [
        ("en", "my kettle stopped working after a month, how do I claim the guarantee?"),
        ("zh", "商品坏了怎么申请保修"),
        ("mixed", "怎么申请 warranty 维修"),
    ],  # fmt: skip
    "warranty-exclusions": [
        ("en", "does the warranty cover accidental damage?"),
        ("zh", "摔坏了在保修范围内吗"),
        ("mixed", "意外损坏 warranty 管吗"),
    ],  # fmt: skip
}
POLICY_INTENT = {"returns": "return_refund", "warranty": "return_refund", "shipping": "shipping", "payment": "payment"}  # fmt: skip
PRODUCT_Q = [
    ("en", "price", "how much does this one cost?", True),
    ("en", "stock", "is this one still available?", True),
    ("en", "colour", "which colour is this item?", True),
    ("zh", "price", "这款多少钱？", True),
    ("zh", "stock", "这个还有库存吗", True),
    ("mixed", "price", "这个 price 是多少", True),
    ("en", "price", "what does the {t} cost?", False),
    ("zh", "stock", "{t} 还有货吗", False),
]
SEARCH_Q = [
    ("en", "I'm looking for a {col} {c} under ${p}"),
    ("en", "any {c} below {p} dollars?"),
    ("zh", "有没有{p}元以下的{colzh}{czh}"),
    ("zh", "推荐一款{czh}，{p}元以内"),
    ("mixed", "想买 {c}，预算{p}元以内"),
]
COMPLAINT_Q = [
    ("en", "this is unacceptable, the package arrived completely crushed"),
    ("en", "I've been waiting forever and nobody answers my emails, I'm really angry"),
    ("zh", "太失望了，收到的东西是坏的，客服也不回复"),
    ("zh", "我要投诉，快递员态度太差了"),
    ("mixed", "服务太差了 really disappointed"),
]
GREETING_Q = [
    ("en", "good morning!"),
    ("en", "hey there, anyone around?"),
    ("zh", "在吗"),
    ("zh", "你好呀"),
    ("mixed", "hello 你好"),
    ("en", "thanks a lot, that helped"),
]
OOS_Q = [
    ("en", "what will the weather be like in Paris tomorrow?"),
    ("en", "can you write me a poem about the sea"),
    ("en", "who won the football match last night"),
    ("zh", "明天上海会下雨吗"),
    ("zh", "帮我写一篇关于春天的作文"),
    ("zh", "今天的股票行情怎么样"),
    ("mixed", "帮我 translate 这句话成法语"),
    ("en", "what is the capital of australia"),
    ("zh", "给我讲个笑话"),
    ("mixed", "推荐一部 movie 看看"),
]


#: A second, smaller set written after the assistant was finished and never used to change it
#: (seed, rules, thresholds): ``shopmind evaluate assistant`` reports it separately ("heldout").
#: (language, text, intent, policy section or None)
HELDOUT_Q = [
    ("en", "is there a charge for delivery if I spend twenty dollars?", "shipping", "shipping-free"),
    ("en", "which credit cards can I use at checkout?", "payment", "payment-methods"),
    ("en", "the zipper broke after two weeks, will you fix it?", "return_refund", "warranty-claim"),
    ("en", "I bought the wrong size, can I get a different one?", "return_refund", "returns-exchange"),
    ("en", "how quickly does my money come back after a return?", "return_refund", "returns-refund"),
    ("zh", "可以用银联卡付款吗", "payment", "payment-methods"),
    ("zh", "快递能寄到日本吗", "shipping", "shipping-international"),
    ("zh", "吊牌已经剪掉了还能退吗", "return_refund", "returns-worn"),
    ("zh", "买贵的东西能不能分几个月付", "payment", "payment-instalments"),
    ("zh", "耳机坏了保修几个月", "return_refund", "warranty-period"),
    ("mixed", "express 快递要几天到", "shipping", "shipping-times"),
    ("mixed", "发票 can be sent by email 吗", "payment", "payment-invoice"),
    ("mixed", "退货的 label 要钱吗", "return_refund", "returns-how"),
    ("en", "hi!", "greeting", None),
    ("zh", "谢谢啦", "greeting", None),
    ("en", "what's a good recipe for pancakes", "out_of_scope", None),
    ("zh", "帮我订一张去北京的机票", "out_of_scope", None),
    ("mixed", "今天 NBA 比分多少", "out_of_scope", None),
    ("en", "your delivery guy threw my parcel over the fence, terrible", "complaint", None),
    ("zh", "客服态度太差了，我很不满意", "complaint", None),
]
