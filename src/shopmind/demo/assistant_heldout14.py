"""Held-out set 14 of the demo's labelled assistant questions (data only; ``demo.assistant`` fills them).

Written (2026-12-05, issue 13, session 18) against the demo shop's policy documents, catalog and
orders BEFORE the assistant's next round, committed on its own first, and never used to tune
anything: ``shopmind evaluate assistant`` reports it as ``heldout14``. Its author had read the
policies, the catalog's categories, the earlier sets' phrasings and out-of-scope questions and the
reports of rounds 11 to 13, but not the assistant's code (lexicon, seed, seed generator, intent
classifier, scope rules), and never ran the assistant on it. What it adds: about a third each of
English, Chinese and mixed text; kinds of writing no earlier set has — Cantonese written in
traditional characters (落單, 幾時, 可唔可以, 咗, 佢 for "it", 唔該), digits and order ids typed in
full-width characters by a Chinese input method, an order id in Chinese corner quotes, emoji,
shouting in capitals, voice-typed text without punctuation, 有木有, the shop's own policy quoted back with a
number, an ask told by what the shopper does NOT want ("I don't want a refund, just ..."), "zfb"
for Alipay, a formal Chinese register (烦请告知), amounts in pounds, a budget given as "¥" or as
money a group collected; 20 out-of-scope questions of kinds no earlier set asks — a tennis return,
remortgaging, ants in the kitchen, pricing a dog-walking job, knitting a scarf, oven temperatures,
a council-tax refund, mooncakes for a boss, the housing fund, a blocked messaging account, power
banks on a train, damp walls, property-transfer taxes, quitting smoking, hiking safety, charging an
electric car, a birthday-card message, coffee and heart rate, copying phone photos to a laptop, a
personality test — many told with a shop word (return, refund, charge, price, gift, scarf, kitchen,
laptop, charger, budget). 112 templates, 108 questions on demo seed 42 (en 39 / zh 35 / mixed 34;
the builder skips 3 templates: 2 product questions naming a product whose drawn title is in the
other language, 1 comparison of two products at one price). Before any build, 7 English phrasings
were rewritten in mixed text (for the language balance) and one colour follow-up whose text an
earlier set has on seed 42 was rewritten; the make-up tests' check for exact repeats (demo seeds
42, 7, 3, 11 and 5: every other set, the seed and the generated seed) then found none.

Template fields as in ``assistant_phrases``: ``{o}`` order id, ``{ol}`` the id in lower case,
``{od}`` the id with a dash after its letter, ``{on}`` the id's digits alone, ``{ow}`` the id in
full-width characters (order questions only), ``{t}`` product title, ``{c}`` / ``{czh}`` category
term, ``{col}`` / ``{colzh}`` colour, ``{p}`` price cap, ``{a}``/``{b}`` product ids (``{a}`` the
dearer one).
"""

from __future__ import annotations

