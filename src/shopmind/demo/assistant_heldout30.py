"""Held-out set 30 of the demo's labelled assistant questions: data only, filled by ``demo.assistant``.

Written blind on 2026-12-07 in session 34, for round 30 of the assistant (issue 13), and committed
alone before the assistant answered any of it. Its set name is ``"heldout30"``; it is a test set,
not one of ``evaluate.LABELLED_SETS``. Its author read the policy documents, the catalog's leaves
and colours, the question builders, the held-out tests, the seed generator's utterance lists and
held-out-29 (for the layout), and none of the assistant's code, benches, results or reports. Each
text was set beside the closest texts of the earlier sets, the main set and the seed (word overlap
and character trigrams) and rewritten where the two came near; ``tests/assistant_sets_util.py``'s
checks hold. The kinds of difficulty it probes are in the session's helper report, not here;
``tests/test_assistant_generalise.py`` checks the make-up.

No fact is written in by hand: ``demo.assistant_questions`` reads each order's status, each
product's price, stock and colour, each search's matching products and the cheaper of two products
from the shop, and each policy question names the section that answers it. Template fields as in
held-out-29 (listed in ``demo.assistant_heldout19``); ``{on[3]}`` and ``{ow[1]}`` pick one character
of a field (here the fourth digit of the id, and the id's first digit in full width).
"""

from __future__ import annotations

