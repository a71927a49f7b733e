"""Held-out set 21 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-06 (issue 13, session 25) for the assistant's twenty-first round, and
committed on its own before the assistant was run on it, so no setting can have been chosen on it.
Registered as ``"set": "heldout21"``: a test set, kept out of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 22). Blind
means its author read the shop's policy documents, the catalog's categories and colours, the
question builders and phrases (``demo.assistant_questions``, ``demo.assistant_phrases``), the
held-out tests, and held-out-20 for the format only - no code, bench or report of the assistant -
and did not run the assistant on these questions; the earlier held-out sets were searched for key
words and shared word runs so that no question rewords one of theirs. What the set probes is in the
session's report, not here, since the helper improving the assistant reads this file;
``tests/test_assistant_generalise.py`` checks its make-up.

No answer is typed in: the question builders read each order's status, each product's price,
stock and colour, each search's matches and each comparison's cheaper product from the demo
shop's data, and a policy question names its section. Template fields are held-out-20's (``{o}``,
``{ol}``, ``{od}``, ``{on}``, ``{ow}`` for order ids, ``{t}``, ``{c}``, ``{czh}``, ``{col}``,
``{colzh}``, ``{p}``, ``{a}``, ``{b}``; see ``demo.assistant_heldout19``); a format index picks
one character, e.g. ``{o[0]}`` the id's letter.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i hit buy at twenty to four this afternoon does the parcel still leave today"),
        ("zh", "晚上十点拍的 那最早哪天能出库"),
        ("mixed", "加急 vs 普通 差几天 我不太赶 想省点"),
    ],
    "shipping-free": [
        ("en", "my basket is sitting at 44 bucks, is the delivary extra on top"),
        ("zh", "只下单一个手机壳 要另外掏运费吗"),
        ("mixed", "不想为了包邮乱买 到底 threshold 是多少"),
    ],
    "shipping-international": [
        ("en", "my cousin lives in mexico city, could i order something and have it go straight to her"),
        ("zh", "给在澳洲留学的女儿寄东西 要交进口税不"),
        ("mixed", "我在 Toronto 读书 国内账号下单能寄到加拿大吗"),
    ],
    "shipping-tracking": [
        ("en", "do you text or email the courier link, or do i have to chase it myself"),
        ("zh", "出貨之後會不會通知我 用什麼查"),
    ],
    "returns-window": [
        ("en", "the boots got delivered back at the start of october, still got time to send em back?"),
        ("zh", "收货都３０天了 今天申请退还来得及吗"),
        ("mixed", "还没拆封 不过已经过了 one month 多几天 能退不"),
    ],
    "returns-worn": [
        ("en", "washed the leggings once then went off them, can they still go back"),
        ("zh", "裤子穿着出门逛了一圈 感觉版型不对 还能退吗"),
        ("mixed", "coat 穿去公司一天 被同事说不好看 可以 return 吗"),
    ],
    "returns-refund": [
        ("en", "the courier took my return away on tuesday, any idea when the cash hits my account"),
        ("zh", "退的钱会回到我当时付款的那张卡吗 还是变成店铺余额"),
        ("mixed", "refnd 一般要几天 仓库那边说已经收到了"),
    ],
    "returns-how": [
        ("en", "i changed my mind on a cardigan, do i pay for the postage to send it back"),
        ("zh", "退貨的郵資誰出 我只是不想要了"),
        ("mixed", "想退一件 衣服 where do i even start 哪个页面能点"),
    ],
    "returns-exchange": [
        ("en", "the hoodie is huge on me, can i get the small instead of the large without paying again"),
        ("zh", "鞋子挤脚 想换大半码 这个要收钱吗"),
        ("mixed", "收到的是 navy 的 想换 black 要另外付钱吗"),
    ],
    "payment-methods": [
        ("en", "my bank only gave me a debit card, will that go through or do i need paypal"),
        ("zh", "只有一张储蓄卡 能付款吗🙏"),
        ("mixed", "checkout 那里有没有微信扫码 我不想绑卡"),
    ],
    "payment-instalments": [
        ("en", "can the 230 quid basket be split over a few months without interest"),
        ("zh", "买个１５００的笔记本 能分几期 有利息吗"),
        ("mixed", "分 3 期的话 要不要另外付 interest"),
    ],
    "payment-security": [
        ("en", "kinda nervous typing my card in here, who actually sees the number"),
        ("zh", "你們會不會留著我完整的卡號"),
    ],
    "payment-failed": [
        ("en", "bank said no but i think the money left anyway?? is my order still alive"),
        ("zh", "支付宝付款一直转圈然后提示失败 这单会不会直接没了"),
        ("mixed", "card 刷不过 过多久 order 就自动没了"),
    ],
    "payment-invoice": [
        ("en", "accounts dept needs a vat invoice w the firms name for a desk lamp i bought, doable?"),
        ("zh", "上個月買的東西 現在還能補開發票嗎"),
    ],
    "warranty-period": [
        ("en", "is the garantee on earphones the same length as on a jumper or longer"),
        ("zh", "机械键盘算数码产品吗 保修多久"),
        ("mixed", "这个 kettle 有 warranty 吗 保到什么时候"),
    ],
    "warranty-claim": [
        ("en", "three months in and the kettle is dead, where do i start with getting a replacement"),
        ("zh", "保温杯才用三周就不保温了 走保修要拍照吗"),
        ("mixed", "headphones 左耳突然没声 报修流程是啥 要几天"),
    ],
    "warranty-exclusions": [
        ("en", "sat on my bluetooth speaker by accident and cracked it, my fault i know, covered tho?"),
        ("zh", "面霜拆了封条才发现味道受不了 这个保修管吗"),
        ("mixed", "小孩把 keyboard 泡水里了 warranty 还 cover 吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["do you deliver outside the uk"],
        "roughly how many days would that take",
        "shipping-international",
    ),
    ("zh", ["我想退一条裙子"], "那钱啥时候能回到我卡上", "returns-refund"),
    ("mixed", ["你们有免息分期吗"], "那得凑够多少钱才能分", "payment-instalments"),
    ("zh", ["耳機壞了可以保修嗎"], "那要準備什麼資料呢", "warranty-claim"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "how do i kick off a return, and once you have it how soon do i see my money",
        ["returns-how", "returns-refund"],
    ),
    ("zh", "邮费啥情况下免 还有新加坡那边收得到吗", ["shipping-free", "shipping-international"]),
    ("mixed", "phone 的 warranty 几个月 屏幕自己摔裂的也保吗", ["warranty-period", "warranty-exclusions"]),
    (
        "en",
        "which cards are ok at checkout and can i get a vat invoice after",
        ["payment-methods", "payment-invoice"],
    ),
    ("zh", "几点前下单当天发 发出去以后去哪看物流", ["shipping-times", "shipping-tracking"]),
    (
        "en",
        "can i swap for another colour? and btw does ur site hang on to card numbers",
        ["returns-exchange", "payment-security"],
    ),
    (
        "mixed",
        "tracking link 在哪看 另外 payment 卡住的话 单子给我留几个小时",
        ["shipping-tracking", "payment-failed"],
    ),
    ("zh", "能分期付吗 东西坏了保修怎么申请", ["payment-instalments", "warranty-claim"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "order #{on} - any update? tracking hasnt budged since monday"),
    ("en", "yo whats happening w/ {ol}"),
    ("zh", "訂單編號{o[0]}－{on}現在到哪了"),
    ("zh", "帮我瞅瞅 {od} 走到哪了 望眼欲穿"),
    ("mixed", "{ow} 到底 ship 了没 急用"),
    ("mixed", "{o} 的 parcel 到哪儿了 三天没更新"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["quick one re {o}"], "is it still sat in the warehouse or what"),
    ("zh", ["{o} 这个单是我前天拍的"], "物流那边有更新没"),
    ("mixed", ["order {o} 想 follow up 一下"], "到底到哪了 any news"),
    ("en", ["hey wheres my stuff"], "sorry forgot the number, its {o}"),
    ("zh", ["快递好几天没动了 你帮我看看"], "哦对 单号是 {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "{o} out the door yet? if the size is off is swapping it free", "returns-exchange"),
    ("zh", "{o}送到没 到了以后发票是发邮件吗", "payment-invoice"),
    ("mixed", "{o} 还在 warehouse 吗 下次寄去 Japan 要几天", "shipping-international"),
    ("zh", "{o}簽收了嗎 電子產品保固多久", "warranty-period"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my ex still has parcels coming under {o}, whats the address on it"),
    ("zh", "帮同事查下{o} 她让我问的 她在开会"),
    ("mixed", "{o} 是我 mum 下的单 能告诉我她买了啥吗 想给她个 surprise"),
    ("en", "picking up {o} for my sister while shes abroad, what day is it landing"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "price on this pls? cant see it on mobile", True),
    ("en", "stock", "the {t} - any left or has it gone", False),
    ("en", "colour", "my screen makes everything look blue, whats the real colour of this", True),
    ("zh", "price", "這個多少錢啊", True),
    ("zh", "stock", "{t} 还在卖吗 库存有没有", False),
    ("zh", "colour", "这件实物是什么颜色 滤镜太重了", True),
    ("mixed", "price", "{t} 的 price 是多少呀", False),
    ("mixed", "stock", "想 grab 两件 这个 stock 够吗", True),
    ("en", "colour", "remind me what colour the {t} is", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "colour"), "colour + price of this one pls", True),
    ("zh", ("stock", "price"), "{t} 还剩几件 单价多少", False),
    ("mixed", ("price", "stock"), "this 多少钱 库存还剩多少", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "{c} as a birthday pressie, nothing over ${p}"),
    ("en", "cheap {col} {c}?? {p} dollars is my ceiling"),
    ("zh", "手上只有{p}块 {czh}有合适的吗"),
    ("zh", "{colzh}{czh} 价格在{p}以内的 给我列几个"),
    ("mixed", "{c} 推荐一下 budget {p} 元封顶"),
    ("mixed", "{colzh}的 {c} 有 < ${p} 的吗"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "show me {c} options, {p} dollars tops", "ok now just the {col} ones"),
    ("zh", "{czh} {p}块钱以下的都给我看看", "只要{colzh}的"),
    ("mixed", "帮我找 {c} 价格别超过 {p}", "{col} 的呢"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} / {b} - whichever is cheaper, which is it"),
    ("zh", "{b}和{a} 哪款便宜点"),
    ("mixed", "{a} 跟 {b} compare 下 price 哪个低"),
]
COMPLAINT_Q = [
    ("en", "ordered blue got green, third mix up this year, honestly done with you lot"),
    ("zh", "包裹外箱全是水 里面衣服都湿透发霉了 太过分了吧"),
    ("mixed", "在线客服排队排了一个小时 轮到我就断线 are you kidding me"),
    ("zh", "說好兩天到 結果拖了一個禮拜 問了還愛理不理 我要投訴"),
]
GREETING_Q = [
    ("en", "hi there, got a sec?"),
    ("zh", "在么在么"),
    ("mixed", "hello hello 有人吗 客服"),
    ("en", "brilliant, ta very much"),
    ("zh", "明白啦 多谢多谢"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "whats the best way to get chewing gum out of hair"),
    ("en", "can you recommend a true crime podcast for a long drive"),
    ("en", "how do i tie a windsor knot, first day at the new job tmrw"),
    ("en", "how far away is the moon roughly"),
    ("en", "is it rude to recline your seat on a long flight"),
    ("en", "my landlord wants the deposit sent to his personal account, is that legit"),
    ("en", "whats the tallest mountain in africa"),
    ("zh", "粽子到底是甜的好吃还是咸的好吃"),
    ("zh", "家里马桶堵了 没有皮搋子怎么通"),
    ("zh", "电动车的电瓶一般几年换一次"),
    ("zh", "从上海开车去苏州大概要多久"),
    ("zh", "中国一共有几个省级行政区"),
    ("zh", "朋友寄给我的快递被驿站弄丢了 该找谁赔"),
    ("zh", "怎么看鸡蛋新不新鲜"),
    ("mixed", "帮我写个 resignation letter 语气客气一点"),
    ("mixed", "室友打呼噜太响 有什么 tips 能睡着"),
    ("mixed", "高铁上的插座能给 laptop 充电吗"),
    ("mixed", "帮我起个 gaming 昵称 要酷一点"),
    ("mixed", "周末 picnic 带什么零食比较好"),
    ("mixed", "这句话帮我改 formal 一点：明天我请假不来了"),
]