#: policy section -> [(language, text)]
POLICY_Q: dict[str, list[tuple[str, str]]] = {
    "shipping-times": [
        ("en", "HOW MANY DAYS DOES EXPRESS TAKE?? need this before my trip on thursday"),
        ("zh", "而家落單，幾時會寄出？"),
        ("mixed", "下午４点前下单的话，是不是当天就 ship 出去了"),
    ],
    "shipping-free": [
        ("en", "is delivery free if my basket comes to £40, or do I need to add something else?"),
        ("zh", "凑够多少钱能免运费呀🙏"),
        ("mixed", "我购物车里才 280，是不是要付 shipping fee 了😅"),
    ],
    "shipping-international": [
        ("en", "hey do you guys send stuff to new zealand? and roughly how long would it take"),
        ("zh", "你哋寄唔寄馬來西亞㗎？關稅邊個俾？"),
    ],
    "shipping-tracking": [
        ("mixed", "ship 了之后会发 tracking number 给我吗，还是要自己上网站查"),
        ("en", "um so like once you've sent it out how am i supposed to know where it is"),
    ],
    "returns-window": [
        (
            "en",
            "Your website says 30 days for returns - is that 30 days from when I ordered or from when it arrived?",
        ),
        ("zh", "您好，烦请告知商品签收后最迟多少天内可以申请退货，谢谢。"),
        ("mixed", "收到快 4 个礼拜了，tag 都还在，还赶得上 return 吗"),
    ],
    "returns-worn": [
        (
            "en",
            "I cut the tags off the coat to try it on properly but never wore it outside - does losing "
            "the tags mean I can't return it?",
        ),
        ("zh", "裙子只穿了一次去参加婚礼，现在想退，可以吗😂"),
    ],
    "returns-refund": [
        (
            "en",
            "sent my return back on the 2nd and tracking says you got it on the 5th. when does the money land?",
        ),
        ("mixed", "退货你们已经签收了，钱是原路退回 zfb 吗，要几天"),
    ],
    "returns-how": [
        ("zh", "不想要了想退掉，退货的运费要我自己出吗？"),
        ("mixed", "退货的 procedure 是怎样的，要我自己约 courier 上门取件吗"),
    ],
    "returns-exchange": [
        ("en", "I don't want a refund, I just want the same trainers one size up - is that free?"),
        ("zh", "件衫細咗，可唔可以換大一個碼？使唔使俾錢？"),
    ],
    "payment-methods": [
        ("mixed", "可以用 WeChat 付吗，还是只能刷卡"),
        ("mixed", "我妈只有 UnionPay 的卡，结账的时候能用吗"),
    ],
    "payment-instalments": [
        ("zh", "买台笔记本电脑八千多，能不能分三个月付，有利息吗"),
        ("en", "is there an interest-free way to spread a $240 order over a few months?"),
    ],
    "payment-security": [
        (
            "en",
            "Before I type my card details in: who actually processes the payment, you or a proper payment company?",
        ),
        ("zh", "付款页面安全不？会不会被盗刷😰"),
    ],
    "payment-failed": [
        ("mixed", "刚才付款一直 error，order 显示未支付，我要多久之内重新付才不会被取消"),
        (
            "en",
            "my card keeps getting declined - will the order still be there tomorrow morning if i try another card?",
        ),
    ],
    "payment-invoice": [
        (
            "en",
            "My accountant needs a company invoice for something I bought in August. It's now November - "
            "is it too late to ask for one?",
        ),
        ("zh", "发票什么时候开给我？是发货的时候直接发到邮箱吗"),
    ],
    "warranty-period": [
        ("mixed", "手机的 warranty 是几个月啊，跟衣服的一样长吗"),
        ("mixed", "duvet cover 的 guarantee 有多久？买之前想先确认下"),
    ],
    "warranty-claim": [
        (
            "en",
            "heya the zip on my backpack snapped after like 2 months of normal use, how do i get it fixed?",
        ),
        ("zh", "哑铃外面的橡胶套裂开了，用了不到半年，能给换一个吗"),
        ("mixed", "部 kettle 用咗兩個月就壞咗，點樣 claim warranty？"),
    ],
    "warranty-exclusions": [
        ("zh", "口红拆封用过以后还能保修吗"),
        ("mixed", "小孩把果汁洒在 keyboard 上了，这种还在 warranty 里吗"),
    ],
}
#: a policy question that only makes sense after the turn before it: (language, history, text, section)
POLICY_FOLLOWUP_Q = [
    ("zh", ["退款一般几天到账"], "那退货的运单要不要钱", "returns-how"),
    (
        "en",
        ["how long does standard delivery take?"],
        "and what does it cost if i spend less than the free delivery amount?",
        "shipping-free",
    ),
    ("mixed", ["电子产品保修多久"], "那要 claim 的话需要准备什么", "warranty-claim"),
    ("zh", ["你们支持哪些付款方式"], "那你们会不会把我的卡号存下来", "payment-security"),
]
#: one question, two policy sections of one intent: (language, text, [section, section]);
#: a correct answer cites both
TWO_SECTION_Q = [
    (
        "en",
        "which cards do you accept, and if I spend over $200 can I pay it off in instalments?",
        ["payment-methods", "payment-instalments"],
    ),
    ("zh", "寄到国外要几天？国内普通快递又要几天", ["shipping-international", "shipping-times"]),
    ("mixed", "穿过一次的能 return 吗？不能的话 exchange 个尺码可以吗", ["returns-worn", "returns-exchange"]),
    (
        "mixed",
        "headphones 的 warranty 多久？不小心坐坏了 cover 吗",
        ["warranty-period", "warranty-exclusions"],
    ),
]
#: order status, asked by the order's customer: (language, template)
ORDER_Q = [
    (
        "en",
        "So I ordered a few things for my new flat last weekend, two cushions and a lamp I think, and the "
        "confirmation said {o} - I haven't had a single email since. Has it actually gone out?",
    ),
    ("zh", "您好，订单号{ow}，请问现在是什么状态"),
    ("mixed", "「{o}」这个 order 到哪了😭"),
    ("en", "WHERE IS ORDER {o}??? been waiting ages"),
    ("zh", "我張單{o}寄咗未呀？"),
    ("en", "could you check no. {on} for me please, it's for my son's birthday"),
]
#: an order follow-up: (language, history with {o}, follow-up text)
ORDER_FOLLOWUP_Q = [
    ("en", ["hiya, checking on {o}"], "any idea when it'll turn up?"),
    ("zh", ["订单{o}"], "它还得等几天啊😩"),
    ("mixed", ["我上周下了单 {o}"], "它 dispatch 了没"),
    ("zh", ["我張單係{o}"], "佢到咗未？"),
    ("en", ["can you help me find out where my parcel is"], "yeah the order no. is {o}"),
]
#: the order's status and a policy section in one question: (language, template, section)
ORDER_POLICY_Q = [
    ("mixed", "{o} 什么时候到？另外 refund 一般几天能到账", "returns-refund"),
    ("en", "has {o} shipped yet, and will you email me a tracking link when it does?", "shipping-tracking"),
]
#: someone else's order (asked with another customer id, or with none): no data may be given
PRIVACY_Q = [
    (
        "en",
        "I'm the one receiving order {o}, my aunt sent it - can you tell me what's inside so I know if it's the gift I think it is?",
    ),
    ("zh", "帮我查一下{o}是谁下的单，收货地址填的哪里"),
    ("mixed", "我前男友的 order {o}，能告诉我他现在寄到哪个 address 吗"),
    ("mixed", "我在前台上班，有个 {o} 的 parcel 到了，客人的 phone number 是多少"),
]
#: (language, field, template, asked on the product's page)
PRODUCT_Q = [
    ("en", "price", "HOW MUCH IS THIS ONE RN??", True),
    ("zh", "stock", "呢個仲有冇貨？", True),
    ("mixed", "colour", "这件是啥 colour 啊，图片看着有点偏色😅", True),
    ("en", "stock", "quick q - have you got any of the {t} left or is it sold out?", False),
    ("zh", "price", "请问{t}现在卖多少钱？", False),
    ("mixed", "colour", "{t} 是什么 colour 的呀，想配我的包", False),
    ("mixed", "colour", "这个 exactly 是什么颜色？my screen 上看着有点怪", True),
    ("mixed", "stock", "这款库存还有几件？想一次买 3 个送人", True),
]
#: two facts of one product: (language, (field, field), template, asked on the product's page)
PRODUCT_TWO_Q = [
    (
        "en",
        ("price", "stock"),
        "how much is this, and is it actually in stock or just showing as available?",
        True,
    ),
    ("zh", ("colour", "price"), "{t}是什么颜色？价格多少", False),
]
#: product search with a price cap (and a colour where the template names one): gifts and
#: recommendations told with a budget
SEARCH_Q = [
    (
        "en",
        "anniversary coming up and i'm clueless lol. would a {col} {c} be a good idea? absolute max ${p}",
    ),
    ("zh", "预算¥{p}，想给老爸买个{czh}，有推荐吗"),
    ("mixed", "求推荐 {czh}，{p} 块以内，最好是 {col} 的，送 bestie 当生日礼物"),
    ("en", "hi! looking for a {c} as a leaving present for a colleague, we've collected ${p} between us"),
    ("zh", "有没有{p}元以内的{colzh}{czh}呀，自己用"),
]
#: a search refined by a colour in the next turn: (language, first turn, follow-up)
SEARCH_FOLLOWUP_Q = [
    ("en", "what {c} have you got under ${p}?", "are any of them {col}?"),
    ("zh", "{czh}有{p}元以内的吗", "{colzh}的有木有"),
    ("mixed", "预算 {p} 元，想看看 {czh}", "有没有 {col} 的 option"),
]
#: compare two products by id (the first is the dearer one)
COMPARE_Q = [
    ("en", "{b} or {a}? i'll go with whichever one is cheaper"),
    ("zh", "{a}和{b}，我只看价格，哪个更便宜"),
    ("mixed", "纠结 {a} vs {b}，which one 便宜"),
]
COMPLAINT_Q = [
    (
        "en",
        "great, another 'we're looking into it' email. that's the fourth one this week. absolutely useless",
    ),
    ("zh", "东西收到就是坏的，联系了三天都没人管，我要去给差评了"),
    ("mixed", "WHY IS NOBODY ANSWERING ME 我已经等了一整天了😡"),
    ("zh", "你哋啲客服真係好差，搞咗成個禮拜都未搞掂"),
]
GREETING_Q = [
    ("en", "yo 👋"),
    ("zh", "您好，打扰一下"),
    ("mixed", "好嘅，唔該晒 thanks"),
    ("en", "perfect, that's all I needed - have a good one!"),
]
#: kinds no earlier set asks (see the module docstring)
OOS_Q = [
    ("en", "what's the trick to returning a fast serve in tennis?"),
    ("en", "my fixed-rate mortgage ends in june - should i remortgage now or wait?"),
    ("en", "how do i get rid of tiny ants in my kitchen cupboards?"),
    ("en", "what should i charge per hour for walking my neighbours' dogs?"),
    ("en", "i've never knitted before - how do i cast on to make a scarf?"),
    ("en", "my recipe says 350 fahrenheit, what's that in celsius for the oven?"),
    ("en", "can i get a refund on council tax for the months my flat stood empty?"),
    ("zh", "中秋给领导送月饼合适吗，送多少钱的比较好"),
    ("zh", "公积金可以提出来交房租吗"),
    ("zh", "微信号被封了怎么申诉解封"),
    ("zh", "坐高铁能带充电宝吗，有没有毫安数的限制"),
    ("zh", "回南天家里墙壁都在出水，怎么除湿比较快"),
    ("zh", "二手房过户要交哪些税费"),
    ("zh", "戒烟有什么好办法吗，试了好几次都失败了"),
    ("mixed", "周末第一次去 hiking，山上要注意哪些 safety 问题"),
    ("mixed", "我的 Tesla 在家充电充满要多久"),
    ("mixed", "帮我想一句写在 birthday card 上的话，送给我妈的"),
    ("mixed", "咖啡喝了三杯心跳好快，这样 normal 吗"),
    ("mixed", "怎么把 iPhone 里的 photos 传到 laptop 上"),
    ("mixed", "MBTI 测出来是 INFJ，这是什么性格"),
]
