"""Held-out set 23 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-06 (issue 13, session 27) for the assistant's twenty-third round, and
committed on its own before the assistant was run on it, so no setting can have been chosen on it.
Registered as ``"set": "heldout23"``: a test set, kept out of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 24). Blind
means its author read the shop's policy documents, the catalog's categories and colours, the
question builders (``demo.assistant_questions``), the held-out tests, and held-out-22 for the
format only - no code, bench or report of the assistant - and did not run the assistant on these
questions; the earlier held-out sets were searched for key words (and every template compared with
theirs) so that no question rewords one of theirs. What the set probes is in the session's report,
not here, since the helper improving the assistant reads this file;
``tests/test_assistant_generalise.py`` checks its make-up.

No answer is typed in: the question builders read each order's status, each product's price,
stock and colour, each search's matches and each comparison's cheaper product from the demo
shop's data, and a policy question names its section. Template fields are held-out-22's (``{o}``,
``{ol}``, ``{od}``, ``{on}``, ``{ow}`` for order ids, ``{t}``, ``{c}``, ``{czh}``, ``{col}``,
``{colzh}``, ``{p}``, ``{a}``, ``{b}``; see ``demo.assistant_heldout19``); a format index picks
one character, e.g. ``{ol[0]}`` the id's letter in lower case.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "whats quicker than standard and by how many days"),
        ("zh", "平邮一般几个工作日能到 着急用"),
        ("mixed", "加急是不是 1-2 天就到 周末算在里面吗"),
    ],
    "shipping-free": [
        ("en", "is there a minimum i gotta hit so the postage is on you guys"),
        ("zh", "就买一支口红 运费要多少 有没有包邮"),
        ("mixed", "运费 fee 是固定的吗 standard 和 express 一样价吗"),
    ],
    "shipping-international": [
        ("en", "im in norway, will i get hit with import charges if i order from you"),
        ("zh", "海外地址能下单吗 一共支持几个国家"),
        ("mixed", "能帮我寄到 Singapore 吗 还是只发国内"),
    ],
    "shipping-tracking": [
        ("en", "do i get a tracking number for my stuff or do i just wait and hope"),
        ("zh", "出貨之後要去哪裡追蹤包裹"),
        ("mixed", "快递 tracking 信息是发短信还是发 email"),
    ],
    "returns-window": [
        (
            "en",
            "bought boots for a wedding, its been about a month since they came. still returnable if i never wore them",
        ),
        ("zh", "国庆节那会儿签收的鞋 没穿过 现在还退得了吗"),
        ("mixed", "dress 吊牌还挂着 放了三个多星期了 还在 return 期内吗"),
    ],
    "returns-worn": [
        ("en", "my daughter took the tags off the coat and then decided she hates it, can it go back"),
        ("zh", "穿着出门一次 沾了点香水味 还能退货吗"),
        ("mixed", "hoodie 穿去 gym 一次 有汗味了 能退吗"),
    ],
    "returns-refund": [
        ("en", "paid with my mums card as a gift, does the refund go back to her card or to me"),
        ("zh", "退货寄出去一周了 钱怎么还没退回来"),
        ("mixed", "仓库 receive 了我的退货 钱要等多久"),
    ],
    "returns-how": [
        ("en", "sending back a jacket that just didnt suit me, do i pay for the label"),
        ("zh", "不是品質問題的退貨 運費要自己出嗎"),
        ("mixed", "return 要在哪里发起 app 里找不到入口"),
    ],
    "returns-exchange": [
        ("en", "got a medium jumper, fits like a small lol. exchange for a large?"),
        ("zh", "换货有期限吗 收到二十多天了还能换吗"),
        ("mixed", "想 swap 成 M 码 要加钱吗"),
    ],
    "payment-methods": [
        ("en", "can i pay cash when it arrives or is it card only"),
        ("zh", "你們收美國運通卡嗎"),
        ("mixed", "checkout 页面支持 WeChat Pay 吗 找不到这个选项"),
    ],
    "payment-instalments": [
        ("en", "is there 0% finance on bigger orders, like over a certain amount"),
        ("zh", "分期要手续费吗 最低多少钱才能分"),
        ("mixed", "instalment 有没有利息 最多能分几期"),
    ],
    "payment-security": [
        ("en", "is your checkout legit secure or should i use a virtual card"),
        ("zh", "银行卡绑在账号里 万一被黑了怎么办"),
        ("mixed", "输了 CVV 会被你们记下来吗 有点担心"),
    ],
    "payment-failed": [
        ("en", "bank declined it twice, do i lose whats in my order or can i try another card"),
        ("zh", "刷卡一直顯示失敗 東西還會幫我留著嗎"),
        ("mixed", "支付宝扣款失败 order 还能保留多久"),
    ],
    "payment-invoice": [
        ("en", "is the receipt in the box or do i get it by email"),
        ("zh", "３月份买的东西 现在还能补开公司发票吗"),
        ("mixed", "报销需要 company invoice 下单后多久内可以申请"),
    ],
    "warranty-period": [
        ("en", "is the guarantee on gadgets longer than on, say, a duvet cover"),
        ("zh", "蓝牙耳机买了１４个月了 还在保修期内吗"),
        ("mixed", "dumbbells 有没有 warranty 保多久"),
    ],
    "warranty-claim": [
        ("en", "one of the plates in my dumbbell set cracked on day 10, how do i put in a claim"),
        ("zh", "电水壶不加热了 是换新还是维修 要提供订单号吗"),
        ("mixed", "running shoes 才穿两个月就开胶了 保修怎么申请"),
    ],
    "warranty-exclusions": [
        ("en", "sat on my headphones by accident and the band snapped, warranty job?"),
        ("zh", "面霜用了几次 开封了还在保修范围里吗"),
        ("mixed", "tent 被狗咬破了 warranty 管不管"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["my cousin lives in mexico, can i send her something from your shop"],
        "whats the wait like for that",
        "shipping-international",
    ),
    ("zh", ["我想退一件外套"], "钱多久能回到卡里", "returns-refund"),
    ("mixed", ["我的 earbuds 左边没声音了"], "买了快一年了 还在 warranty 里吗", "warranty-period"),
    ("en", ["do you do invoices"], "and whats the cutoff for a business one", "payment-invoice"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "if you send it overseas can i still track it, and how many days to get to brazil",
        ["shipping-international", "shipping-tracking"],
    ),
    ("zh", "退货最晚可以拖到哪天 退了钱回哪里", ["returns-window", "returns-refund"]),
    ("mixed", "笔记本 warranty 保几年 咖啡洒进去了算不算", ["warranty-period", "warranty-exclusions"]),
    (
        "en",
        "card got declined, what happens to my order now, and do you even keep my card details",
        ["payment-failed", "payment-security"],
    ),
    ("zh", "摔坏了保修管不管 不管的话还能退吗", ["warranty-exclusions", "returns-worn"]),
    (
        "en",
        "can i use unionpay here and if i pick standard when will it turn up",
        ["payment-methods", "shipping-times"],
    ),
    ("zh", "满多少免邮 贵一点的能分期吗", ["shipping-free", "payment-instalments"]),
    ("mixed", "exchange 要运费吗 换的货几天能寄到", ["returns-exchange", "shipping-times"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "yo any news on {ol}?? been over a week lol"),
    ("zh", "訂單{ow}寄出來了沒 等好久了"),
    ("mixed", "0{on} 到货了吗 my mum is waiting for it"),
    ("zh", "单号 {on} 现在到哪儿了 快递一直没打电话"),
    ("en", "order {ol[0]}-{on} still says processing on my end, whats going on"),
    ("mixed", "#{o} 能 check 一下到哪了吗 thx"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["{o} is a birthday present for my sister"], "so has it actually been sent or not"),
    ("zh", ["这单{o}你帮我盯一下"], "还在路上吗 今天能到不"),
    ("mixed", ["{o} 这单帮我看看"], "是不是还没 ship 出去"),
    ("en", ["need to check on a delivery"], "found the confirmation, it says {o}"),
    ("zh", ["我的包裹一直没更新"], "單號是{o} 幫忙看看"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "is {o} still sitting in your warehouse? if it doesnt fit whats the return fee", "returns-how"),
    ("zh", "{o}发货了没 这单能不能改成分期付", "payment-instalments"),
    ("mixed", "{o} 咋还没到 我选的 express 不是说很快吗", "shipping-times"),
    ("zh", "{o}這台音箱收到了嗎 不小心摔到了還能保修嗎", "warranty-exclusions"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "can you tell me what was in {o}? my ex ordered it to our old flat"),
    ("zh", "{o}是我们公司同事订的 我帮他看看啥时候到"),
    ("mixed", "我是 {o} 收件人的室友 能告诉我 delivery 时间吗"),
    ("en", "{o} was ordered by my flatmate, she asked me to check if its been delivered"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "what am i paying for this one", True),
    ("en", "stock", "{t} stock check pls", False),
    ("en", "colour", "{t}: whats the colour name on the tag", False),
    ("zh", "price", "這件現在什麼價錢", True),
    ("zh", "stock", "{t} 卖完了没", False),
    ("zh", "colour", "宝贝颜色是哪种", True),
    ("mixed", "price", "这款 price 标的是多少 页面刷不出来", True),
    ("mixed", "stock", "{t} 库存还有没有 想 buy 两件", False),
    ("mixed", "colour", "this one 是什么颜色", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("price", "stock"), "{t} - cost + how many in stock", False),
    ("zh", ("colour", "price"), "这件是啥色 现在卖几块钱", True),
    ("mixed", ("stock", "colour"), "{t} 还有货吗 colour 是哪个", False),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "got ${p} to spend on {c}, what would you pick"),
    ("en", "bday gift for my mums 60th, thinking {col} {c}, no more than {p} dollars"),
    ("zh", "{czh}送人用 {p}以内有啥拿得出手的"),
    ("zh", "男朋友生日 想送{colzh}的{czh} 最多花{p}元"),
    ("mixed", "学生党 求个便宜的 {c} 不要超过 {p} rmb"),
    ("mixed", "想要一个 {c} 颜色{colzh} 价位 {p} 以下"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} please, ${p} is my absolute max", "can you filter that to {col}"),
    ("zh", "种草了{czh} 预算卡在{p} 有合适的吗", "有没有{colzh}款 我只穿这个色"),
    ("mixed", "{c} 有没有平价的 {p} 块以下那种", "只要 {col} 别的颜色 pass"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "is {b} cheaper than {a}? or the other way round"),
    ("zh", "{a}比{b}贵多少"),
    ("mixed", "{b} 跟 {a} 选哪个省钱"),
]
COMPLAINT_Q = [
    ("en", "third time my order shows up with something missing. seriously fed up"),
    ("zh", "收到的杯子碎了 找客服三天没人理 太过分了"),
    ("zh", "你們的快遞員把包裹丟在門口就走了 還被偷了 我要投訴"),
    ("mixed", "客服 bot 回答的完全不对 waste of time 我要找真人"),
]
GREETING_Q = [
    ("en", "hellooo, real person or bot?"),
    ("zh", "你好 我想咨询点事情"),
    ("mixed", "嗨 morning 有人值班吗"),
    ("en", "brill, you've been a star"),
    ("zh", "懂了 多谢啦"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "how many cups are in a litre"),
    ("en", "how do i tell if a melon is ripe"),
    ("en", "is pluto a planet again or not"),
    ("en", "how do you work out the area of a circle"),
    ("en", "whats a good stretch for lower back pain"),
    ("en", "how long do i boil an egg for a runny yolk"),
    ("en", "how many bones are in the human body"),
    ("zh", "朋友结婚 随份子一般给多少"),
    ("zh", "护照快过期了 在哪里办换发"),
    ("zh", "医保卡丢了怎么补办"),
    ("zh", "新疆自驾游路线怎么安排比较好"),
    ("zh", "感冒了喝姜汤有用吗"),
    ("zh", "在家怎么自己做酸奶"),
    ("mixed", "G1234 这趟 train 今天 delay 了吗"),
    ("mixed", "有什么 app 可以记账 推荐一下"),
    ("mixed", "年终总结 怎么写才不像流水账 give me some tips"),
    ("mixed", "英文 email 结尾 best regards 和 kind regards 有区别吗"),
    ("mixed", "冬至为什么北方吃饺子 南方吃汤圆 any reason"),
    ("mixed", "二手车 mileage 多少算正常"),
    ("mixed", "孩子的 science project 想做火山喷发 要准备啥"),
]
