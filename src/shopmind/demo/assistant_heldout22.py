"""Held-out set 22 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-06 (issue 13, session 26) for the assistant's twenty-second round, and
committed on its own before the assistant was run on it, so no setting can have been chosen on it.
Registered as ``"set": "heldout22"``: a test set, kept out of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 23). Blind
means its author read the shop's policy documents, the catalog's categories and colours, the
question builders (``demo.assistant_questions``), the held-out tests, and held-out-21 for the
format only - no code, bench or report of the assistant - and did not run the assistant on these
questions; the earlier held-out sets were searched for key words so that no question rewords one
of theirs. What the set probes is in the session's report, not here, since the helper improving
the assistant reads this file; ``tests/test_assistant_generalise.py`` checks its make-up.

No answer is typed in: the question builders read each order's status, each product's price,
stock and colour, each search's matches and each comparison's cheaper product from the demo
shop's data, and a policy question names its section. Template fields are held-out-21's (``{o}``,
``{ol}``, ``{od}``, ``{on}``, ``{ow}`` for order ids, ``{t}``, ``{c}``, ``{czh}``, ``{col}``,
``{colzh}``, ``{p}``, ``{a}``, ``{b}``; see ``demo.assistant_heldout19``); a format index picks
one character, e.g. ``{ow[0]}`` the id's letter in full width.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "need it by saturday, if i order wed night on standard will it make it"),
        ("zh", "下午五点多才付的款 是不是得明天才从仓库出来"),
        ("mixed", "选 express 的话 周一下单 大概周几能到手"),
    ],
    "shipping-free": [
        ("en", "how much do i have to spend before you stop charging me for delivery"),
        ("zh", "就差十几块 凑单还是直接付运费 运费到底收多少"),
        ("mixed", "要买到多少 delivery 才不收钱"),
    ],
    "shipping-international": [
        ("en", "do you post to iceland at all, and who pays the duty when it lands"),
        ("zh", "請問可以寄到越南嗎 大概要多久"),
        ("mixed", "人在 Lisbon 能直邮过来吗 清关的税谁出"),
    ],
    "shipping-tracking": [
        ("en", "after it ships do i get some kind of link to follow it, or nah"),
        ("zh", "发货以后会给我发物流单号吗 去哪里看"),
        ("mixed", "包裹寄出去之后 会有 tracking 链接发到邮箱吗"),
    ],
    "returns-window": [
        ("en", "got the jumper 3 weeks ago, never had it on, too late to send back?"),
        ("zh", "上个月１２号签收的 没拆过 现在退算不算超期"),
        ("mixed", "return 期限几天啊 从下单那天算还是签收那天算"),
    ],
    "returns-worn": [
        ("en", "cut the tags off but only tried it on at home, can it still go back"),
        ("zh", "洗了一次就缩水了 这种还给退吗"),
        ("mixed", "鞋子穿出去踩过几次 sole 有点脏了 还接受退货吗"),
    ],
    "returns-refund": [
        ("en", "posted my return last week, how long till the money's back in my account after you get it"),
        ("zh", "退貨寄回去以後 錢幾天會退回來"),
        ("mixed", "refund 会原路返回到我的 credit card 吗 还是别的方式"),
    ],
    "returns-how": [
        ("en", "whats the actual process for sending something back, step by step"),
        ("zh", "退货是自己约快递上门 还是你们给现成的单子"),
        ("mixed", "不想要了 寄回去 要扣手续费吗 扣多少 钱从哪出"),
    ],
    "returns-exchange": [
        ("en", "ordered a size 8, need a 10. is swapping free or do i return it and rebuy"),
        ("zh", "买了米色的 想换成黑色 能直接换不"),
        ("mixed", "size 不合适 想 exchange 小一码的 怎么弄"),
    ],
    "payment-methods": [
        ("en", "can i pay with a diners club card or only the usual ones"),
        ("zh", "国外的信用卡能付吗 还是只能用国内的"),
        ("mixed", "没有 credit card 的话 能用 PayPal 付吗"),
    ],
    "payment-instalments": [
        ("en", "can i pay for a laptop in chunks, like monthly, and is there interest on top"),
        ("zh", "满多少可以免息分三期"),
        ("mixed", "订单 ２０００ 块 能不能分成几个月 pay"),
    ],
    "payment-security": [
        ("en", "safe to type my card details here? do you keep them on file"),
        ("zh", "在這裡輸入信用卡資料安全嗎 你們會存起來嗎"),
    ],
    "payment-failed": [
        ("en", "checkout keeps bouncing my card, will my order just vanish"),
        ("zh", "付款失败了 订单还在吗 能不能换个方式再付"),
        ("mixed", "payment error 了 但是银行 app 显示钱已经出去了 怎么办"),
    ],
    "payment-invoice": [
        ("en", "can you email me a copy of the invoice, my boss wants it"),
        ("zh", "发票是随快递一起寄 还是发到邮箱里"),
    ],
    "warranty-period": [
        ("en", "how long r the headphones guaranteed for"),
        ("zh", "买的炒锅保修几个月"),
        ("mixed", "laptop 的 warranty 保多久 电子产品是不是比较长"),
    ],
    "warranty-claim": [
        ("en", "kettle just died after 5 weeks, how do i claim on the guarantee"),
        ("zh", "藍牙音箱壞了沒聲音 保修要怎麼弄"),
        ("mixed", "keyboard 有几个键失灵了 申请 repair 要提供啥"),
    ],
    "warranty-exclusions": [
        ("en", "the frying pan coating wore off after a couple years of daily use, is that a warranty thing"),
        ("zh", "瑜伽垫用久了表面起皮 这个能保修吗"),
        ("mixed", "perfume 拆封了 闻着不对劲 能走 warranty 吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["i want to return a dress"], "do i have to pay the postage for that", "returns-how"),
    ("zh", ["可以换货吗"], "那有时间限制吗", "returns-exchange"),
    ("mixed", ["付款失败了怎么办"], "那 order 会给我留多久", "payment-failed"),
    ("en", ["what cards do you take"], "is it secure tho, do you hold on to the number", "payment-security"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "how long have i got to return stuff and is the return label free",
        ["returns-window", "returns-how"],
    ),
    ("zh", "加急要多少运费 几天能到", ["shipping-free", "shipping-times"]),
    ("mixed", "warranty 怎么 claim 另外哪些情况是不保的", ["warranty-claim", "warranty-exclusions"]),
    (
        "en",
        "do you take alipay and can i pay it off over 3 months",
        ["payment-methods", "payment-instalments"],
    ),
    ("zh", "衣服穿過了還能退嗎 退款多久到帳", ["returns-worn", "returns-refund"]),
    (
        "en",
        "once i send it back how long for the refund, and will i still get an invoice for the order",
        ["returns-refund", "payment-invoice"],
    ),
    ("zh", "寄到日本要多久 能用PayPal付款吗", ["shipping-international", "payment-methods"]),
    ("mixed", "exchange 尺码要钱吗 顺便问下 满多少免运费", ["returns-exchange", "shipping-free"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "status of {ol} pls, need it before friday"),
    ("zh", "【{o}】这个订单怎么还没动静"),
    ("zh", "單號{ow}現在是什麼狀態"),
    ("mixed", "{ow[0]}{on} 这单 shipped 了吗"),
    ("en", "checking on order no. {on} - has it left yet"),
    ("mixed", "{od} 到哪一步了 can u check"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["{o} is the one im asking about"], "did it actually get handed to the courier yet"),
    ("zh", ["我的订单号是{o}"], "签收了没有 家里人说没看到"),
    ("mixed", ["帮我查个单 {o}"], "status 更新了吗 还是 stuck 在那"),
    ("en", ["my parcel hasnt moved in days"], "order number is {o} if that helps"),
    ("zh", ["我想問一下我的訂單"], "編號{o} 麻煩幫我看一下"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "has {o} shipped and how do i keep an eye on it once it has", "shipping-tracking"),
    ("zh", "{o}到了吗 不合适的话多少天内能退", "returns-window"),
    ("mixed", "{o} 的 payment 好像 failed 了 单子还在吗", "payment-failed"),
    ("zh", "{o}送到了沒 壞了的話保修怎麼申請", "warranty-claim"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "can u tell me what my housemate ordered on {o}, shes not picking up"),
    ("zh", "{o}是我哥下的单 他让我帮忙问问到哪了"),
    ("mixed", "我同学的 order {o} 能帮忙 check 一下吗 他手机没电了"),
    ("en", "parcel {o} got left at my door by mistake, whose is it and whats inside"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "whats this one selling for atm", True),
    ("en", "stock", "is the {t} back in stock or still gone", False),
    ("en", "colour", "is this more of a light or dark shade? whats the colour called", True),
    ("zh", "price", "这款现在卖多少", True),
    ("zh", "stock", "這個還有貨嗎", True),
    ("zh", "colour", "{t}是啥颜色的", False),
    ("mixed", "price", "{t} 现在什么 price", False),
    ("mixed", "stock", "这款 inventory 还剩多少", True),
    ("mixed", "colour", "这个 colour 是什么 图片看不太清", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "price"), "how many left and what do they cost, this one", True),
    ("zh", ("price", "colour"), "{t} 多少钱 什么颜色", False),
    ("mixed", ("colour", "stock"), "这件是啥 colour 还有几件库存", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "looking for {c} for my gf, ${p} max"),
    ("en", "any {col} {c} that wont break the bank, like under {p} dollars"),
    ("zh", "预算{p}元 想买{czh} 有推荐吗"),
    ("zh", "{p}块以内的{colzh}{czh}有哪些"),
    ("mixed", "有没有 {p} 元以下的 {c}"),
    ("mixed", "想入个 {colzh} {c} 别超过 ${p}"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "browsing {c}, cap is {p} dollars", "{col} only pls"),
    ("zh", "给我看看{p}元以内的{czh}", "换成{colzh}的有吗"),
    ("mixed", "{czh} 有 under {p} 块的吗", "{colzh} 有没有"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "torn between {a} and {b}, whats the price gap, which is lower"),
    ("zh", "{a}跟{b}比 哪个价格低一些"),
    ("mixed", "{b} vs {a} 哪个 cheaper"),
]
COMPLAINT_Q = [
    ("en", "nobody has answered my 3 emails in a week, worst customer service ive ever had"),
    ("zh", "包裹被快递员放在楼下 直接丢了 你们必须给个说法"),
    ("zh", "客服電話一直打不通 這服務也太爛了吧"),
    ("mixed", "下单时写着 next day 到 结果等了一周 really disappointed"),
]
GREETING_Q = [
    ("en", "morning! anyone around"),
    ("zh", "哈喽 有人回复一下吗"),
    ("mixed", "hi 有客服在吗 想问点事"),
    ("en", "cheers thats sorted then"),
    ("zh", "好的 辛苦了"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "do penguins have knees"),
    ("en", "whats a good name for a goldfish"),
    ("en", "who won the world cup in 2010"),
    ("en", "what time does the sun set in london tonight"),
    ("en", "my parrot keeps biting me, how do i get it to stop"),
    ("en", "is it worth learning to touch type at 40"),
    ("en", "write me a haiku about autumn"),
    ("zh", "包饺子的面怎么和才不粘手"),
    ("zh", "仙人掌冬天要搬进屋里吗"),
    ("zh", "小区停车位 买还是租划算"),
    ("zh", "楼上半夜拖椅子 怎么委婉地跟他说"),
    ("zh", "家里的狗偷吃了几颗葡萄 要紧吗"),
    ("zh", "手机相册满了怎么清理比较好"),
    ("zh", "孩子不爱刷牙 有什么办法"),
    ("mixed", "word 文档怎么从第三页开始加页码"),
    ("mixed", "推荐几首适合跑步听的 songs"),
    ("mixed", "家里 router 密码忘了 怎么重置"),
    ("mixed", "去 Japan 旅游要办什么签证"),
    ("mixed", "减肥期间晚饭吃什么比较 healthy"),
    ("mixed", "帮我给新开的 coffee shop 想个店名"),
]
