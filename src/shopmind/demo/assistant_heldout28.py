"""Held-out set 28 of the demo's labelled assistant questions: data only, filled by ``demo.assistant``.

Written blind on 2026-12-07 in session 32, for round 28 of the assistant (issue 13), and committed
alone before the assistant answered any of it. Its set name is ``"heldout28"``; it is a test set,
not one of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 29). Its author read the policy documents, the catalog's leaves
and colours, the question builders, the held-out tests, the seed generator's utterance lists and
held-out-27 (for the layout), and none of the assistant's code, benches, results or reports. Each
text was set beside the closest texts of the earlier sets, the main set and the seed (word overlap
and character trigrams) and rewritten where the two came near; ``tests/assistant_sets_util.py``'s
checks hold. The kinds of difficulty it probes are in the session's helper report, not here;
``tests/test_assistant_generalise.py`` checks the make-up.

No fact is written in by hand: ``demo.assistant_questions`` reads each order's status, each
product's price, stock and colour, each search's matching products and the cheaper of two products
from the shop, and each policy question names the section that answers it. Template fields as in
held-out-27 (listed in ``demo.assistant_heldout19``); ``{on[3]}`` and the like pick one character
of a field (here the fourth digit of the id).
"""

from __future__ import annotations

#: the id's last four digits, one format index each
_LAST_FOUR = "{on[3]}{on[4]}{on[5]}{on[6]}"
#: the id in full width, an ideographic space after its third digit (one format index a character)
_WIDE_SPLIT = "{ow[0]}{ow[1]}{ow[2]}{ow[3]}\u3000{ow[4]}{ow[5]}{ow[6]}{ow[7]}"

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i order b4 lunch does it get posted the same day or next"),
        ("zh", "選普通快遞的話 下單後幾天會到"),
        ("mixed", "express 大概几天能到手 我这边比较偏"),
    ],
    "shipping-free": [
        ("en", "whats the magic number to get free delivery"),
        ("zh", "购物车里是２６５块 再加多少能免邮费"),
        ("mixed", "达不到 free shipping 的话 普通快递收多少"),
    ],
    "shipping-international": [
        ("en", "do u ship to new zealand at all"),
        ("zh", "能寄马来西亚吗 那边海关收的税谁来付"),
        ("mixed", "人在 Canada 也能下 order 吗 大概多少天到"),
    ],
    "shipping-tracking": [
        ("en", "how do i follow where my parcel is, cant find any link in my inbox"),
        ("zh", "物流追蹤連結要去哪裡看"),
        ("mixed", "寄出以后 tracking 信息会 email 给我吗"),
    ],
    "returns-window": [
        ("en", "how many days do i get to change my mind and post stuff back"),
        ("zh", "东西签收二十多天了 现在申请退货晚不晚"),
        ("mixed", "return deadline 是 delivery 之后多少天啊"),
    ],
    "returns-worn": [
        ("en", "snipped the labels off a hoodie before i noticed its too tight, can i still return it"),
        ("zh", "鞋子穿出門走了一圈 鞋底髒了 還能退嗎"),
        ("mixed", "卫衣已经机洗过一次了 还接受 return 吗"),
    ],
    "returns-refund": [
        ("en", "the return was signed for at your end on monday, how long till i see the money"),
        ("zh", "退的货已经到你们仓库了 钱啥时候打回来"),
        ("mixed", "refund 是退回原来那张 card 吗 要等几个 working days"),
    ],
    "returns-how": [
        ("en", "do i need a printer to send stuff back, never done a return with you"),
        ("zh", "想退貨但東西沒壞 退款裡會扣掉運單費嗎"),
        ("mixed", "return label 去哪里 print 要收费吗"),
    ],
    "returns-exchange": [
        ("en", "the 8s pinch my toes, whats the deal with getting a 9 instead"),
        ("zh", "手滑下错了颜色 换个色要另付钱不"),
        ("mixed", "买小了一码 想 exchange 大一号的 怎么操作"),
    ],
    "payment-methods": [
        ("en", "amex accepted or nah"),
        ("zh", "你們收銀聯卡嗎"),
        ("mixed", "结账能用 Klarna 吗"),
    ],
    "payment-instalments": [
        ("en", "basket comes to about $320, could i spread that over a few months interest free"),
        ("zh", "买２０００块的东西能分三期吗 有没有手续费"),
        ("mixed", "订单 1000 块 可以 interest-free 分期吗"),
    ],
    "payment-security": [
        ("en", "do you lot save my card details once ive checked out"),
        ("zh", "在你们网站输银行卡号 会不会被盗刷啊"),
        ("mixed", "checkout 页面 safe 吗 我的 card info 会被存下来吗"),
    ],
    "payment-failed": [
        ("en", "card got declined right at the end, do i have to redo the whole basket"),
        ("zh", "剛才扣款沒過 訂單還會保留多久"),
        ("mixed", "刚才 payment 失败了 order 会帮我留多久"),
    ],
    "payment-invoice": [
        ("en", "i need the paperwork in my company's name for the accountant, possible?"),
        ("zh", "发票是跟着发货一起发邮件吗"),
        ("mixed", "下单快两个月了 现在申请公司抬头的 invoice 还来得及吗"),
    ],
    "warranty-period": [
        ("en", "whats the guarantee like on a kettle, 1 year?"),
        ("zh", "買的耳機保固有幾個月"),
        ("mixed", "买的 laptop 保修算 24 months 吗"),
    ],
    "warranty-claim": [
        ("en", "the kettle i bought in spring wont boil anymore, hows the repair or replacement thing work"),
        ("zh", "台灯才用了两个月灯就不亮了 报修流程是什么"),
        ("mixed", "mouse 的滚轮坏了 warranty claim 需要我提供什么"),
    ],
    "warranty-exclusions": [
        ("en", "dropped my earbuds in the sink, will the warranty sort that"),
        ("zh", "小孩把藍牙音箱從樓梯上摔下去了 這種算保修嗎"),
        ("mixed", "鞋底都磨平了 这种 normal wear 算 warranty 范围吗"),
    ],
}
#: a policy question that only makes sense after the turn(s) before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["just got the new headphones", "loving them so far"],
        "if the left side cuts out in a year and a half am i still covered",
        "warranty-period",
    ),
    ("zh", ["我想把一件外套退回去"], "那寄回去的運費要我自己出嗎", "returns-how"),
    ("mixed", ["我现在住 Germany"], "寄过来要多久 customs 要我付吗", "shipping-international"),
    (
        "en",
        ["hiya", "bought a dress for a wedding next week"],
        "if it gets worn for the day, is returning it afterwards still an option",
        "returns-worn",
    ),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "got a hairdryer 5 weeks ago, too late to return it? and how long is the guarantee on it anyway",
        ["returns-window", "warranty-period"],
    ),
    ("zh", "裤子试穿后出门穿了半天 还能退吗 不行的话换大一码可以吗", ["returns-worn", "returns-exchange"]),
    ("mixed", "return 的 label 怎么弄 另外 warranty 报修要发什么资料", ["returns-how", "warranty-claim"]),
    (
        "en",
        "my visa keeps getting rejected, what else can i pay with and will the order still be there in an hour",
        ["payment-methods", "payment-failed"],
    ),
    ("zh", "你們會存我的卡號嗎 還有發票怎麼開", ["payment-security", "payment-invoice"]),
    (
        "en",
        "if i order at 5pm when does it leave the warehouse, and separately how do i claim for a lamp that broke",
        ["shipping-times", "warranty-claim"],
    ),
    ("zh", "物流链接在哪看 还有收到以后不合适能换吗", ["shipping-tracking", "returns-exchange"]),
    ("mixed", "laptop 可以 3 期免息吗 warranty 有多长", ["payment-instalments", "warranty-period"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "can u check {ol[0]}{on[0]}{on[1]}{on[2]} " + _LAST_FOUR + " for me, ordered it last tuesday"),
    ("zh", "订单号末四位" + _LAST_FOUR + " 帮我看看发货没"),
    ("mixed", "order {on[0]}{on[1]}{on[2]}-" + _LAST_FOUR + " 有 update 吗 等好几天了"),
    ("zh", "幫我查查訂單" + _WIDE_SPLIT + " 物流到哪一步了"),
    ("en", "the confirmation email just says “{o}” and nothing since - where is it at"),
    ("mixed", "{o} 啥时候到啊 望穿秋水了"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["order {o} please", "it said dispatched on monday"], "nothing since, has it gone missing"),
    ("zh", ["我的單號是{o}"], "都10天了 怎麼還沒到"),
    ("mixed", ["帮我看看 order {o}", "app 上显示 out for delivery 一整天了"], "今天还会送吗 要不要在家等"),
    (
        "en",
        ["if my card was declined can i just pay again with paypal"],
        "ok done that, its {o} - has it shipped now",
    ),
    ("zh", ["你好", "想问一下订单的事"], "{o} 帮忙瞅一眼"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    (
        "en",
        "whats the minimum spend for free postage next time, and has {o} gone out yet",
        "shipping-free",
    ),
    ("zh", "{o}寄到了沒 要是退貨的話錢幾天能退回來", "returns-refund"),
    ("mixed", "下次买大件能不能 split 成几期付 另外 {o} 发货了吗", "payment-instalments"),
    (
        "en",
        "{o} arrived? also one of the last things i got from you broke, what do i send you to get it fixed",
        "warranty-claim",
    ),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my flatmate asked me to check {o}, can you tell me when its arriving"),
    ("zh", "帮我老公查一下{o} 他手机没电了"),
    ("mixed", "{o} 是我 boss 下的单 她让我问一下 delivery 时间"),
    ("en", "hi, asking on behalf of my grandad about {o} - has it gone out"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("zh", "stock", "{t}还有现货吗 想今天下单", False),
    ("mixed", "price", "{t} 现在卖多少 有 discount 吗", False),
    ("zh", "price", "這個價格寫的是多少 看不清楚", True),
    ("en", "price", "{t} how much is it going for atm", False),
    ("mixed", "colour", "{t} 是什么 colour 的", False),
    ("en", "stock", "any of these left or are they sold out", True),
    ("zh", "colour", "這個實物是什麼顏色的", True),
    ("mixed", "stock", "想一次买五件 inventory 有这么多吗", True),
    ("en", "colour", "{t} - which colour is it exactly", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "colour"), "{t} whats the price and what colour is it", False),
    ("zh", ("stock", "price"), "还剩多少件 价格是多少", True),
    ("mixed", ("colour", "stock"), "颜色是啥 库存还有几个 想确认下再 checkout", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "any {col} {c} going for ${p} or less"),
    ("en", "show me {c} options below {p} dollars"),
    ("zh", "有沒有{colzh}的{czh} {p}塊以內的"),
    ("zh", "{p}元以内的{czh}推荐几款"),
    ("mixed", "想买 {colzh} {c} budget 最多 {p}"),
    ("mixed", "{czh} 有 recommend 的吗 不超过 {p} 块"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "looking at {c}, nothing over ${p}", "only interested in {col} ones tbh"),
    ("zh", "{czh}预算{p}元 有什么好推荐", "挑{colzh}的给我看看"),
    ("mixed", "{c} 有没有 {p} 块以下的", "那 filter 一下 {colzh} 的"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} or {b} - which is the better deal price wise"),
    ("zh", "{a}和{b}價錢差多少 哪個划算"),
    ("mixed", "{a} {b} 两个 price 哪个 lower"),
]
COMPLAINT_Q = [
    ("en", "courier chucked my parcel over the fence and it landed in a puddle, absolutely fuming"),
    ("zh", "客服電話一直打不通 你們到底有沒有人在管"),
    ("mixed", "第二次收到 wrong size 了 你们仓库能不能上点心"),
    ("en", "ive been passed between three different agents and nobody has fixed anything, i want a manager"),
]
GREETING_Q = [
    ("en", "evening, is this chat staffed or is it all automated"),
    ("zh", "嗨嗨 這邊能問問題嗎"),
    ("mixed", "got it 谢啦 先下线了"),
    ("en", "sweet, all clear now"),
    ("zh", "行 那就这样 先不打扰了"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "vodafone wont fix my cracked phone screen under their insurance, can i go to the ombudsman"),
    ("en", "how do i track a letter i sent by royal mail signed for"),
    ("en", "the council missed our bin collection again, who do i ring"),
    ("en", "my train was 40 mins late, how do i claim the delay compensation"),
    ("en", "is baking soda the same thing as bicarb"),
    ("en", "how do tides actually work"),
    ("en", "my landlord wants 3 months rent upfront, is that normal"),
    ("zh", "快递柜超时了取件要收费吗"),
    ("zh", "信用卡账单分期的手续费怎么算"),
    ("zh", "物业说电梯还在保修期 维修费该谁出"),
    ("zh", "春节期间我自己寄顺丰 快递员还上门收件吗"),
    ("zh", "腊八粥要放哪些东西"),
    ("zh", "医院的网上挂号怎么取消"),
    ("zh", "手机号码怎么携号转网"),
    ("mixed", "Airbnb 房东 cancel 了我的 booking deposit 能拿回来吗"),
    ("mixed", "在 Sony 官网买的 PS5 controller 坏了 warranty 怎么申请"),
    ("mixed", "LinkedIn premium 怎么关掉自动续费"),
    ("mixed", "Python 的 list 和 tuple 有什么 difference"),
    ("mixed", "去 Bali 旅游 visa on arrival 要多少钱"),
    ("mixed", "Costco 的会员卡 refund 要带什么"),
]
