"""Held-out set 12 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-05, issue 13 round 12) against the demo shop's policy documents, catalog and
orders BEFORE any change to the assistant in that round, committed on its own first, and never
used to tune anything: ``shopmind evaluate assistant`` reports it as ``heldout12``. Its author had
read the policies, the catalog's categories, the earlier sets' phrasings and out-of-scope questions
and the reports of rounds 9 and 10, but not the assistant's code (lexicon, seed, seed generator,
intent classifier, scope rules), and never ran the assistant on it. What it adds: about a third
each of English, Chinese and mixed text; 20 out-of-scope questions of kinds no earlier set asks —
a bottle-deposit refund, a neighbour's noise, unpaid wages and annual leave, drone rules, stain
removal, another business's opening hours, a babysitter, a university exchange semester, exams,
horoscopes, the lottery, mobile games, house plants, university applications, pensions, a business
licence, public-holiday dates, comparing AI chat tools, a job-site profile — many told with a
refund / return / exchange / compare / recommend / payment word or with day counts and numbers;
policy questions told with amounts, clock times and day counts that are not order ids or price
slots (some of them naming a product kind, a number of items or a payment wallet the shop does
not list); order ids written in lower case or after "#", order questions with dates in them;
order follow-ups naming the order only as "it" / "它" / "它呢"; gift searches with a budget; long
rambling questions with the ask at the end, polite forms, typos and colloquial Chinese. 112
templates, 109 questions on demo seed 42 (en 40 / zh 36 / mixed 33; the builder skips 3 templates
naming a product whose drawn title is in the other language). Before it was ever built, 6 first
phrasings were replaced by new ones (same kind, intent and section) because a text search found them
in earlier sets: 2 product questions, 3 first turns of follow-ups and 1 search's first turn; the
make-up tests' check for exact repeats (run on demo seeds 42, 7, 3, 11 and 5: every other set, the
seed and the generated seed) then found no repeat.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{t}`` product title, ``{c}`` / ``{czh}`` category term, ``{col}`` / ``{colzh}`` colour,
``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "if i order at 3:45pm on a weekday, does it still go out the same day?"),
        ("zh", "加急的话是不是一两天就能到手了"),
        ("mixed", "我周三晚上下单的话，express 周五之前能收到吗"),
    ],
    "shipping-free": [
        ("zh", "凑单凑到二百九十九块是不是就不用付邮费了"),
        ("en", "whats the postage if my total is only about $30"),
        ("mixed", "买了两件 total 才 150 块，shipping fee 要多少"),
    ],
    "shipping-international": [
        (
            "en",
            "Hello, I've just moved to Canada for work and I'd love to keep ordering from you like I did "
            "back home - do you send parcels there, and would I have to pay any import tax when it arrives?",
        ),
        ("zh", "能不能发货到新加坡，大概要多少天"),
    ],
    "shipping-tracking": [
        ("zh", "快递单号会通过短信还是邮件发给我"),
        ("mixed", "发货之后有 tracking 吗，去哪里跟踪包裹"),
    ],
    "returns-window": [
        ("zh", "签收都二十天了，吊牌还在没穿过的裙子还可以退吗"),
        ("en", "Excuse me, what's the deadline for returning things? Mine were delivered on the 3rd."),
        ("mixed", "return 的话最晚是收货后第几天"),
    ],
    "returns-worn": [
        (
            "en",
            "wore the boots round the house for an evening and the soles are scuffed now, can i still send them back",
        ),
        ("zh", "吊牌被我扔了，衣服一次没穿过，这样还能退吗"),
    ],
    "returns-refund": [
        ("zh", "退回去的包裹仓库已经签收三天了，钱怎么还没退回来"),
        ("en", "I sent back 2 tops worth $64 last week - when should I expect to see the money again?"),
    ],
    "returns-how": [
        ("mixed", "return 要自己付 shipping 吗，还是有 prepaid label"),
        ("en", "whats the process for sending back an unwanted jumper, do i have to print anything out?"),
    ],
    "returns-exchange": [
        ("zh", "裤子腰围大了，想换小一号的，要另外加钱吗"),
        ("mixed", "size 不合适，收到货 10 天了，可以免费 exchange 吗"),
    ],
    "payment-methods": [
        ("en", "can I pay with Apple Pay?"),
        ("zh", "结账能不能用云闪付或者支付宝"),
    ],
    "payment-instalments": [
        ("mixed", "一台 laptop 6000 多块，可以 split 成几个月付吗"),
        ("en", "is there any buy now pay later option? my basket's around $250 at the moment"),
    ],
    "payment-security": [
        ("zh", "在你们网站绑卡安全吗，会不会泄露卡号"),
        ("en", "do your staff get to see my full card number when i pay online?"),
    ],
    "payment-failed": [
        ("en", "tried paying 3 times and it keeps saying transaction failed... is my order gone now?"),
        ("zh", "微信付款没成功，订单还能给我留多长时间"),
    ],
    "payment-invoice": [
        ("mixed", "公司报销要 invoice，下单已经 95 天了还能开吗"),
        ("en", "will I get a receipt emailed to me, and at what point?"),
    ],
    "warranty-period": [
        ("zh", "蓝牙耳机的保修是一年还是两年"),
        ("en", "how many months of guarantee do i get on a wool coat"),
    ],
    "warranty-claim": [
        ("en", "the handle came off my frying pan after six weeks, what do you need from me to sort it?"),
        ("zh", "台灯用了两个月突然不亮了，这种情况该怎么处理"),
        ("mixed", "充电器 charge 不了了，半年前买的，接下来要怎么办"),
    ],
    "warranty-exclusions": [
        ("mixed", "不小心把 laptop 摔了屏幕碎了，warranty 包不包"),
        ("en", "my dog chewed through the strap of my handbag, is that something the warranty covers?"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("zh", ["你们都收哪些付款方式呀"], "那能不能分期呢", "payment-instalments"),
    (
        "en",
        ["how many days do i get to return stuff?"],
        "ok and how do i actually send it back?",
        "returns-how",
    ),
    ("mixed", ["退款一般要多久"], "那 exchange 呢，也是 30 天内吗", "returns-exchange"),
    (
        "en",
        ["is there a warranty on speakers?"],
        "what sort of damage isn't included though?",
        "warranty-exclusions",
    ),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "what's the minimum spend for free delivery, and how long does the standard option take?",
        ["shipping-free", "shipping-times"],
    ),
    ("zh", "可以用PayPal付吗？要是付款失败订单会保留多久", ["payment-methods", "payment-failed"]),
    ("mixed", "refund 多久到账？退货的 label 要付钱吗", ["returns-refund", "returns-how"]),
    (
        "en",
        "how long is the warranty on earbuds, and how do i make a claim if they stop working?",
        ["warranty-period", "warranty-claim"],
    ),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    (
        "en",
        "Hi there, I ordered a present for my mum last week, the order number is {o}. Could you please "
        "let me know where it is at the moment?",
    ),
    ("zh", "亲，{o}这个单子发了没"),
    ("zh", "查一下 {ol} 的物流状态"),
    ("mixed", "order #{o} 咋还没 update 啊"),
    ("en", "status of {ol} pls"),
    ("mixed", "我 2 号下的单 {o}，今天都 12 号了还没收到，什么 status"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["my order number is {o}"], "is it out for delivery yet?"),
    ("zh", ["帮我查查订单{o}"], "它现在什么情况了"),
    ("mixed", ["{o} 是我上周下的 order"], "它 ship 了吗"),
    ("zh", ["我还有一个订单 {o}"], "它呢？也发货了吗"),
    ("en", ["hi, i need some help with an order"], "the number's {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("mixed", "{o} 发货了吗？要是收到后尺码不合适可以 exchange 吗", "returns-exchange"),
    ("zh", "帮我看下{o}的状态，另外发票什么时候给我", "payment-invoice"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    ("en", "my neighbour asked me to check on order {o} for her, where is it now?"),
    ("zh", "帮同事查一下订单{o}，他让我来问的"),
    ("mixed", "我妹妹的 order {o} 寄到哪里了，收件人 phone 是多少"),
    ("mixed", "路上捡到一张 receipt，上面的 order 号是 {o}，里面买了什么"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "sorry, what's the price of this one again?", True),
    ("zh", "colour", "这个是啥色儿的", True),
    ("mixed", "stock", "这个还有 stock 吗，想买 2 个", True),
    ("en", "colour", "what's the colour of the {t} please?", False),
    ("zh", "stock", "请问{t}现在有货吗？", False),
    ("mixed", "price", "想问下 {t} 的 price", False),
    ("zh", "price", "这个宝贝多少钱呀亲", True),
    ("en", "stock", "how many of these have you got left?", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    ("mixed", ("price", "stock"), "这个 price 多少？stock 还有吗", True),
    ("en", ("stock", "colour"), "do you still have the {t}, and which colour is it?", False),
]
#: product search with a price cap (and a colour where the template names one): gifts and
#: recommendations told with a budget
SEARCH_Q = [
    ("en", "need a gift for someone at work, thinking maybe a {c}? can't spend more than ${p} though"),
    ("zh", "给好朋友挑个{colzh}的{czh}，{p}块钱以内的有哪些"),
    ("mixed", "recommend 一个 {czh} 吧，{p} 元以内，送同事的"),
    ("en", "what {col} {c} options have you got for under {p} dollars?"),
    ("zh", "预算就{p}，想买个{czh}自己用，推荐下"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "got any {c} for less than ${p}?", "ok and in {col}?"),
    ("zh", "{p}元以内有什么{czh}", "{colzh}的有没有"),
    ("mixed", "想看看 {czh}，budget 大概 {p} 元", "有 {col} 的吗"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{a} vs {b} - which one's the better deal price-wise?"),
    ("zh", "{a}跟{b}哪个价格低一些"),
    ("mixed", "帮我 compare 下 {a} 和 {b} 的价格，哪个便宜"),
]
COMPLAINT_Q = [
    ("en", "third time i've contacted you about the same problem and still nothing, i'm fed up"),
    ("zh", "收到的杯子碎成好几块，包装也太敷衍了吧，真的很生气"),
    ("mixed", "客服一直 transfer 来 transfer 去，没人能解决，太离谱了"),
    ("zh", "你们客服电话我打了十几次都没人接，什么服务态度"),
]
GREETING_Q = [
    ("en", "morning! is someone there who can help?"),
    ("zh", "哈喽，有人在线吗"),
    ("mixed", "好的 got it，谢谢你"),
    ("mixed", "太好了 cheers，bye bye"),
]
#: kinds no earlier set asks: a bottle-deposit refund, a neighbour's noise, wages and leave, drone
#: rules, stain removal, another business's hours, childcare, study abroad, exams, horoscopes, the
#: lottery, games, plants, university applications, pensions, a business licence, public holidays,
#: AI chat tools, a job-site profile
OOS_Q = [
    ("en", "how do i claim back the deposit on the plastic bottles i took to the supermarket?"),
    ("en", "my neighbour's dog barks all night long - how do i make a formal complaint to the council?"),
    ("en", "my boss still hasn't paid my wages for last month, what are my rights?"),
    ("en", "is it legal to fly a small drone over a public park?"),
    ("en", "how do i get red wine out of a cream carpet?"),
    ("en", "what are the opening hours of the post office on saturdays?"),
    ("en", "can you recommend a reliable babysitter for friday night?"),
    ("en", "how do i apply for an exchange semester at a university in korea?"),
    ("zh", "天蝎座今天运势怎么样"),
    ("zh", "这期双色球开奖号码是多少"),
    ("zh", "王者荣耀怎么快速上分"),
    ("zh", "多肉植物叶子发软是浇水太多了吗"),
    ("zh", "高考志愿怎么填比较稳"),
    ("zh", "退休以后每个月养老金能领多少"),
    ("mixed", "开一家网店需要办 business license 吗"),
    ("mixed", "今年 Spring Festival 放假从几号到几号"),
    ("mixed", "公司的 annual leave 一年有几天"),
    ("mixed", "IELTS 考到 7 分大概要准备多久"),
    ("mixed", "ChatGPT 和 Gemini 哪个更好用，compare 一下"),
    ("mixed", "LinkedIn 的 headline 怎么写比较吸引 recruiter"),
]