#: the id's last four digits, one format index each
_LAST_FOUR = "{on[3]}{on[4]}{on[5]}{on[6]}"
#: the id's seven digits in full width, a space after the third (one format index a character)
_WIDE_DIGITS_SPLIT = "{ow[1]}{ow[2]}{ow[3]} {ow[4]}{ow[5]}{ow[6]}{ow[7]}"

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "paying at like 10pm, does that still go out today or tomorrow"),
        ("zh", "下午四點以後才下單 是不是要隔天才出貨"),
        ("mixed", "express 跟普通的差几天 周五前要用"),
    ],
    "shipping-free": [
        ("en", "whats the spend threshold so i dont get hit with postage"),
        ("zh", "满多少免运费啊 差一点点的话运费收几块"),
        ("mixed", "就买一件 $30 的 T-shirt 邮费要另外付多少"),
    ],
    "shipping-international": [
        ("en", "any chance you deliver to south africa"),
        ("zh", "寄到香港要多久 關稅要我自己付嗎"),
        ("mixed", "海外 shipping 支持哪些国家 Netherlands 可以吗"),
    ],
    "shipping-tracking": [
        ("en", "do i get a code to follow the parcel on the delivery company's page"),
        ("zh", "快递单号去哪里看 邮箱里翻遍了没有"),
        ("mixed", "寄出去以后去哪看 tracking 信息 页面上没看到"),
    ],
    "returns-window": [
        (
            "en",
            "got boots for my son and he hates them, its day 25 since they came, can we still send them back",
        ),
        ("zh", "簽收已經超過一個月了 還能退貨嗎"),
        ("mixed", "收到货多少天内可以 return 怕过期"),
    ],
    "returns-worn": [
        ("en", "had the dress on for one evening out, is a return still possible"),
        ("zh", "衣服洗过一次就起球了 这样还给退吗"),
        ("mixed", "tag 被我剪了 但一次没穿过 还能退不"),
    ],
    "returns-refund": [
        ("en", "how many working days till the refund hits my paypal once youve got the parcel back"),
        ("zh", "退回去的東西你們收到了 錢多久會回到我卡上"),
        ("mixed", "refund 是原路退回 payment 账户 还是给 store credit"),
    ],
    "returns-how": [
        ("en", "how do i actually start a return, cant see a button for it anywhere"),
        ("zh", "不是质量问题的退货 寄回来的运费要我出吗"),
        ("mixed", "寄回去要贴的 prepaid 单子 一定得打印出来吗 我没 printer"),
    ],
    "returns-exchange": [
        ("en", "the medium is too tight, is it a straight swap to a large or a whole new order"),
        ("zh", "鞋子买了３８码有点挤 能换成３９的吗 运费谁出"),
        ("mixed", "想 exchange 成另一个颜色 收不收钱"),
    ],
    "payment-methods": [
        ("en", "is google pay an option at checkout"),
        ("zh", "結帳能不能走微信 還是只能用卡"),
        ("mixed", "没有信用卡 用 PayPal 余额付行不行"),
    ],
    "payment-instalments": [
        ("en", "laptops a bit pricey, is there an interest free plan to pay it bit by bit"),
        ("zh", "分期付款有门槛吗 买一千块的东西能分吗"),
        ("mixed", "0 利息分期的 minimum 是多少"),
    ],
    "payment-security": [
        ("en", "how do you protect card numbers, im worried after all these breaches in the news"),
        ("zh", "在網站刷卡安不安全 卡的資料會被留下來嗎"),
        ("mixed", "网站付款靠谱吗 怕 credit card 被盗刷"),
    ],
    "payment-failed": [
        ("en", "banking app says pending but your site says payment failed, what happens now"),
        ("zh", "一直付不了款 过一阵子单子会自动没掉吗"),
        ("mixed", "Visa 被 decline 了 换张卡还来得及吗 订单还在不在"),
    ],
    "payment-invoice": [
        ("en", "need a proper invoice made out to my employer for expenses, doable?"),
        ("zh", "發票什麼時候會寄給我"),
        ("mixed", "三个月前买的东西 现在还能补开 company invoice 吗"),
    ],
    "warranty-period": [
        ("en", "whats the guarantee length on speakers"),
        ("zh", "这盏台灯算起来用了１３个月 保修过了没"),
        ("mixed", "给老爸买的 headphones 保修 cover 多少个月"),
    ],
    "warranty-claim": [
        ("en", "backpack strap tore at the seam after a few weeks, how do i claim a repair"),
        ("zh", "藍牙音箱充不進電了 要怎麼申請維修"),
        ("mixed", "keyboard 有几个键失灵了 claim 保修要拍照片吗"),
    ],
    "warranty-exclusions": [
        (
            "en",
            "knocked my speaker off the balcony, is accidental damage like that included in the guarantee",
        ),
        ("zh", "口红开封用了几次就断了 这个算不算保修"),
        ("mixed", "手机屏幕 crack 了 是我自己摔的 能走 warranty 吗"),
    ],
}
#: a policy question that only makes sense after the turn(s) before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    (
        "en",
        ["ordered some trainers for my daughter"],
        "if they turn out too small how long have we got to send them back",
        "returns-window",
    ),
    ("zh", ["我剛剛結帳失敗了"], "那訂單會幫我留著嗎", "payment-failed"),
    ("mixed", ["order 昨天显示 shipped 了"], "那我去哪追踪 有 link 吗", "shipping-tracking"),
    (
        "en",
        ["my wireless earbuds from you stopped charging", "had them about 14 months"],
        "is that still under guarantee",
        "warranty-period",
    ),
]
#: two policy asks in one message: (language, text, [section, section]); a correct answer cites
#: both. The intent label is that of the first section; three pairs cross two intents.
TWO_SECTION_Q = [
    (
        "en",
        "ordering this morning - when does it get dispatched and will you send me something to follow the parcel",
        ["shipping-times", "shipping-tracking"],
    ),
    ("zh", "付款收不收美國運通 另外公司發票怎麼申請", ["payment-methods", "payment-invoice"]),
    ("mixed", "退货寄回去以后 refund 几天到账 label 的钱会扣吗", ["returns-refund", "returns-how"]),
    (
        "en",
        "my phone case cracked all by itself, can i claim for it or do you count that as wear and tear",
        ["warranty-claim", "warranty-exclusions"],
    ),
    ("zh", "卡的信息你们会保存吗 刚才付款失败了 订单还在不在", ["payment-security", "payment-failed"]),
    (
        "en",
        "do you ship to canada, and can i pay with paypal from over there",
        ["shipping-international", "payment-methods"],
    ),
    ("mixed", "满多少 free shipping 另外退货的话 label 收费吗", ["shipping-free", "returns-how"]),
    ("zh", "买一千五的东西能分期吗 到了不合适可以换尺码吗", ["payment-instalments", "returns-exchange"]),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    ("en", "hey any news on {ol[0]} {on}? its been 8 days"),
    ("zh", "單號：{on} 東西到哪裡了"),
    ("mixed", "我的 order 号 " + _WIDE_DIGITS_SPLIT + " 还没发货吗"),
    ("zh", "单号最后四位是" + _LAST_FOUR + " 帮忙查下到哪了"),
    ("zh", "請問「{o}」這張單出貨了沒"),
    ("en", "order {o}?? ordered 2 weeks ago still nothing"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("mixed", ["{o} 这单送到哪一步了", "顺便问下 那个 kettle 有没有白色的"], "那 order 呢 今天能到不"),
    ("en", ["could you pull up {o}"], "so when is it actually turning up"),
    ("zh", ["幫我盯一下{o}"], "怎麼到現在還沒動靜"),
    (
        "en",
        ["honestly your deliveries have been a nightmare lately"],
        "anyway {o} - is that one at least on its way",
    ),
    ("zh", ["客服在吗", "之前买的杯子很好用"], "对了 {o}那单能查到物流吗"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    (
        "en",
        "{o} still hasnt shown up and i never got a tracking link either, where do i find it",
        "shipping-tracking",
    ),
    ("zh", "如果尺碼不合適能換嗎 另外{o}寄到哪了", "returns-exchange"),
    ("mixed", "下次想用 PayPal 付可以吗 顺便看下 {o} 发了没", "payment-methods"),
    ("en", "did {o} arrive yet? its a pair of headphones so whats the guarantee on them", "warranty-period"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my mum ordered {o} and asked me to find out where it is"),
    ("zh", "帮我朋友看看{o}发货没有 她不会用这个"),
    ("mixed", "女朋友下的单 {o} 我帮她 check 一下"),
    ("en", "{o} belongs to my neighbour, she asked if its out for delivery yet"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "hw much for {t}", False),
    ("zh", "stock", "{t}還有貨嗎 想多買幾個", False),
    ("mixed", "colour", "{t} 这款啥 colour 啊", False),
    ("en", "stock", "{t} sold out or can i still grab one", False),
    ("zh", "price", "{t}卖几多钱", False),
    ("mixed", "stock", "急用 这款现在 in stock 不", True),
    ("en", "colour", "photo looks washed out, which colour is it really", True),
    ("zh", "colour", "這件是什麼色 圖片有色差嗎", True),
    ("mixed", "price", "{t} 价格 check 一下", False),
    ("en", "price", "price isnt loading on the page for me, how much is it", True),
    ("zh", "stock", "这个还剩多少库存", True),
    ("mixed", "colour", "{t} 是什么色系 listing 没写清楚", False),
    ("zh", "price", "頁面上價格沒出來 這個要多少錢", True),
    ("mixed", "price", "这个 page 上写的是 final price 吗 到底多少钱", True),
    ("en", "stock", "is {t} back in stock yet", False),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("en", ("colour", "stock"), "{t} which colour is it + how many have you got", False),
    ("zh", ("price", "stock"), "這款價錢多少 庫存還夠嗎", True),
    ("mixed", ("price", "colour"), "麻烦报一下这款的 price 和 color", True),
]
#: product search / recommendation with a price cap (and a colour where the template names one)
SEARCH_Q = [
    ("en", "need a {c} in {col}, nothing above ${p}"),
    ("en", "whats a good {c} if i can only spend {p} dollars"),
    ("zh", "想找{czh} 預算{p}以內 幫我推薦幾款"),
    ("zh", "想给妈妈买{czh} {colzh}的 {p}元封顶"),
    ("mixed", "{c} 要 {colzh} 的 别超 {p}"),
    ("mixed", "求推荐 {czh} price 控制在 {p} 内"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "budget is ${p}, need {c}, ideas?", "narrow it down to {col} pls"),
    ("zh", "{p}元以內有什麼{czh}", "有沒有{colzh}的 換個顏色看看"),
    ("mixed", "想入 {c} 不想超过 {p} 块", "filter 成 {col} 吧"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "gonna get either {a} or {b}, whichevers less, which one is it"),
    ("zh", "{a}跟{b}這兩個哪個便宜"),
    ("mixed", "{a} {b} 二选一 想要 price 低的那个"),
]
COMPLAINT_Q = [
    ("en", "sent me the wrong size twice now and the chat bot just keeps looping, fed up"),
    ("zh", "等了兩個禮拜還沒收到 打電話也沒人接 太差了"),
    ("mixed", "包装烂成这样 东西都 broken 了 你们怎么搞的"),
    ("en", "absolutely ridiculous, the driver marked it delivered and i have nothing"),
]
GREETING_Q = [
    ("en", "hello? anyone around to answer a quick question"),
    ("zh", "你們好 請問在嗎"),
    ("mixed", "懂了 thx a lot"),
    ("en", "brilliant, sorted, ta"),
    ("zh", "行 就这些 拜了"),
]
#: questions a shop assistant must not answer
OOS_Q = [
    ("en", "ebay seller never posted my item, how do i open a case to get my money back"),
    ("en", "my gym keeps charging me after i cancelled the membership, what can i do"),
    ("en", "how many minutes should i steam broccoli"),
    ("en", "what breed of dog suits a small flat"),
    ("en", "should i pay off my student loan early or invest the money"),
    ("en", "how do i get rid of mould on the bathroom ceiling"),
    ("en", "the dry cleaner lost my suit, are they liable for it"),
    ("zh", "京东买的冰箱 送货师傅说要另收上楼费 合理吗"),
    ("zh", "饿了么的骑手把汤洒了 怎么让商家赔"),
    ("zh", "飞机托运的行李箱被摔坏了 航空公司赔吗"),
    ("zh", "孩子发烧三十八度五 要不要吃退烧药"),
    ("zh", "护照快过期了 去哪续办"),
    ("zh", "煮米饭水和米的比例是多少"),
    ("zh", "微信朋友圈怎么设置三天可见"),
    ("mixed", "Netflix 扣了我两次钱 怎么找他们 refund"),
    ("mixed", "Excel 里面怎么做 pivot table"),
    ("mixed", "去 Korea 玩要不要办 visa"),
    ("mixed", "Zoom 开会怎么 share screen"),
    ("mixed", "猫咪的 vaccine 一年打几次"),
    ("mixed", "Instagram 账号被 hack 了 怎么找回来"),
]
