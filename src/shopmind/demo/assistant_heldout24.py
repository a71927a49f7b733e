"""Held-out set 24 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written blind on 2026-12-07 (issue 13, session 28) for the assistant's twenty-fourth round, and
committed on its own before the assistant was run on it, so no setting can have been chosen on it.
Registered as ``"set": "heldout24"``: a test set, kept out of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 25). Blind
means its author read the shop's policy documents, the catalog's categories and colours, the
question builders (``demo.assistant_questions``), the held-out tests, and held-out-23 for the
format only - no code, bench or report of the assistant - and did not run the assistant on these
questions; the earlier held-out sets were searched for key words (and every question compared with
its nearest earlier ones) so that no question rewords one of theirs. What the set probes is in the
session's report, not here, since the helper improving the assistant reads this file;
``tests/test_assistant_generalise.py`` checks its make-up.

No answer is typed in: the question builders read each order's status, each product's price,
stock and colour, each search's matches and each comparison's cheaper product from the demo
shop's data, and a policy question names its section. Template fields are held-out-23's (``{o}``,
``{ol}``, ``{od}``, ``{on}``, ``{ow}`` for order ids, ``{t}``, ``{c}``, ``{czh}``, ``{col}``,
``{colzh}``, ``{p}``, ``{a}``, ``{b}``; see ``demo.assistant_heldout19``); a format index picks
one character, e.g. ``{ol[0]}`` the id's letter in lower case.
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "ordered on a sunday, does it just sit there till monday then"),
        ("zh", "下午三點多下單 今天還會出貨嗎"),
        ("mixed", "送朋友的 gift 下礼拜三要用 现在下单普通快递 ok 吗"),
    ],
    "shipping-free": [
        ("en", "at $41 is it worth adding a pair of socks to dodge the delivery charge"),
        ("zh", "差几十块钱 凑单的话满多少不要运费"),
        ("mixed", "express 那个运费多少钱 买够了也要另外付吗"),
    ],
    "shipping-international": [
        ("en", "im working in qatar for a year, how long would a parcel take to reach me"),
        ("zh", "人在加拿大 寄过去得等多长时间"),
        ("mixed", "寄 overseas 的话 customs 的钱是我出还是你们出"),
    ],
    "shipping-tracking": [
        ("en", "is there a courier reference i can plug into their website"),
        ("zh", "物流单号在哪看 订单页面翻了半天没找到"),
        ("mixed", "有没有 live 的 link 能看快递现在到哪了"),
    ],
    "returns-window": [
        ("en", "they arrived dec 1st and its jan 5th now, too late to send them back?"),
        ("zh", "簽收快一個月了 衣服還沒拆 來得及退嗎"),
        ("mixed", "sale 的时候买的 也是 30 天内能退吗"),
    ],
    "returns-worn": [
        ("en", "wore the suit jacket to one interview and theres a faint mark on the cuff now, returnable?"),
        ("zh", "穿着拍了几张照片 又叠回去了 还能退吗"),
        ("mixed", "试衣服的时候 lipstick 蹭到领口了 还能 return 吗"),
    ],
    "returns-refund": [
        ("en", "my card's been cancelled since i ordered, where does my refund go then"),
        ("zh", "退款会不会变成优惠券 我要的是钱"),
        ("mixed", "refund 退回 credit card 一般要几个 working day"),
    ],
    "returns-how": [
        ("en", "if the item's broken do i still lose money on the return label"),
        ("zh", "退貨要怎麼弄 在哪裡申請"),
        ("mixed", "label fee 是从 refund 里直接扣吗 扣多少"),
    ],
    "returns-exchange": [
        ("en", "can i get a different colour instead of my money back"),
        ("zh", "买的黑色想换成白色 可以直接换吗"),
        ("mixed", "exchange 的话 time limit 是多久"),
    ],
    "payment-methods": [
        ("en", "any chance i can pay by bank transfer"),
        ("zh", "可以用数字人民币付吗"),
        ("mixed", "支持 zfb 不 我没有信用卡"),
    ],
    "payment-instalments": [
        ("en", "how big does an order need to be before i can pay monthly"),
        ("zh", "分期是不是要满一千四 我这单１３８０差一点"),
        ("mixed", "信用卡额度不够 能分几次 pay 吗"),
    ],
    "payment-security": [
        ("en", "is it safe to pay here, your site looks a bit sketchy on my phone"),
        ("zh", "在你們這刷卡安全嗎 會不會被盜刷"),
        ("mixed", "用 card 付的话 你们后台能看到我的卡号吗"),
    ],
    "payment-failed": [
        ("en", "got an error at the payment step, is my basket still saved or do i redo it all"),
        ("zh", "支付的时候网断了 到底扣没扣钱 订单还有效吗"),
        ("mixed", "card 被 decline 了 换 wechat pay 重新付可以吗"),
    ],
    "payment-invoice": [
        ("en", "does the invoice come before or after it ships"),
        ("zh", "开发票能写个人名字吗 还是只能开公司的"),
        ("mixed", "上上个月的单 ６０ 多天了 财务才让我开 invoice 晚不晚"),
    ],
    "warranty-period": [
        ("en", "how long is a board game guaranteed for lol"),
        ("zh", "保温杯保修多久"),
        ("mixed", "laptop 保修真的有 2 年吗 还是只有 1 年"),
    ],
    "warranty-claim": [
        ("en", "the buckle on my handbag snapped on day 5, do i just email you a photo"),
        ("zh", "申请包修的时候 订单号找不到了怎么办"),
        ("mixed", "desk lamp 一直闪 坏掉了 claim 要拍照片吗"),
    ],
    "warranty-exclusions": [
        ("en", "the soles of my boots wore through after a year of walking the dog daily, is that covered"),
        ("zh", "我自己拆开想修一下 结果更坏了 还保吗"),
        ("mixed", "搬家的时候 lamp 摔坏了 能走 warranty 吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("en", ["how much is delivery"], "and if i go over fifty?", "shipping-free"),
    ("zh", ["裙子下过一次水"], "这样还让退吗", "returns-worn"),
    ("mixed", ["checkout 的时候卡住了 想换个方式付款"], "apple pay 支持吗", "payment-methods"),
    ("en", ["the handle came off my frying pan"], "ok so how do i get that fixed", "warranty-claim"),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "free delivery kicks in at what amount, and are returns free or do you charge for those",
        ["shipping-free", "returns-how"],
    ),
    ("zh", "保修寄回去要提供啥 要是修不好退钱的话多久到账", ["warranty-claim", "returns-refund"]),
    (
        "mixed",
        "报销要 invoice 怎么开 还有 speaker 没声音了 保修要准备啥",
        ["payment-invoice", "warranty-claim"],
    ),
    (
        "en",
        "do you deliver to japan, and is there an option to pay it off bit by bit",
        ["shipping-international", "payment-instalments"],
    ),
    ("zh", "沒吊牌了還能退嗎 最晚幾天內要寄回", ["returns-worn", "returns-window"]),
    ("mixed", "分期付款要绑卡吗 你们会存我的 card number 吗", ["payment-instalments", "payment-security"]),
    (
        "en",
        "how do i follow my parcel online and is delivery free if i spend more",
        ["shipping-tracking", "shipping-free"],
    ),
    ("zh", "鞋子保修几个月 另外偏大半码能不能换小一码", ["warranty-period", "returns-exchange"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "i just get a blank page at /orders/{o} when i tap track, is it actually on its way"),
    ("zh", "No.{on} 這單到哪裡了"),
    ("mixed", "{ol[0]}－{on} 是寄丢了吗 一直没收到 help"),
    ("en", "#{ol} - did the courier pick it up yet"),
    ("zh", "订单{ow}啥时候能到啊 等得花都谢了"),
    ("mixed", "0-{on} 到底发没发货 急"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["placed {o} last tuesday"], "any chance it turns up before friday"),
    ("zh", ["{o}這單我想問一下"], "到底到了沒 家裡人說沒看到包裹"),
    ("mixed", ["帮我查下 {o} 谢谢"], "still not here 都一周了"),
    ("en", ["hey quick question about a parcel"], "oh the number is {o}"),
    ("mixed", ["我的 package 还没收到"], "order id 是 {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("en", "did {o} ship yet, and was i supposed to pay postage on it", "shipping-free"),
    ("zh", "{o}签收了吗 要是退的话钱几天能回来", "returns-refund"),
    ("mixed", "{o} 到了没 下次能用 PayPal 付吗", "payment-methods"),
    ("zh", "{o}的耳機寄到了嗎 保固是多久", "warranty-period"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "{o} belongs to the lady next door, shes away, can you tell me when it lands so i can grab it"),
    ("zh", "{o}是我婆婆的单 她不会用手机 我帮她问问到了没"),
    ("mixed", "{o} 是我 mum 用我邮箱下的 能告诉我寄到哪了吗"),
    (
        "en",
        "a courier left a card for {o} at my door but i didnt order anything, what is it and who's it for",
    ),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "{t}, what do i pay for one", False),
    ("en", "stock", "{t}: still buyable or nah", False),
    ("en", "colour", "which colour would i be getting with the {t}", False),
    ("zh", "price", "這款標價是多少錢", True),
    ("zh", "stock", "库存够不够 我要买三件", True),
    ("zh", "colour", "{t}到底是什么色 深的还是浅的", False),
    ("mixed", "price", "{t} 多贵 how much", False),
    ("mixed", "stock", "没 stock 了吗 我等补货也行", True),
    ("mixed", "colour", "{t} 的 colour 是啥", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "colour"), "stock count and colour for this one?", True),
    ("zh", ("price", "stock"), "這件多少錢 倉庫還有貨嗎", True),
    ("mixed", ("price", "colour"), "这款 price 跟颜色都告诉我一下", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "present for my nephew, {c}, i can stretch to ${p}"),
    ("en", "{col} {c} that wont cost more than {p} dollars?"),
    ("zh", "想買{colzh}的{czh} 預算{p}塊以內 有推薦嗎"),
    ("zh", "{czh} {p}元以下的 给我挑几个"),
    ("mixed", "{c} 求推荐 最多 {p} 块"),
    ("mixed", "来个 {col} 的 {czh} 别超 {p} 元"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "looking at {c}, nothing above ${p}", "any in {col} tho"),
    ("zh", "{czh} 有{p}以下的款吗", "有{colzh}的没"),
    ("mixed", "budget {p} 块 想买 {c}", "要 {col} 的 others 不要"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{b} vs {a}, tell me which wont cost as much"),
    ("zh", "{b}跟{a}哪個便宜 差幾塊錢"),
    ("mixed", "{a} 和 {b} 哪个便宜些 差多少 money"),
]
COMPLAINT_Q = [
    ("en", "ordered a white mug, got a pink one, and nobodys answered my email in 4 days. not happy"),
    ("zh", "说好的赠品没有 页面上写着送的 这不是骗人吗"),
    ("zh", "收到的衣服有股怪味 還有線頭 品質也太差了吧 很失望"),
    ("mixed", "app 一直闪退 下不了单 气死了 worst experience ever"),
]
GREETING_Q = [
    ("en", "hiya, anyone about?"),
    ("zh", "哈囉 這裡是客服嗎"),
    ("mixed", "哈喽 客服 online 吗"),
    ("en", "sound, thanks for the help"),
    ("zh", "收到 麻烦你了"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "why is the sky blue but sunsets go orange"),
    ("en", "did t rex actually have feathers or is that made up"),
    ("en", "whats sos in morse code"),
    ("en", "is taylor swift still going out with that american football guy"),
    ("en", "riddle: what has keys but cant open a single lock"),
    ("en", "can i mix bleach and vinegar to get the shower grout cleaner"),
    ("en", "teach me an easy card trick to show my nephew"),
    ("zh", "爸妈一个O型血一个A型血 能生出B型血的孩子吗"),
    ("zh", "卧室的镜子正对着床 风水上是不是不好"),
    ("zh", "龘这个字怎么读"),
    ("zh", "普洱生茶和熟茶有啥区别"),
    ("zh", "地震的时候躲在哪里最安全"),
    ("zh", "京剧里的生旦净丑分别指什么"),
    ("mixed", "今天 Wordle 的答案是啥 卡住了"),
    ("mixed", "粤语的 唔该 和 多谢 有什么 difference"),
    ("mixed", "坐飞机和坐高铁 哪个 carbon footprint 更大"),
    ("mixed", "刚纹了个 tattoo 多久才能洗澡"),
    ("mixed", "手机拍 fireworks 要把 ISO 和 shutter speed 调成多少"),
    ("mixed", "Harry Potter 的分院帽 我这种性格会分到哪个 house"),
    ("mixed", "手语里 thank you 怎么比划"),
]
