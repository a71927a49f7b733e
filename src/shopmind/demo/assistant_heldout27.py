"""Held-out set 27 of the demo's labelled assistant questions: data only, filled by ``demo.assistant``.

Written blind on 2026-12-07 in session 31, for round 27 of the assistant (issue 13), and committed
alone before the assistant answered any of it. Its set name is ``"heldout27"``; it is a test set,
not one of ``evaluate.LABELLED_SETS`` until its one held-out run (a dev set since round 28). Its author read the policy documents, the catalog's leaves
and colours, the question builders, the held-out tests and held-out-26 (for the layout), and none
of the assistant's code, benches, results or reports. Each text was set beside the closest texts of
the earlier sets and the main set (word overlap and character trigrams) and rewritten where the two
came near; ``tests/assistant_sets_util.py``'s checks hold. The kinds of difficulty it probes are
in the session's helper report, not here; ``tests/test_assistant_generalise.py`` checks the make-up.

No fact is written in by hand: ``demo.assistant_questions`` reads each order's status, each
product's price, stock and colour, each search's matching products and the cheaper of two products
from the shop, and each policy question names the section that answers it. Template fields as in
held-out-26 (listed in ``demo.assistant_heldout19``); ``{on[3]}`` and the like pick one character
of a field (here the fourth digit of the id).
"""

from __future__ import annotations

