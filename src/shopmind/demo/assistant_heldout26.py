"""Held-out set 26 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-07 (issue 13, session 30) for the assistant's twenty-sixth round and
committed on its own before anyone ran the assistant on it; registered as ``"set": "heldout26"``, a
test set outside ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 27). Blind in the sense ``demo.assistant_heldout24`` states
(its author read policies, catalog, question builders, held-out tests and held-out-25 for the
layout; nothing of the assistant's code, benches or reports). Every question was compared with its
nearest earlier ones (by words and characters) and reworded where it came close; the text checks
of ``tests/assistant_sets_util.py`` hold. Its probes are listed in the session's report, not here;
``tests/test_assistant_generalise.py`` checks its make-up.

Nothing is typed in as an answer: the builders in ``demo.assistant_questions`` look up every fact
in the demo shop (an order's status; a product's price, stock, colour; a search's matches; the
cheaper of two products), and a policy question names its section. The template fields are
held-out-25's (see ``demo.assistant_heldout19`` for each); an index such as ``{on[3]}`` takes one
character of a field, here the id's fourth digit.
"""

from __future__ import annotations

#: the id's seven digits in full width, one format index each (the demo's ids are a letter and seven digits)
_WIDE_DIGITS = "".join(f"{{ow[{i}]}}" for i in range(1, 8))

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "whats the quickest you can get something to me, i need it by friday"),
        ("zh", "你们一般几点截单 过了那个点是不是就要第二天才发"),
        ("mixed", "周末下的单 那个 3-5 business days 包不包括周六周日"),
    ],
    "shipping-free": [
        ("en", "im sitting at about 30 in my basket, how much more before the postage is free"),
        ("zh", "只买一双袜子也要收运费吗 收多少"),
        ("mixed", "shipping fee 是 per order 收还是每件都要收"),
    ],
    "shipping-international": [
        ("en", "do you post to south africa at all, and would i get hit with import charges on arrival"),
        ("zh", "你們一共能寄到多少個國家 有沒有清單可以看"),
        ("mixed", "包裹在海关被扣了 要补 tax 这个钱你们会报销吗"),
    ],
    "shipping-tracking": [
        ("en", "the couriers site wants a reference number, where would i get that from you"),
        ("zh", "快递单号在哪里能找到 订单页面上没看到"),
        ("mixed", "tracking link 点开显示 404 还有别的办法查物流吗"),
    ],
    "returns-window": [
        (
            "en",
            "got a lamp as a housewarming gift, they only unboxed it three weeks later, can it still go back",
        ),
        ("zh", "算了下今天是收货后第３２天 超了两天还给退吗"),
        ("mixed", "return window 有多长 是不是只有 two weeks"),
    ],
    "returns-worn": [
        ("en", "had the heels on for a single evening and they pinch like mad, will you take them back"),
        ("zh", "吊牌剪掉了還能退嗎 衣服一次都沒穿過"),
        ("mixed", "枕套 wash 过一次就起球了 还能 return 吗"),
    ],
    "returns-refund": [
        ("en", "sent the parcel back on tuesday and its showing as received, how much longer for the money"),
        ("zh", "退貨包裹已經簽收三天了 錢怎麼還沒退回來"),
        ("mixed", "refund 是退到原来那张 card 还是给我 store credit"),
    ],
    "returns-how": [
        ("en", "do i drop returns at a post office or does someone collect them, how does it work"),
        ("zh", "不是质量问题的退货 要从退款里扣多少运费"),
        ("mixed", "return label 是 prepaid 的吗 还是我自己先垫运费"),
    ],
    "returns-exchange": [
        ("en", "can i exchange a present for a different colour even though i wasnt the one who bought it"),
        ("zh", "尺碼買錯了 可以換大一號嗎 需要另外付運費嗎"),
        ("mixed", "想把 S 码 exchange 成 M 码 要收钱吗"),
    ],
    "payment-methods": [
        ("en", "is venmo accepted here"),
        ("zh", "手头有点紧 想用花呗付 你们这支持吗"),
        ("mixed", "checkout 能刷 UnionPay 的 debit card 吗"),
    ],
    "payment-instalments": [
        ("en", "the laptop is a bit steep for me, any way to pay it off month by month"),
        ("zh", "買滿多少錢才能分期 可以分幾期"),
        ("mixed", "分期付款要做 credit check 吗 有没有手续费"),
    ],
    "payment-security": [
        ("en", "if i tick remember this card, where does that number actually end up"),
        ("zh", "我的银行卡号会不会从你们这边泄露出去"),
        ("mixed", "付款的时候跳到了另一个页面 这是不是 phishing 啊"),
    ],
    "payment-failed": [
        (
            "en",
            "bank app shows the money is there yet your checkout keeps rejecting my card, is my order lost",
        ),
        ("zh", "刷了三次卡都沒過 那筆訂單還保留著嗎"),
        ("mixed", "payment 没成功的话 order 会帮我保留多久"),
    ],
    "payment-invoice": [
        ("en", "our finance team needs invoices made out to the business, can you do that"),
        ("zh", "报销要用发票 你们是发电子版的吗 什么时候发"),
        ("mixed", "上个季度的 order 忘了开 company 抬头 现在还 ok 吗"),
    ],
    "warranty-period": [
        ("en", "are headphones covered for one year or two"),
        ("zh", "藍牙音箱用了１３個月就壞了 還在保固期內嗎"),
        ("mixed", "warranty 从哪天起算 是下单那天还是收货那天"),
    ],
    "warranty-claim": [
        ("en", "my blender stopped working after four months, do i send it to you for a repair or what"),
        ("zh", "东西坏了想走保修 第一步该做什么"),
        ("mixed", "我要 claim warranty 需要发什么给你们 receipt 也要吗"),
    ],
    "warranty-exclusions": [
        ("en", "opened a foundation and it broke me out, is that something the warranty covers"),
        ("zh", "手機殼自己掉地上裂了 這種保固會處理嗎"),
        ("mixed", "鞋子穿久了 sole 都磨平了 这种 wear and tear 保修吗"),
    ],
}
#: a policy question that only makes sense after the turn(s) before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["客服你好 我有个问题"],
        "sorry, english is easier for me - the jacket i sent back, when does that refund land",
        "returns-refund",
    ),
    ("zh", ["你们家都能用什么方式付钱"], "那贵一点的东西可以分几个月还吗", "payment-instalments"),
    ("zh", ["do you send orders to vancouver"], "那大概要等多久 关税要我自己付吗", "shipping-international"),
    (
        "mixed",
        ["降噪耳机突然充不进电了", "去年春节前买的"],
        "这样算的话 warranty 过期了没有",
        "warranty-period",
    ),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "whats the cut-off for sending things back, and could i get a different size rather than my money back",
        ["returns-window", "returns-exchange"],
    ),
    ("zh", "買多少錢以上能分期？另外要開公司抬頭的發票怎麼弄", ["payment-instalments", "payment-invoice"]),
    (
        "mixed",
        "屏幕是我自己摔裂的 warranty 应该不 cover 吧 那 return 的话运费谁出",
        ["warranty-exclusions", "returns-how"],
    ),
    (
        "en",
        "how long is the warranty on a laptop, and when i send a mouse back how soon does the money come through",
        ["warranty-period", "returns-refund"],
    ),
    ("zh", "洗过一次的T恤还能退吗 另外电水壶坏了要怎么申请保修", ["returns-worn", "warranty-claim"]),
    ("en", "whats the free delivery threshold, and do you take amex", ["shipping-free", "payment-methods"]),
    ("zh", "寄到澳洲要幾天 到了以後保固還算嗎 保多久", ["shipping-international", "warranty-period"]),
    (
        "mixed",
        "refund 会退回 PayPal 吗 另外下次能不能用 WeChat Pay 付",
        ["returns-refund", "payment-methods"],
    ),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    (
        "en",
        "hey can you check my order ending in {on[3]}{on[4]}{on[5]}{on[6]}, cant find the full number anywhere",
    ),
    ("zh", "{o[0]}{on[0]}{on[1]}{on[2]}-{on[3]}{on[4]}{on[5]}{on[6]} 这票货现在啥情况了"),
    ("zh", "{ow[0]}－" + _WIDE_DIGITS + " 這張單什麼時候會到"),
    ("mixed", "{o[0]}{on[0]}{on[1]}{on[2]}{on[3]}{on[4]} {on[5]}{on[6]} 这单 delivery 进度怎么样了"),
    ("zh", "{o}号那单 麻烦看看处理到什么程度了"),
    ("mixed", "{o} 还在 processing 吗 还是已经 dispatch 了"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    (
        "en",
        ["hi, order {o} - it says delivered but theres nothing on my doorstep"],
        "could it have gone to a neighbour, what does your system show",
    ),
    ("zh", ["{o}"], "幫我查一下這個 到哪裡了"),
    ("zh", ["writing about {o} from last week"], "请问现在发货了没有"),
    (
        "en",
        ["hiya, something i ordered hasnt come", "its meant to be for my brothers birthday on sat"],
        "ok found the email, its {o} - is it on its way",
    ),
    ("mixed", ["hello 上周五下单的东西到现在还没到"], "{o} 就是这个 帮忙查下 thx"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    (
        "en",
        "{o} - dispatched or still sitting in the warehouse? and how many days does standard take after that",
        "shipping-times",
    ),
    ("zh", "{o}到了沒 如果尺碼不合可以換嗎", "returns-exchange"),
    ("mixed", "{o} ship 了吗 invoice 是不是要等发货才会发到 email", "payment-invoice"),
    ("zh", "{o}签收了吗 小孩把东西摔坏了的话 保修管不管", "warranty-exclusions"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "im the landlord, a previous tenants order {o} keeps getting delivered here, who placed it"),
    ("zh", "{o}是我老公下的 他在出差 我帮他查下到哪了"),
    ("mixed", "我是 {o} 的 recipient 不是 buyer 能看 tracking 吗"),
    ("zh", "幫我朋友查一下{o} 她說一直沒收到"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "{t} - what are you selling it for at the moment", False),
    ("en", "stock", "is this one gone for good or can i still buy it", True),
    ("en", "colour", "what colour is the {t} exactly, trying to match it with something i have", False),
    ("zh", "price", "這款現在賣多少", True),
    ("zh", "stock", "{t}还有现货吗 急用", False),
    ("zh", "colour", "这个颜色叫什么 我想配条裤子", True),
    ("mixed", "price", "{t} 卖多少 有没有 discount", False),
    ("mixed", "stock", "这款 restock 了吗 还能下单吗", True),
    ("mixed", "colour", "{t} 实物 colour 偏深还是偏浅 到底算什么色", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "colour"), "before it goes in my basket, tell me the cost and the exact shade", True),
    ("zh", ("price", "stock"), "{t}的價格是多少 目前還剩多少件", False),
    ("mixed", ("stock", "colour"), "这个货还剩多少 另外 colour 是哪种", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "{col} {c} wanted, can spend ${p} at the very most"),
    ("en", "{c} shopping, {p} rmb is the most id pay"),
    ("zh", "有沒有{p}元以內的{czh} 要{colzh}的"),
    ("zh", "给男朋友挑个{czh} 预算{p}"),
    ("mixed", "{p} 块能买到 {colzh} {c} 吗 list 几个给我看看"),
    ("mixed", "¥{p} 以下 有什么好一点的 {c}"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    (
        "en",
        "browsing the {c} section - anything that comes in at ${p} or lower",
        "narrow that to {col} please",
    ),
    ("zh", "{czh}预算{p}以内", "只看{colzh}的"),
    ("mixed", "{c} 帮我找找 {p} 块封顶", "{col} 的有吗 别的色不要"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b} - ill go for whichever is the lower price, which is it"),
    ("zh", "{a}、{b}這兩個 價錢差多少 哪個低"),
    ("mixed", "{a} 跟 {b} 差价多少 哪个 budget friendly 一点"),
]
COMPLAINT_Q = [
    ("en", "been on hold for 40 minutes and now the chat ignores me too, absolutely useless"),
    ("zh", "收到的杯子是裂的 客服又一直不回 你們這服務太爛了"),
    ("mixed", "第二次收到 wrong item 了 你们 warehouse 到底有没有人检查"),
    ("en", "driver chucked my box over the fence and the contents are smashed, not happy at all"),
]
GREETING_Q = [
    ("en", "hi there, am i chatting with an actual human"),
    ("zh", "您好 請問現在有人在線嗎"),
    ("mixed", "嗨 hello 现在能 chat 吗"),
    ("en", "cheers for sorting that, legend"),
    ("zh", "懂了 谢谢耐心解答 没别的问题了"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "ideas for a team name for our pub quiz"),
    ("en", "can you help me write a cover letter for a barista job"),
    ("en", "is it bad to drink coffee on an empty stomach"),
    ("en", "whats the time difference between london and sydney right now"),
    ("en", "do you reckon bitcoin goes up this year"),
    ("en", "quick way to convert celsius to fahrenheit in my head"),
    ("en", "translate happy birthday into french for me"),
    ("zh", "广州地铁晚上几点停运"),
    ("zh", "给我编个睡前故事 主角是一只小兔子"),
    ("zh", "高铁上可以带充电宝吗"),
    ("zh", "鸡蛋煮几分钟是溏心的"),
    ("zh", "驾照扣了十二分怎么办"),
    ("zh", "中秋节为什么要吃月饼"),
    ("mixed", "帮我算下 bill 86 块 给 15% tip 是多少"),
    ("mixed", "iPhone 怎么截 long screenshot"),
    ("mixed", "PPT 里怎么把 background 换成渐变色"),
    ("mixed", "推荐几部 Netflix 上好看的韩剧"),
    ("mixed", "雅思 speaking 怎么准备才能拿 7 分"),
    ("mixed", "WiFi 密码忘了 在 Mac 上怎么找回来"),
    ("mixed", "hotpot 底料自己在家怎么炒"),
]
