"""Held-out set 20 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-06 (issue 13, session 24) for the assistant's twentieth round, and
committed by itself before the assistant was ever run on it, so no setting can have been chosen
on it. Registered as ``"set": "heldout20"``: a test set, kept out of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 21).
Its author read only the shop's policy documents, the catalog's categories and colours, the
question builders and phrases (``demo.assistant_questions``, ``demo.assistant_phrases``), the
held-out tests, and held-out-19 for the format - no code, bench or report of the assistant - and
grepped the earlier held-out sets for key words so that no question rewords one of theirs. What
the set probes is in the session's report, not here, since the helper improving the assistant
reads this file; ``tests/test_assistant_generalise.py`` checks its make-up.

The answers are not typed in: the question builders read each order's status, each product's
price, stock and colour, each search's matches and each comparison's cheaper product from the
demo shop's data, and a policy question names its section. The template fields are held-out-19's
(``{o}``, ``{ol}``, ``{od}``, ``{on}``, ``{ow}`` for order ids, ``{t}``, ``{c}``, ``{czh}``,
``{col}``, ``{colzh}``, ``{p}``, ``{a}``, ``{b}``; see ``demo.assistant_heldout19``); a format
index picks one character, e.g. ``{ol[0]}`` the id's letter in lower case.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "moving flat on thursday, if i go with standard today will it get there before me"),
        ("zh", "宝子们 普通快递一般几天到手啊 周五拍的"),
        ("mixed", "赶着周末穿 现在周三 选 express 还来得及吗"),
    ],
    "shipping-free": [
        ("en", "spending like $35, whats delivery gonna be"),
        ("zh", "運費怎麼算 買一百多塊也要付運費嗎"),
        ("mixed", "cart 里 ２６９ 再凑多少能 free delivery"),
    ],
    "shipping-international": [
        ("en", "im on holiday in crete for a month, can you post an order out to me there"),
        ("zh", "寄到韩国的话 进口的税要我自己出吗"),
        ("mixed", "收货 address 能填海外的吗 比如 Berlin"),
    ],
    "shipping-tracking": [
        ("en", "is there a tracking number i can punch into the couriers site"),
        ("zh", "发货以后我怎么知道包裹走到哪了"),
    ],
    "returns-window": [
        ("en", "gift for my nans 80th was totally wrong, she got it a fortnight ago, can we still return it"),
        ("zh", "东西到手第２５天了 现在点退货还行不行"),
        ("mixed", "买错了 上个月底收到的 现在 return 还 in time 吗"),
    ],
    "returns-worn": [
        ("en", "wore the dress to one party but the tags are still on, can i return it"),
        ("zh", "牛仔褲洗過一次 這樣還收退貨嗎"),
        ("mixed", "自己不小心把拉链弄坏了 这样还能 return 吗"),
    ],
    "returns-refund": [
        ("en", "tracking says you guys signed for my return on monday, so when do i get paid back"),
        ("zh", "退回的包裹你们签收好几天了 钱咋还没回来"),
        ("mixed", "花呗付的款 退货后 refund 会回到花呗吗"),
    ],
    "returns-how": [
        ("en", "how do i send back a thing i just dont like anymore, whats it gonna cost me"),
        ("zh", "退货要自己联系快递吗 运单去哪弄"),
        ("mixed", "用你们的 return label 要扣钱吗"),
    ],
    "returns-exchange": [
        ("en", "ordered a 38 but i need a 39, can you swap it"),
        ("zh", "買給老公的襯衫領口太緊 可以換大一號嗎"),
        ("mixed", "颜色选错了 能 exchange 一个别的吗"),
    ],
    "payment-methods": [
        ("en", "paypal works at checkout yeah?"),
        ("zh", "能用微信付款不 我没绑银行卡"),
        ("mixed", "Mastercard 能用吗 是国外银行发的卡"),
    ],
    "payment-instalments": [
        ("en", "saw something about monthly payments, does that work on a $250 basket"),
        ("zh", "分期的话 是分几次 每次付多少"),
        ("mixed", "每个月付一点那种 支持吗 total 大概 1680"),
    ],
    "payment-security": [
        ("en", "does my cvv get saved anywhere after i buy"),
        ("zh", "信用卡資料會不會被你們記下來"),
    ],
    "payment-failed": [
        ("en", "payment error 3 times in a row, how long before you bin the order"),
        ("zh", "付不了款 一直显示交易异常 要不要重新下单"),
        ("mixed", "pay 到一半 wifi 断了 会不会被扣钱 单子没了吗"),
    ],
    "payment-invoice": [
        ("en", "when does the invoice turn up, with the parcel or by email"),
        ("zh", "公司抬头的发票 下单以后多久之内能申请"),
    ],
    "warranty-period": [
        ("en", "how many months of cover do i get on a desk lamp"),
        ("zh", "衣服也有保修吗 保多久"),
        ("mixed", "phone 保几个月 warranty 从哪天开始算"),
    ],
    "warranty-claim": [
        ("en", "one of the dumbbells has a crack in it already, what do i send u to get a new one"),
        ("zh", "毛绒玩具的眼睛才一周就掉了 能给换个新的吗"),
        ("mixed", "yoga mat 才用两周就开胶了 怎么 claim"),
    ],
    "warranty-exclusions": [
        (
            "en",
            "my 4 year old drew all over the duvet cover in permanent marker, would the guarantee replace it",
        ),
        ("zh", "背包用了一年 带子磨破了 算质量问题吗"),
        ("mixed", "用错充电器把 speaker 烧坏了 warranty 管不管"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["i want to send back a jumper"], "ok walk me through it step by step", "returns-how"),
    ("zh", ["你们能开发票吗"], "那一般啥时候能收到", "payment-invoice"),
    ("mixed", ["my card got declined"], "那订单会被 cancel 吗 多久之后", "payment-failed"),
    ("zh", ["保固期是多久"], "那正常用到磨損的也包嗎", "warranty-exclusions"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "whats the cutoff for same day dispatch, and is delivery free over a certain amount",
        ["shipping-times", "shipping-free"],
    ),
    ("zh", "退款几天到账？还有换货要另外花钱吗", ["returns-refund", "returns-exchange"]),
    ("mixed", "warranty 几年？坏了的话 proof 要发照片吗", ["warranty-period", "warranty-claim"]),
    ("en", "do u take samsung pay? and r payments pci compliant", ["payment-methods", "payment-security"]),
    ("zh", "国外能寄吗 寄出以后有单号可以跟吗", ["shipping-international", "shipping-tracking"]),
    (
        "en",
        "how long do i have to return stuff, and do you do interest free payments",
        ["returns-window", "payment-instalments"],
    ),
    ("mixed", "付款 failed 了怎么办 另外 express 几天能到", ["payment-failed", "shipping-times"]),
    ("zh", "能开发票吗 另外不喜欢的话怎么寄回去 要钱吗", ["payment-invoice", "returns-how"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "hey can u check {ol[0]} {on} for me, been a week"),
    ("en", "any news on my order ({o})? nothing in my inbox"),
    ("zh", "单号是{ow} 麻烦查下物流"),
    ("zh", "我那個{on}的訂單 寄出了沒"),
    ("mixed", "{ol[0]}-{on} delivered 了吗 门口没看到"),
    ("mixed", "pls check 一下 {o} 的进度 thx"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["hi i have a question about order {o}"], "has it left yet"),
    ("zh", ["我上周买的 {o}"], "现在什么情况了 还没收到"),
    ("mixed", ["我有个 order {o} 想问问"], "shipped 了没有啊"),
    ("en", ["can you check on something i ordered"], "the numbers {o}"),
    ("mixed", ["帮我查个 order"], "{o} 就这个"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "{o} arrived yet? its a laptop so wondering how long the warranty runs", "warranty-period"),
    ("zh", "{o}签收了没 不合适的话退货运单去哪打", "returns-how"),
    ("mixed", "{o} 的 status 帮我看下 下一单想用 Alipay 可以吗", "payment-methods"),
    ("zh", "{o}到哪裡了 包裹寄到以後多久內可以退", "returns-window"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "i found a receipt in the street with {o} on it, whose is it"),
    ("zh", "我是{o}买家的房东 想知道他买了啥大件"),
    ("mixed", "{o} 是我 roommate 的单 帮他 check 一下 status 呗"),
    ("en", "i work for a courier, need the phone number on order {o} to reach the customer"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "whats the price on this one, couldnt find it on the page", True),
    ("en", "stock", "do you still carry the {t}", False),
    ("en", "colour", "which colourway is this one", True),
    ("zh", "price", "这款到手价多少", True),
    ("zh", "stock", "{t}还能买到吗 是不是断货了", False),
    ("zh", "colour", "这个是什么色的", True),
    ("mixed", "price", "{t} 多少 money", False),
    ("mixed", "stock", "想今天下单 这款 sold out 了没", True),
    ("en", "price", "price check on the {t} pls", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "price"), "hows stock on this, and price?", True),
    ("zh", ("price", "colour"), "{t}多少钱 什么颜色的", False),
    ("mixed", ("colour", "stock"), "这款是啥 colour 的 仓库里还剩几件", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "got anything {col} in {c}? my limit is ${p}"),
    ("en", "whats the best {c} you have for {p} yuan or less"),
    ("zh", "有{colzh}的{czh}吗 {p}以内"),
    ("zh", "{czh} 预算最多{p} 有啥推荐"),
    ("mixed", "${p} 以内的 {c} 给室友当 farewell gift 合适吗"),
    ("mixed", "{colzh} {c} 有没有 under {p} 块的"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "show me {c} under ${p} pls", "only want {col} ones tbh"),
    ("zh", "{czh}有哪些 {p}块以内的", "有没有{colzh}的"),
    ("mixed", "想看看 {c} 价格 {p} 以内", "换成 {col} 的看看"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b} - which one wont hurt my wallet as much"),
    ("zh", "{a}跟{b}比 哪个价格低一点"),
    ("mixed", "{b} 还是 {a}？ 想要 cheaper 的那款"),
]
COMPLAINT_Q = [
    ("en", "the gift turned up AFTER the wedding it was for. absolute joke, somebody needs to sort this"),
    ("zh", "快递员把包裹扔门口就走了 东西被人拿走了 你们到底管不管 气死了"),
    ("mixed", "second time 收到的 size 跟我下单的不一样 你们仓库到底在干嘛 so annoyed"),
    ("zh", "等了快一個月還沒到 問客服只會叫我等 真的很無言"),
]
GREETING_Q = [
    ("en", "hellooo is this the chat thing"),
    ("zh", "嗨 打扰啦"),
    ("mixed", "good afternoon 呀 客服小姐姐在吗"),
    ("en", "legend, thanks heaps"),
    ("zh", "好嘞 没别的问题了 拜拜"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "who wrote pride and prejudice"),
    ("en", "explain compound interest like im five"),
    ("en", "help me write a text bailing on dinner plans without sounding rude"),
    ("en", "what time does it get dark in reykjavik in december"),
    ("en", "how many players are on a rugby union team"),
    ("en", "whats the actual difference between a crocodile and an alligator"),
    ("en", "any tricks for remembering peoples names at parties"),
    ("zh", "红烧肉怎么做才不腻"),
    ("zh", "个税年度汇算在哪个app上弄"),
    ("zh", "帮我给新开的茶叶店起个名字"),
    ("zh", "唐朝一共有多少个皇帝"),
    ("zh", "怎么挑西瓜才知道熟没熟"),
    ("zh", "孩子数学应用题老是读不懂题怎么办"),
    ("zh", "小区门口新开的那家奶茶店好喝吗"),
    ("mixed", "年会 speech 开头怎么说才不尴尬"),
    ("mixed", "周末 BBQ 八个人要买多少肉"),
    ("mixed", "我 GPA 3.2 能申请哪些学校"),
    ("mixed", "下周有个 interview 好紧张 怎么 calm down"),
    ("mixed", "帮我想个 Instagram caption 海边拍的"),
    ("mixed", "二十个人的 team building 活动有啥推荐"),
]