#: the id's seven digits in full width, one format index each (the demo's ids are a letter and seven digits)
_WIDE_DIGITS = "".join(f"{{ow[{i}]}}" for i in range(1, 8))
#: the id's last four digits, one format index each
_LAST_FOUR = "{on[3]}{on[4]}{on[5]}{on[6]}"

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i put the order in tonight around 9pm when would it actually leave ur warehouse"),
        ("zh", "加急的話大概幾天能到 下週二就要用了"),
        ("mixed", "下午四点以后才付款 还赶得上 same day 发出吗"),
    ],
    "shipping-free": [
        ("en", "my basket is only $20, will i get stung for postage"),
        ("zh", "包油门槛是多少 我这单还差一点点"),
        ("mixed", "选 express 的话要另外加多少钱"),
    ],
    "shipping-international": [
        ("en", "is shipping to ireland a thing, and roughly how long would it take to get there"),
        ("zh", "日本那邊能收到你們的包裹嗎 要多久"),
        ("mixed", "寄去 UK 的话 customs 那边要交钱吗 谁来付"),
    ],
    "shipping-tracking": [
        ("en", "never got sent a tracking code, is there somewhere on ur site to see where my stuff is"),
        ("zh", "有没有能实时看包裹位置的链接 发我一下"),
        ("mixed", "tracking number 是发 email 还是发 SMS 给我"),
    ],
    "returns-window": [
        ("en", "recieved my duvet cover on the 2nd of last month, is it too late to send it back now"),
        ("zh", "上個月月初買的毛衣 現在退還來得及嗎"),
        ("mixed", "kettle 到手十来天了 现在 return 还 OK 吗"),
    ],
    "returns-worn": [
        ("en", "wore the sandals round the house for an afternoon and they rub, can they go back"),
        ("zh", "外套穿着去吃了顿火锅 一身味 还能退吗"),
        ("mixed", "狗狗把 sneakers 咬了一口 还能 return 吗"),
    ],
    "returns-refund": [
        ("en", "refund still isnt on my card statment, how many working days is it meant to take"),
        ("zh", "你們倉庫簽收我的退貨已經５天了 退款還沒到"),
        ("mixed", "refund 会原路退回支付宝吗 还是要等 bank 处理"),
    ],
    "returns-how": [
        ("en", "where on the site do i kick off sending something back"),
        ("zh", "退貨的話 你們會從退款裡扣錢嗎 扣多少"),
        ("mixed", "寄回去的时候 box 要用原来的吗 label 去哪里拿"),
    ],
    "returns-exchange": [
        ("en", "the medium came up tiny, can i get the large instead without paying twice"),
        ("zh", "收到发现跟图片色差好大 想换个色 免费吗"),
        ("mixed", "换 size 大概要多久 新的那件会先 ship 出来吗"),
    ],
    "payment-methods": [
        ("en", "do u guys take apple pay or google pay"),
        ("zh", "用云闪付扫码可以吗"),
        ("mixed", "香港的 AlipayHK 钱包能 checkout 吗"),
    ],
    "payment-instalments": [
        ("en", "do you do that pay-in-3 thing on bigger baskets, mines about $250"),
        ("zh", "１５００元的東西可以分期嗎 會不會多收利息"),
        ("mixed", "有没有 buy now pay later 这种 可以先收货后付"),
    ],
    "payment-security": [
        ("en", "how do i know my card wont get skimmed if i buy from you"),
        ("zh", "上次付款用的卡 你们系统里是不是一直留着"),
        ("mixed", "网站有 SSL 吗 输 card number 安全不"),
    ],
    "payment-failed": [
        ("en", "paypal said payment unsuccessful, is my order gone now or held somewhere"),
        ("zh", "付款页面卡住了然后报错 钱被扣了没"),
        ("mixed", "页面显示 payment error 但是 bank 发短信说扣款成功 怎么回事"),
    ],
    "payment-invoice": [
        ("en", "work will only reimburse me with a proper vat invoice, do you issue those"),
        ("zh", "發票要開公司抬頭的話 買了以後多久內要申請"),
        ("mixed", "e-invoice 什么时候发 是下单后还是 ship 以后"),
    ],
    "warranty-period": [
        ("en", "how long r electronics guarenteed for compared to everything else"),
        ("zh", "吹風機的保固是一年還是兩年"),
        ("mixed", "gaming mouse 属于 electronics 吧 那 warranty 是两年吗"),
    ],
    "warranty-claim": [
        ("en", "zip on the backpack broke after a month, what do you need from me to sort a replacement"),
        ("zh", "吹风机突然冒烟了 买了半年 要怎么报修"),
        ("mixed", "order number 和照片都发过去了 warranty 这边下一步是啥"),
    ],
    "warranty-exclusions": [
        (
            "en",
            "left my hair straightener on the radiator and part of it melted, would the guarantee cover that",
        ),
        ("zh", "用了非原装的充电线 机器开不了机了 保修管吗"),
        ("mixed", "sunscreen 开封了 用着过敏 能走 warranty 吗"),
    ],
}
#: a policy question that only makes sense after the turn(s) before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["is the bluetooth speaker ok to take in the shower", "cool thanks"],
        "and if it packs in how long am i covered for",
        "warranty-period",
    ),
    ("zh", ["你好", "有件大衣不合适退掉了", "快递显示仓库已签收"], "然后呢 我的钱要等几天", "returns-refund"),
    ("mixed", ["下单的时候 card 被拒了"], "那这个 order 还在吗 要多久内重新 pay", "payment-failed"),
    (
        "en",
        ["thinking about sending some stuff back"],
        "what if its broken when it arrives, is sending it back still at my cost",
        "returns-how",
    ),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "its been about 6 weeks so prob too late to return the blender, but can i claim on the warranty and how",
        ["returns-window", "warranty-claim"],
    ),
    ("zh", "电动牙刷保修多久 另外拆封用过了还能退吗", ["warranty-period", "returns-worn"]),
    ("mixed", "return 的运费要扣多少 还有 earbuds 保修几个月", ["returns-how", "warranty-period"]),
    (
        "en",
        "accidental damage isnt covered right? and can i still swap my jumper for a bigger size",
        ["warranty-exclusions", "returns-exchange"],
    ),
    ("zh", "簽收超過三十天還能退嗎 另外自己摔壞的保修管不管", ["returns-window", "warranty-exclusions"]),
    (
        "en",
        "wheres the tracking link usually sent, and is there a way to pay off a big order in chunks",
        ["shipping-tracking", "payment-instalments"],
    ),
    ("zh", "付款失败了订单会保留多久 顺便问下满多少包邮", ["payment-failed", "shipping-free"]),
    (
        "mixed",
        "寄到 Singapore 要几天 如果退货的话 refund 多久能到账",
        ["shipping-international", "returns-refund"],
    ),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "whats happening with {o[0]}-{on[0]}{on[1]}{on[2]}-" + _LAST_FOUR + "? been waiting a while now"),
    ("zh", "後四碼" + _LAST_FOUR + "那筆 寄出來了沒"),
    ("mixed", "{o[0]} {on[0]}{on[1]}{on[2]} " + _LAST_FOUR + " 这单 tracking 有更新吗"),
    ("zh", "ｏ" + _WIDE_DIGITS + " 麻烦查下 啥时候能送到"),
    (
        "en",
        "{o[0]}{on[0]}{on[1]}{on[2]}{on[3]}{on[4]}{on[5]} wait thats missing a digit, its {o}. where is it",
    ),
    ("mixed", "{o} 物流 status 呢 在线等 急"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    (
        "en",
        ["hey its about {o}", "bought it for my nephews birthday", "party is on the 14th"],
        "will it be here in time or not",
    ),
    ("zh", ["我這邊有筆訂單{o}"], "可以幫我催一下嗎 等好久了"),
    ("mixed", ["{o} 是送给我 girlfriend 的"], "她天天催我 问 shipped 没"),
    (
        "en",
        ["whats the usual wait on normal shipping"],
        "ok well mine is {o} and its been a week, whats the holdup",
    ),
    ("zh", ["在吗", "看下我买的东西发了没"], "{o}这个"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    (
        "en",
        "{o} - shipped yet? also do you send a tracking link or is it a guessing game",
        "shipping-tracking",
    ),
    ("zh", "{o}送到了沒 拿到手以後退貨有幾天期限", "returns-window"),
    (
        "mixed",
        "{o} 付款的时候 error 了一下 这单到底成功没 没成功的话会保留多久",
        "payment-failed",
    ),
    ("zh", "{o}到了吗 顺便问下台灯能保多久", "warranty-period"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "checking on {o} for my mum, she doesnt do computers, is it out for delivery"),
    ("zh", "{o}是我們部門團購的 我負責收貨 幫我看看到哪了"),
    ("mixed", "{o} 这单 buyer 是我表姐 她让我 follow up 一下"),
    ("en", "im the nanny, the family asked me to look out for {o}, has it been sent yet"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "hows much the {t}", False),
    ("en", "stock", "is this available to order rn", True),
    ("en", "colour", "{t} - what colour would you call it, the pics look washed out", False),
    ("zh", "price", "這個多少錢啊 有沒有優惠", True),
    ("zh", "stock", "{t}現在還買得到嗎", False),
    ("zh", "colour", "亲 这款到底是啥色 屏幕上看着发灰", True),
    ("mixed", "price", "{t} 目前 price 是几块钱", False),
    ("mixed", "stock", "这个是不是断货了 add to cart 按不了", True),
    ("mixed", "colour", "{t} 颜色是哪个 shade 图上看不太出来", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("stock", "price"), "{t}: price and how many are left please", False),
    ("zh", ("colour", "price"), "顏色是哪種 另外要幾塊錢", True),
    ("mixed", ("price", "stock"), "quote 一下这款 单价 + 剩余库存", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "after a {col} {c}, budget is ${p} max, what have you got"),
    ("en", "{c} under {p} yuan pls"),
    ("zh", "找{colzh}的{czh} 最多花{p} 幫我挑幾個"),
    ("zh", "{czh}哪款性价比高 别超过{p}元"),
    ("mixed", "{c} 要 {colzh} 的 价钱别超 {p}"),
    ("mixed", "{c} 给点 suggestion 吧 {p} 以内"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "{c} for ${p} or under - what are my options", "{col} would be ideal tbh"),
    ("zh", "{czh}想入手 价位{p}以内 来几个推荐", "有{colzh}的吗"),
    ("mixed", "{c} 想要便宜点的 {p} 以内 show me", "{colzh} 的有几款"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} and {b} - which of these two would save me more money"),
    ("zh", "{a}同{b} 邊個平啲 差幾多錢"),
    ("mixed", "{b} vs {a} 价格对比一下 我选便宜的"),
]
COMPLAINT_Q = [
    ("en", "been 3 weeks, still no parcel, my emails go unanswered, honestly shocking"),
    ("zh", "等了半個月 東西沒到 客服也不回 你們是不是跑路了"),
    ("mixed", "收到的 dress 上面有个大洞 quality 太差了 很生气"),
    ("en", "third parcel in a row turned up late, starting to think you just dont care"),
]
GREETING_Q = [
    ("en", "yo anyone about"),
    ("zh", "哈囉～有真人嗎"),
    ("mixed", "hi 你好 可以用中文聊吗"),
    ("en", "brill, thats me sorted, ta"),
    ("zh", "懂啦 谢谢亲 下次再来"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "the airline cancelled my flight, am i owed a refund or just a voucher"),
    ("en", "my amazon parcel says delivered but its not here, who do i contact"),
    ("en", "what should i name my new sourdough starter"),
    ("en", "is a 0% interest credit card a good idea for paying off debt"),
    ("en", "how many hours of sleep does a teenager actually need"),
    ("en", "how do i stop my glasses fogging up when i wear a scarf"),
    ("en", "whats the return on investment for solar panels roughly"),
    ("zh", "火车票退票手续费怎么算"),
    ("zh", "车贷分期几年最划算"),
    ("zh", "给我出几道小学三年级的数学题"),
    ("zh", "猫咪一直掉毛正常吗"),
    ("zh", "公积金怎么提取出来"),
    ("zh", "明天北京限行尾号是几"),
    ("mixed", "Uber Eats 的 order 送错了 怎么 refund"),
    ("mixed", "Excel 里 VLOOKUP 怎么用"),
    ("mixed", "给我推荐几本适合入门的 sci-fi 小说"),
    ("mixed", "iPad 上怎么 split screen"),
    ("mixed", "Spotify premium 学生价怎么申请"),
    ("mixed", "装修的 warranty 一般几年 找施工队要注意啥"),
    ("mixed", "marathon 前一天该吃什么"),
]
