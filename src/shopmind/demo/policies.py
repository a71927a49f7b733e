"""The demo shop's policy documents (shipping, returns, payment, warranty) in English and Chinese.

Plain Markdown, one document per topic and language; every ``##`` section carries an explicit
``{#id}`` anchor and the two languages use the same anchors in the same order, so a section is
one passage in two languages (``shopmind.assistant.policy`` reads them that way). The numbers
(days, fees, thresholds) are the shop's facts: the assistant may state them only by quoting a
retrieved section, and the labelled questions of ``demo.assistant`` are written against them.
"""

from __future__ import annotations

from pathlib import Path

#: topic -> (English Markdown, Chinese Markdown)
POLICIES: dict[str, tuple[str, str]] = {
    "shipping": (
        """# Shipping

## Delivery times {#shipping-times}
Standard delivery takes 3-5 business days. Express delivery takes 1-2 business days.
Orders placed before 16:00 leave our warehouse the same day.
Common questions: how many days until my parcel arrives, how fast is delivery, when do you dispatch.

## Shipping costs and free shipping {#shipping-free}
Shipping is free on orders of $49 or more. Below that, standard shipping costs $5.99
and express shipping costs $12.99.
Common questions: do I pay for postage, delivery fee, minimum order value for free postage.

## International shipping {#shipping-international}
We ship to 30 countries. International delivery takes 7-14 business days, and customs duties
and import taxes are paid by the customer.
Common questions: overseas delivery, sending to another country, import fees.

## Tracking a parcel {#shipping-tracking}
When your order ships we e-mail you a tracking link. You can also ask the assistant for the
status of your order with your order number.
Common questions: track my parcel, tracking number, where to follow my delivery.

""",
        """# 配送

## 配送时效 {#shipping-times}
普通快递3-5个工作日送达，加急快递1-2个工作日送达。16:00前下单当天从仓库发货。
Common questions: how many days until my parcel arrives, how fast is delivery, when do you dispatch.

## 运费与包邮 {#shipping-free}
订单满299元包邮。不满299元时，普通快递运费15元，加急快递运费39元。
Common questions: do I pay for postage, delivery fee, minimum order value for free postage.

## 国际配送 {#shipping-international}
我们可配送至30个国家和地区，国际配送需要7-14个工作日，关税和进口税由顾客承担。
Common questions: overseas delivery, sending to another country, import fees.

## 物流查询 {#shipping-tracking}
订单发货后我们会通过邮件发送物流跟踪链接。您也可以向智能客服提供订单号查询订单状态。
Common questions: track my parcel, tracking number, where to follow my delivery.

""",
    ),
    "returns": (
        """# Returns and refunds

## Return window {#returns-window}
You can return unworn and unwashed items within 30 days of delivery for a full refund.
Common questions: how long can I send items back, return deadline, return period in days.

## Worn or used items {#returns-worn}
Items that have been worn, washed or damaged, and items without their original tags, cannot be
returned. Defects are covered by the warranty instead.
Common questions: can I return clothes I have used, returning washed or damaged items, missing tags.

## Refund timing {#returns-refund}
Refunds go back to the original payment method within 5-7 business days after the returned
parcel reaches our warehouse.
Common questions: when do I get my money back, how long does a refund take to arrive.

## How to return an item {#returns-how}
Start a return from the order page and print the prepaid label. Returns of defective items are
free; for other returns a label fee of $4.99 is deducted from the refund.
Common questions: how do I send an item back, return label, return shipping fee.

## Exchanges {#returns-exchange}
Exchanging an item for another size or colour is free within 30 days of delivery.
Common questions: swap for another size, change the colour, exchange an item.

""",
        """# 退换货与退款

## 退货期限 {#returns-window}
商品签收后30天内，未穿着、未洗涤的商品可申请全额退款。
Common questions: how long can I send items back, return deadline, return period in days.

## 已穿着或使用过的商品 {#returns-worn}
已穿着、洗涤或损坏的商品，以及吊牌缺失的商品不支持退货。质量问题请走保修流程。
Common questions: can I return clothes I have used, returning washed or damaged items, missing tags.

## 退款时效 {#returns-refund}
退货包裹到达仓库后，退款将在5-7个工作日内原路退回。
Common questions: when do I get my money back, how long does a refund take to arrive.

## 如何退货 {#returns-how}
在订单页面发起退货并打印预付运单。质量问题退货免费；其他退货将从退款中扣除30元运单费。
Common questions: how do I send an item back, return label, return shipping fee.

## 换货 {#returns-exchange}
签收后30天内可免费更换尺码或颜色。
Common questions: swap for another size, change the colour, exchange an item.

""",
    ),
    "payment": (
        """# Payment

## Payment methods {#payment-methods}
We accept Visa, Mastercard, American Express, PayPal, Alipay, WeChat Pay and UnionPay.
Common questions: which cards do you take, can I pay by wallet app, accepted payment options.

## Interest-free instalments {#payment-instalments}
Orders of $200 or more can be paid in 3 interest-free monthly instalments.
Common questions: pay later, monthly payments, split the payment.

## Payment security {#payment-security}
Card payments are processed by a PCI DSS certified payment provider. We never see or store
your full card number.
Common questions: is my card data safe, do you keep my card details, secure checkout.

## Failed or declined payments {#payment-failed}
If a payment fails, we keep the order for 24 hours so you can pay again with another method;
after that the order is cancelled and nothing is charged.
Common questions: card declined, payment did not go through, payment error at checkout.

## Invoices {#payment-invoice}
An invoice is sent by e-mail when the order ships. You can request a company invoice within
90 days of purchase.
Common questions: receipt, VAT invoice, company invoice, billing document.

""",
        """# 支付

## 支付方式 {#payment-methods}
支持Visa、万事达卡、美国运通、PayPal、支付宝、微信支付和银联。
Common questions: which cards do you take, can I pay by wallet app, accepted payment options.

## 免息分期 {#payment-instalments}
订单满1400元可分3期免息付款。
Common questions: pay later, monthly payments, split the payment.

## 支付安全 {#payment-security}
银行卡支付由通过PCI DSS认证的支付服务商处理，我们不会看到也不会保存您的完整卡号。
Common questions: is my card data safe, do you keep my card details, secure checkout.

## 支付失败 {#payment-failed}
支付失败时订单将为您保留24小时，您可以换一种支付方式重新付款；超时后订单自动取消，不会扣款。
Common questions: card declined, payment did not go through, payment error at checkout.

## 发票 {#payment-invoice}
订单发货时发票会通过邮件发送。购买后90天内可申请开具公司抬头发票。
Common questions: receipt, VAT invoice, company invoice, billing document.

""",
    ),
    "warranty": (
        """# Warranty

## Warranty period {#warranty-period}
Every product has a 12-month warranty against manufacturing defects; electronics have 24 months.
Common questions: how long is the guarantee, warranty length in months.

## Making a warranty claim {#warranty-claim}
Send us your order number and a photo of the defect. We repair or replace the item within
10 business days of receiving it.
Common questions: my item broke, faulty product, repair or replacement, claim the guarantee.

## What the warranty does not cover {#warranty-exclusions}
Normal wear and tear, accidents, misuse and opened cosmetics are not covered by the warranty.
Common questions: is accidental damage covered, what is not covered, dropped or misused items.

""",
        """# 保修

## 保修期限 {#warranty-period}
所有商品享有12个月质量问题保修，数码产品保修24个月。
Common questions: how long is the guarantee, warranty length in months.

## 申请保修 {#warranty-claim}
请提供订单号和问题照片。我们在收到商品后10个工作日内完成维修或更换。
Common questions: my item broke, faulty product, repair or replacement, claim the guarantee.

## 不在保修范围内的情况 {#warranty-exclusions}
正常磨损、意外损坏、使用不当以及已开封的美妆产品不在保修范围内。
Common questions: is accidental damage covered, what is not covered, dropped or misused items.

""",
    ),
}


def policy_files() -> dict[str, str]:
    """The policies as the files a shop keeps them in: ``<topic>.<lang>.md`` -> Markdown text."""
    return {
        f"{topic}.{lang}.md": text
        for topic, pair in POLICIES.items()
        for lang, text in zip(("en", "zh"), pair, strict=True)
    }


def write_policies(folder: Path) -> Path:
    """Write :func:`policy_files` into ``folder`` (created), as a workspace's ``assistant/policies``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in policy_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
