"""Held-out set 29 of the demo's labelled assistant questions: data only, filled by ``demo.assistant``.

Written blind on 2026-12-07 in session 33, for round 29 of the assistant (issue 13), and committed
alone before the assistant answered any of it. Its set name is ``"heldout29"``; it is a test set,
not one of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 30). Its author read the policy documents, the catalog's leaves
and colours, the question builders, the held-out tests, the seed generator's utterance lists and
held-out-28 (for the layout), and none of the assistant's code, benches, results or reports. Each
text was set beside the closest texts of the earlier sets, the main set and the seed (word overlap
and character trigrams) and rewritten where the two came near; ``tests/assistant_sets_util.py``'s
checks hold. The kinds of difficulty it probes are in the session's helper report, not here;
``tests/test_assistant_generalise.py`` checks the make-up.

No fact is written in by hand: ``demo.assistant_questions`` reads each order's status, each
product's price, stock and colour, each search's matching products and the cheaper of two products
from the shop, and each policy question names the section that answers it. Template fields as in
held-out-28 (listed in ``demo.assistant_heldout19``); ``{on[3]}`` and the like pick one character
of a field (here the fourth digit of the id).
"""

from __future__ import annotations

#: the id's last four digits, one format index each
_LAST_FOUR = "{on[3]}{on[4]}{on[5]}{on[6]}"
#: the id's first three digits, one format index each
_FIRST_THREE = "{on[0]}{on[1]}{on[2]}"

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "whats the cut off time if i want it sent out the same day"),
        ("zh", "現在下單的話 普通快遞要幾個工作天才收得到"),
        ("mixed", "standard 快递周末也派送吗 一般几个工作日"),
    ],
    "shipping-free": [
        ("en", "is postage free once i go over 50 bucks or is it more than that"),
        ("zh", "购物车现在二百出头 差多少才包邮"),
        ("mixed", "没满包邮的话 加急 shipping fee 收多少"),
    ],
    "shipping-international": [
        ("en", "can you send orders out to singapore, and whos paying the import tax on it"),
        ("zh", "寄到澳洲大概得等多久"),
        ("mixed", "ship 到 France 要几个 business days"),
    ],
    "shipping-tracking": [
        ("en", "where does the tracking link normally get sent, ive checked my spam already"),
        ("zh", "發貨後會給我物流單號嗎"),
        ("mixed", "一直没收到带 tracking link 的 email 包裹要怎么查"),
    ],
    "returns-window": [
        ("en", "got a cardigan delivered 3 weeks ago, never worn, is it still returnable"),
        ("zh", "包裹１６号签收的 今天申请退货还在期限里吗"),
        ("mixed", "30 天的退货期 是 order date 起算还是收货那天起算"),
    ],
    "returns-worn": [
        ("en", "threw the tags in the bin but the jeans are brand new, can i still send them back"),
        ("zh", "口紅試色過一次 可以退嗎"),
        ("mixed", "jacket 只在家里试穿了一下 没出过门 这样算 worn 吗"),
    ],
    "returns-refund": [
        ("en", "once you recieve my return how long before the refund lands"),
        ("zh", "退款会退到哪里 当时是用支付宝付的"),
        ("mixed", "仓库 received 我的退货三天了 refund 还没到账 正常吗"),
    ],
    "returns-how": [
        ("en", "whats the process for sending something back, is there a label or do i sort postage myself"),
        ("zh", "退貨要自己找快遞寄回去嗎"),
        ("mixed", "普通退货 refund 的时候会扣掉 label 的钱吗 扣几块"),
    ],
    "returns-exchange": [
        ("en", "can i swap the navy one for the black, same size"),
        ("zh", "码数拍错了 调换成大一点的要另外付邮费不"),
        ("mixed", "exchange 颜色有没有时间限制"),
    ],
    "payment-methods": [
        ("en", "can i checkout using my iphone wallet"),
        ("zh", "能用支付寶付款嗎"),
        ("mixed", "只有一张 Mastercard 的 debit card 能付吗"),
    ],
    "payment-instalments": [
        ("en", "do you do buy now pay later on small orders like $80"),
        ("zh", "最低消费多少才给分期 收利息不"),
        ("mixed", "分 ３ 期 interest free 要买满多少钱"),
    ],
    "payment-security": [
        ("en", "how secure is your checkout, dont want my card getting nicked"),
        ("zh", "在你们这刷卡 卡号会不会被别人拿到"),
        ("mixed", "你们有 PCI 认证吗 card 资料安全不"),
    ],
    "payment-failed": [
        ("en", "payment failed twice, was i charged and is my order still there"),
        ("zh", "付了三次都失败 购物车里的东西会被清空吗"),
        ("mixed", "WeChat Pay 付不了 order 还在吗 要不要重新下单"),
    ],
    "payment-invoice": [
        ("en", "do i get some kind of receipt by email or do i have to ask for one"),
        ("zh", "可以開公司抬頭的發票嗎 要拿去報銷"),
        ("mixed", "报销要 VAT invoice 在哪里下载"),
    ],
    "warranty-period": [
        ("en", "do headphones get the 2 year guarantee or just 1"),
        ("zh", "保温杯的质保期是几个月"),
        ("mixed", "smartphone 的 warranty 是一年还是两年"),
    ],
    "warranty-claim": [
        ("en", "strap on my bag snapped after 3 weeks of normal use, how do i get it repaired"),
        ("zh", "藍牙耳機右耳突然不響了 保修要準備什麼資料"),
        ("mixed", "kettle 不加热了 要寄回去 repair 吗 大概多久修好"),
    ],
    "warranty-exclusions": [
        ("en", "opened a face cream and it brought me out in a rash, is that covered by the waranty"),
        ("zh", "不小心把台灯碰倒摔坏了 这个能保修吗"),
        ("mixed", "laptop 进水了 warranty 还 cover 吗"),
    ],
}
#: a policy question that only makes sense after the turn(s) before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["the trainers i got are half a size too small"],
        "can i get the next size up without paying again",
        "returns-exchange",
    ),
    ("zh", ["我上週退了一件大衣", "快遞說已經送到倉庫了"], "錢什麼時候會退回來", "returns-refund"),
    ("mixed", ["想买那台 laptop", "大概 1500 刀"], "这个能拆成几期慢慢还吗", "payment-instalments"),
    (
        "en",
        ["my basket is sitting at $35 right now"],
        "is delivery still charged at that amount",
        "shipping-free",
    ),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "my card got declined on a $300 order - how long do you hold it for, and could i split it into payments instead",
        ["payment-failed", "payment-instalments"],
    ),
    ("zh", "可以刷銀聯卡嗎 卡號會被你們存起來嗎", ["payment-methods", "payment-security"]),
    ("mixed", "想把 M 换成 L 要怎么寄回来 label 要我自己付钱吗", ["returns-exchange", "returns-how"]),
    (
        "en",
        "want to swap a shirt for a bigger size, or if thats a hassle just refund me - how long would the refund take",
        ["returns-exchange", "returns-refund"],
    ),
    ("zh", "电水壶不通电了怎么报修 保修期是几年", ["warranty-claim", "warranty-period"]),
    (
        "en",
        "do you ship to japan, and if something doesnt fit how would i send it back from there",
        ["shipping-international", "returns-how"],
    ),
    ("mixed", "invoice 是发货的时候才发吗 一般下单后多久 ship", ["payment-invoice", "shipping-times"]),
    ("zh", "包郵門檻是多少 另外簽收後幾天內還能退", ["shipping-free", "returns-window"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "pls check on order " + _FIRST_THREE + " " + _LAST_FOUR + " havent heard a thing since i paid"),
    ("mixed", "{ol[0]}" + _FIRST_THREE + "-" + _LAST_FOUR + " 的 order 什么时候发"),
    ("zh", "麻烦查下订单＃{on} 寄了没"),
    ("zh", "訂單尾數" + _LAST_FOUR + " 的包裹寄到哪了"),
    ("zh", "幫我看看（{o}）這筆什麼時候出貨"),
    ("en", "{o} - when can i expect it, need it for the weekend"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("mixed", ["{o} 到哪了", "另外 退货的 label 在哪打印"], "那个 order 今天能送到吗"),
    ("en", ["whats the status of {o}"], "ok but is it actually moving, been days"),
    ("zh", ["我要查{o}"], "怎麼還在處理中 都一個禮拜了"),
    ("en", ["any yoga mats under $40"], "nvm actually can you check {o} first"),
    ("zh", ["哈囉"], "{o}寄出了沒"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "has {o} shipped yet? and does the invoice get emailed to me automatically", "payment-invoice"),
    ("zh", "{o}到了没 不想要了的话退回去运费谁出", "returns-how"),
    ("mixed", "{o} 还没 ship 吗 express 一般要几天到", "shipping-times"),
    ("en", "is water damage covered by the warranty? also wheres {o} at", "warranty-exclusions"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my sister put {o} through on her account, can you tell me if its been delivered"),
    ("zh", "我室友的订单{o} 麻烦看一下到没到"),
    ("mixed", "同事让我帮忙问 {o} 的 delivery status 她自己没空"),
    ("en", "my nan asked me to chase {o} for her, any news"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "whats {t} selling for rn", False),
    ("zh", "stock", "這款是不是賣完了 還能下單嗎", True),
    ("mixed", "colour", "{t} 实物是啥 color", False),
    ("en", "stock", "{t} in stock?", False),
    ("zh", "price", "{t} 一件卖几块钱", False),
    ("mixed", "price", "这件标价多少 price 那里显示不出来", True),
    ("en", "colour", "what shade is this one, the pics look kinda off on my phone", True),
    ("zh", "colour", "{t}是什麼顏色", False),
    ("mixed", "stock", "{t} 还剩几件 我要 5 件", False),
    ("en", "stock", "is this one available to ship or is it on backorder", True),
    ("zh", "price", "这件现在什么价", True),
    ("mixed", "colour", "这款实际是什么色 跟 photo 一样吗", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "price"), "how many of these are left and whats it cost", True),
    ("zh", ("colour", "price"), "{t} 什么颜色 卖多少", False),
    ("mixed", ("price", "stock"), "想入这款 先问下 price 跟 stock 剩多少", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "need a {col} {c} for under ${p}"),
    ("en", "got any {c} for {p} dollars or less"),
    ("zh", "有沒有{p}元以下的{czh}"),
    ("zh", "{colzh}{czh}有推荐的吗 {p}以内"),
    ("mixed", "{colzh}的 {c} 有吗 {p}块以内"),
    ("mixed", "budget ${p} 有什么{czh}推荐"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} under ${p}?", "just the {col} ones thx"),
    ("zh", "{czh} {p}以内", "挑一下{colzh}系的"),
    ("mixed", "想看看 {c} {p} 块以下", "只要 {col} 的 帮我筛一下"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "which of {a} and {b} is less money"),
    ("zh", "{a}還是{b} 哪個比較便宜"),
    ("mixed", "帮我看看 {a} 还是 {b} 更 cheap"),
]
COMPLAINT_Q = [
    ("en", "third time ive emailed about my refund and not one reply, this is ridiculous"),
    ("zh", "快遞員直接把包裹扔在門口 東西都壓壞了 太過分了"),
    ("mixed", "在线 chat 排队排了一个小时 没人理 什么服务态度"),
    ("en", "parcel turned up ripped open with half the stuff missing, sort it out"),
]
GREETING_Q = [
    ("en", "hey, is this where i ask about stuff"),
    ("zh", "哈囉 這麼晚還有人值班嗎"),
    ("mixed", "ok thx 没问题了"),
    ("en", "grand, that answers it, bye now"),
    ("zh", "早安呀"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "can you help me return a sofa i bought from ikea"),
    ("en", "how do i get candle wax off a tablecloth"),
    ("en", "my broadband keeps dropping every evening, who do i complain to"),
    ("en", "how much tax do i pay on a second job"),
    ("en", "what should i feed a 10 week old kitten"),
    ("en", "is it going to rain in manchester this weekend"),
    ("en", "the gig got postponed, can i get my ticket money back from ticketmaster"),
    ("zh", "电动车上牌照要带什么材料"),
    ("zh", "花呗分期能提前还清吗"),
    ("zh", "家里空调的保修卡丢了 厂家还给修吗"),
    ("zh", "机票改签要补差价吗"),
    ("zh", "炖排骨要不要先焯水"),
    ("zh", "小孩半夜咳嗽得厉害 要挂急诊吗"),
    ("zh", "个税年度汇算怎么申请退税"),
    ("mixed", "淘宝买的东西 seller 不给 refund 怎么投诉"),
    ("mixed", "iPhone 电池健康 80% 了 要换吗"),
    ("mixed", "Spotify 家庭版怎么踢掉一个成员"),
    ("mixed", "PowerPoint 怎么加 background music"),
    ("mixed", "去 Japan 玩要换多少 yen 现金"),
    ("mixed", "Uber 司机多收了我钱 怎么 dispute"),
]
