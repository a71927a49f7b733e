"""The assistant's switches (``OPTIONS``): every candidate of rounds 13-18, on when kept.

Why a module of its own (round 19, split from ``core``): the switches and the record of what each
round measured grew to a fifth of ``core.py``. ``Assistant`` copies ``OPTIONS`` into its own
``options`` at construction; benches switch them by name (``core.OPTIONS`` is this dict, so
``core.OPTIONS.update`` still changes the defaults the next assistant starts from).
"""

from __future__ import annotations

#: rounds 13-15's candidates (``Assistant.options``), each measured leave-one-set-out on the dev
#: sets (on: kept — docs/BENCHMARKS.md, rounds 13-15; off: measured, not kept):
#: "order_pronoun" — after a turn that named an order, a brief message pointing at "it" that names
#: nothing else of the shop is about that order; "policy_amount" — an amount in a policy question
#: ("my basket is $40, do I pay postage?") is not a search price; "price_ceiling" —
#: ``slots.read_ceilings`` (a budget, a negated "over" is a maximum); "topic_level" — the domain
#: margin's hand-off level per policy intent (``DomainMargin.levels``), not one for all three;
#: "domain_any" — the margin also for a product question, comparison or search naming no thing;
#: "title_fact" — a search reading of a message naming one product and asking a fact of it;
#: round 14: "topic_level" guarded (``domain.MIN_LEVEL_QUESTIONS``), "section_labelled" — the
#: policy section model also trains on the shop's labelled policy questions; "order_forms" —
#: ``slots.order_forms``; "order_it" — an order-status reading pointing at "it" after a turn that
#: named an order is about that order, however long; "order_complaint" — likewise a brief one
#: read as a complaint whose runner-up is the order's status; "ceiling_query" — the search is
#: sent the assistant's price bounds, not the engine's reading of the phrase they overrule;
#: "policy_attrs" — a policy or handed-off reading naming no product or category keeps no
#: attribute (colour) slot, as "policy_amount" keeps no price; round 15: "level_floor" — a shop
#: with few labelled policy questions gets ``domain.small_shop_level``, not their lowest margin;
#: "clause_cues" — ``clauses.questions(cues=True)``; "followup_oos" — a brief message after a policy
#: answer that the classifier is sure is out of scope, but that the domain margin keeps in the
#: shop's domain, is read with the policy question before it ("warranty 多久" then "怎么 claim");
#: "followup_own" — such a follow-up is answered from its own best section when that section is
#: above the floor in the topic of the joint reading (``compose.compose``); round 16 (kept):
#: "clause_topic" — a bare clause of a multi-part question is read in the topic of the message's
#: section (``compose.clause_sections``); "followup_that" — a brief follow-up pointing back
#: ("how long would that take?") is read with the question before (``followup.anaphoric``);
#: "clause_syntax" — ``clauses.questions(syntax=True)``; "order_brief" — a brief order-status
#: reading after an order turn is about that order (``reading.is_brief``, not only ``is_short``);
#: "order_plain" — ``followup.plain_order_message``; "order_lookalike" — ``slots.order_forms``
#: with look-alike digits; "no_order_policy" — an order question naming no order that a policy
#: section of any topic matches above the floor is that section's; round 16 (measured, not
#: kept): "level_q" and "foreign_level" (``DomainMargin.level_at``), "asked_intent" and
#: "asked_focus" (``followup.asked_reading`` / ``asked_focus``), "greeting_chat"; round 17 (measured,
#: not kept - none gained on 9 of the 17 dev sets, ``bench/assistant_loso17.py``;
#: ``compose.clause_sections``): "clause_in_have" — a bare clause whose best section in the topic
#: is quoted already adds none; "clause_floor" — a clause read alone adds its section only above
#: ``policy_floor``; "clause_lead" — ``clauses.questions(lead=True)`` (list items, colon lead-ins);
#: round 18 (``bench/assistant_loso18.py``): "clause_in_have" adopted (+5 clean answers, gains on
#: all 4 dev sets it changes, extras 19 -> 14); measured, not kept: "clause_order"
#: (``compose.in_clause_order``), "sure_topic" (``compose.sure_topics``), "clause_near" (``compose.near_quoted``);
#: round 19 (``bench/assistant_loso19.py``): "owner_foreign" adopted — a question naming another
#: seller as the one it bought from or the owner of its order (``scope.owner_position``) is out of
#: scope (clean 1,722 -> 1,725, 3 of 3 touched dev sets up, 0 down); measured, not kept: the
#: question's form (``aspect``; ``policy.ASPECT_WEIGHT`` stays 0: in its topic at 0.5, +3 clean but
#: up on 3 of the 6 sets it touched); round 20 (``bench/assistant_loso20.py``): "pair_tiebreak" —
#: the first two sections of one topic ordered by a tie-break learnt from the labelled questions
#: (``section_pair``; with ``policy.HEADING_WEIGHT``, the sections' headings, its own setting);
#: "pair_whole" — that tie-break orders the message's sections only, not a clause's read alone
#: (``compose.clause_sections``; pair_tiebreak alone: in-topic misses 23 -> 20, two-part 13 -> 17);
#: measured, not kept (round 20's rule): ``heading_w`` 0.5 / 1.0 (clean 1,834 -> 1,826 / 1,815),
#: "pair_tiebreak" (1,832, 4 sets down), "pair_tiebreak" + "pair_whole" (1,836, up on 3 of 11 touched);
#: round 21 (``bench/assistant_loso21.py``): "order_rest" — a message naming an order also gets the
#: section its other pieces ask (``compose.rest_sections``); "order_first" — a return/shipping reading
#: whose order piece alone reads as the order's status is an order question (``route.order_asked``);
#: "followup_prior" — a follow-up's own words choose the section in the joint reading's topic, the
#: joint ordering a prior (``compose.prior_hits``, ``compose.FOLLOWUP_PRIOR``); "clause_space" — a
#: space between Chinese characters cuts a multi-part message's clauses (``clauses.questions(space=True)``).
#: All measured, none kept (round 21's rule; 21 dev sets, reference clean 1,945, extra 18):
#: "order_rest" clean 1,952 but extra 21, with "order_first" 1,954 / 20, "clause_space" 1,951 / 23,
#: all three 1,958 / 24 (every one up on 4-6 of 6-7 touched sets, refused by "extra does not rise":
#: the added sections are wrong in-topic or unasked in 2-6 answers); "followup_prior" 0.5 / 1.0
#: clean 1,940 / 1,941 (down on every set it touched); round 22 (``bench/assistant_loso22.py``: 22 dev
#: sets, an answer missing a fact and quoting an unasked section counted once): "clause_space" with
#: "clause_floor" (round 17's: a clause read alone adds its section only above ``policy_floor``)
#: adopted - clean 2,041 -> 2,054, facts 2,057 -> 2,070, extra on fact-right answers 16 -> 16, up on 4
#: of the 6 sets it touched, down on 1 (round 21's count: extra 21 -> 26, refused); measured, not
#: kept: "asked_piece" (``compose.asked_hits``; clean 2,034, down on 6 of 12 touched; at
#: ``asked_w`` 0.5: 2,041, up 3 / down 2 of 7), "zh_words" (``intent._grams``: clean 2,040, intent
#: 2,126 -> 2,125), "clause_floor" alone (2,041), "clause_space" + "order_rest" + "order_first" +
#: "clause_floor" (2,062, but extra 16 -> 17 and 2 sets down); round 23 (``bench/assistant_loso23.py``, 23 dev
#: sets): "known_words" — an out-of-scope reading of a message with no word foreign to the shop
#: (``scope.DomainWords.all_known``) is overruled by the classifier's next reading, a greeting
#: reading of it naming nothing of the shop is greeted back (``route.route``) - adopted: clean
#: 2,168 -> 2,173, facts 2,188 -> 2,193, intent 2,248 -> 2,253, extra 20 -> 20, up on all 5 sets it
#: touched (one of them held-out-22, the set read this round), down on none; measured, not kept:
#: "foreign_level" again (round 16's, at 0.1 / 0.2: clean 2,138 / 2,084, out-of-scope 316 -> 328 /
#: 329 but down on 11 / 18 sets), with "known_words" (2,143)
#: round 24 (``bench/assistant_loso24.py``, 24 dev sets), candidates: "time_words" — numbers, days and
#: times of day are no foreign word nor a seller's name (``timewords.is_time_word``, read by
#: ``scope.DomainWords.foreign``); "compare_cue" — an unsure reading of a message asking in its own
#: words to compare is a comparison (``reading.asks_comparison``, ``route.route``); "gift_browse" —
#: a gift search with a budget whose words match nothing lists the most popular products within
#: it (``compose.gift_browse``); "service_words" — the words of the one answering ("bot", "机器人",
#: "真人") are no foreign word (``timewords.SERVICE_WORDS``); "ship_when" — a message asking when
#: something would be sent out, naming no order, asks the dispatch times (``reading.asks_dispatch_time``).
#: Decided by round 24's rule (runs 2-3, 24 dev sets, reference clean 2,277): "time_words",
#: "compare_cue", "gift_browse" adopted as the lead's defect fixes (none of conditions 3-6 broken;
#: together clean 2,277 -> 2,278, +1 on held-out-21, none down, no language down); "ship_when" (+1,
#: one set) and "service_words" (no clean answer moved, intent +1) refused (condition 2 / 1)
#: round 25 (``bench/assistant_loso25.py``, 25 dev sets, round 24's rule): "clock_when" — a message asking
#: when something arrives and naming a time of day or a day asks the delivery times on a product's
#: page and after another topic's answer (``route.clock_when``, ``timewords.names_when``);
#: "complaint_named" — an unsure reading with a complaint first or second, in a message naming a
#: complaint, is handed off as one (``route.named_complaint``); "ceiling_words" — ceilings the
#: search layer does not read ("i can stretch to $70", "$30 max", "wont cost more than", "别超 470")
#: (``slots.read_ceiling_words``); "id_sep" — "0-0003250" for O0003250 (``slots._SEP_LOOKALIKE``).
#: Decided by runs 2-3 (reference clean 2,378): "ceiling_words" adopted by the rule (+6 clean, 4 of 4
#: touched sets up), "clock_when" (no dev answer moved) and "complaint_named" (+1, one set) as the
#: lead's defect fixes (fix_ok); the three together clean 2,378 -> 2,385, none down, no language
#: down; "id_sep" (+1, held-out-24 only) and "service_words" again (no clean answer moved) refused
#: round 26 (``bench/assistant_loso26.py``, 26 dev sets, round 25's rule): "order_clause" — the lead's
#: defect: a message naming an order whose own piece asks how far it got ("O0002834到了吗 不合适的话
#: 多少天内能退", "我的订单 O-… 到了吗 …") is the order's status with the rest's section, whatever policy
#: the classifier reads into the whole (``reading.asks_order_progress``, ``clauses.names_order``);
#: "greeting_words" — a message of only the words of opening or closing a chat ("哈喽 客服在吗",
#: "evening all, anyone on") is a greeting (``greeting.greeting_only``); "margin_sure" — a message the
#: classifier reads surely as a policy question whose best section scores above ``policy_sure`` is
#: not handed off by the domain margin (``route.words_sure``). Decided by run 1 (26 dev sets, reference
#: clean 2,461): "order_clause" adopted (clean 2,470, intent 2,607 -> 2,613, extra 47 -> 41, up on 7
#: of 7 touched sets), "greeting_words" adopted (clean 2,466, intent 2,614, up on 4 of 5 touched, none
#: down); together clean 2,475, intent 2,620, zh intent misses 44 -> 34, none down
#: round 27 (``bench/assistant_loso27.py``, 27 dev sets, round 26's rule): "refused_policy" — the lead's
#: defect (a): an order refused for want of the customer id keeps the public policy part of the message
#: (``compose.with_policy``); "topic_passing" — the lead's defect (b): an off-topic word of the lexicon
#: said in passing ("a gym bag I bought", "at the library") does not hand off a sure shop reading with a
#: strong section (``passing``); "topic_sure" — that rule without the words' places; "order_when" — an
#: order reading naming no order, asking ahead about a day, is the delivery times (``route.order_when``);
#: "progress_words" — the order's own piece asking how far it got in other words ("out the door yet",
#: "still sitting in your warehouse", ``reading._PROGRESS_MORE``); "chat_words" — asking whether a person
#: answers, openings, thanks as praise are greetings (``greeting._CHAT``); "id_tail" — "my order ending in
#: 3713" is the customer's one order ending so (``slots.order_by_tail``). Decided by run 1 (reference
#: clean 2,616): "order_when" (+3, 3 of 3 touched sets up), "progress_words" (+2, 2 of 3), "chat_words"
#: (+3, 3 of 3), "id_tail" (+2, held-out-25 and -26, both read in their rounds) adopted by the rule;
#: "refused_policy" and "topic_passing" (no dev answer moved) kept as the lead's defect fixes (fix_ok);
#: "topic_sure" refused (out of scope 392 -> 385, 4 sets down); the six together clean 2,626, intent
#: 2,745 -> 2,755 (en intent misses 58 -> 50), 8 sets up, none down
#: round 28 (``bench/assistant_loso28.py``, 28 dev sets, round 27's rule), candidates: "id_split" — an
#: id in groups of digits ("O-000-4193", "O00054 06": ``slots.grouped_ids``); "tail_words" — an id's
#: tail in more words ("後四碼2324", "ends 2324": ``slots._TAIL_MORE``); "field_words" — more words
#: asking a product's price or stock ("单价", "几块钱", "还买得到吗": ``reading.FIELDS_MORE``);
#: "page_facts" — on a page, two facts asked, or an unsure reading pointing at the page naming no
#: policy, is the page product's question (``route.page_facts``); "zh_yuan" — a bare amount in a
#: Chinese message is yuan (``catalog.ShopCatalog.slots``); "ceiling_most" — "420 rmb is the most id
#: pay", "最多花420" (``slots.read_ceiling_most``); "news_word" — an off-topic word inside a shop
#: phrase ("any news") names nothing off-topic (``Lexicon.names_off_topic``); "when_kept" — a
#: delivery-time question of known words is not handed off by the domain margin (``route.route``).
#: Decided by run 1 (28 dev sets, reference clean 2,729) and run 2 (the four together on the eight sets
#: any candidate touched): "id_split" (+5, 3 of 3 touched sets up: -25, -26, -27, all read in their
#: rounds), "field_words" (+7, 5 of 7 touched up, none down), "ceiling_most" (+2, -20, -26) adopted by
#: the rule; "news_word" (no dev answer moved) kept as a defect fix (fix_ok); refused: "tail_words"
#: (+1, held-out-27 only), "page_facts" (+1, -26 only), "zh_yuan" and "when_kept" (no clean answer moved)
#: round 29 (``bench/assistant_loso29.py``, 29 dev sets, reference clean 2,854): the lead's four
#: defects, kept as defect fixes (fix_ok: none of the rule's conditions (3)-(6) broken; no clean dev
#: answer moved, every fold run for each and for the four together): "person_asked" — a plain
#: request for a person is handed off as asked (``person.asks_person``); "offer_yes" — a bare yes
#: to "Shall I connect you with a colleague?" hands off (``person.says_yes``); "have_search" — a
#: product question naming no product but a category ("有红色连衣裙吗") is a search (``route``);
#: "cheaper_kept" — "cheaper ones?" after a search keeps it, below the dearest listed (``compose``)
#: round 30 (``bench/assistant_loso30.py``, 30 dev sets, round 29's rule), candidates: "party_service" —
#: another party's service in the shop's words ("我的信用卡账单能分期吗", "a letter i sent by royal mail",
#: "厂家还给修吗") is out of scope (``party.another_party``); "pay_amount" — an order or search reading
#: naming instalments and no order, product or category ("basket comes to about $320, could i spread
#: that over a few months") is the payment policy's (``route``); "search_amount" — an order reading
#: naming no order but a category and a price is a search (``route``); "id_digits" — an order's
#: digits alone in groups after an order word ("order 000 1840": ``slots.digit_group_ids``);
#: "person_plain" — "转人工" read as a complaint is handed off without an apology
#: (``person.plain_request``); "cheaper_low" — "cheaper ones?" lists below the cheapest shown (``compose``).
#: Decided by run 1 (30 dev sets, every fold, reference clean 2,969): "party_service" (+5: -28 +4, -29 +1,
#: both read this round: in-sample), "pay_amount" (+3: -22, -28), "search_amount" (+4: -4, -15, -24, -29)
#: and "id_digits" (+2: -28, -29, in-sample) adopted by the rule; "person_plain" and "cheaper_low" (no
#: dev answer moved) kept as the lead's defect fixes (fix_ok); the six together clean 2,983, 6 sets up, none down
OPTIONS: dict[str, bool] = {"order_pronoun": True, "policy_amount": True, "price_ceiling": True, "topic_level": True, "domain_any": True, "title_fact": True, "section_labelled": True, "order_forms": True, "order_it": True, "order_complaint": True, "ceiling_query": True, "policy_attrs": True, "level_floor": True, "clause_cues": True, "followup_oos": True, "followup_own": True, "level_q": False, "clause_topic": True, "followup_that": True, "foreign_level": False, "clause_syntax": True, "asked_intent": False, "asked_focus": False, "order_brief": True, "order_plain": True, "order_lookalike": True, "greeting_chat": False, "no_order_policy": True, "clause_in_have": True, "clause_floor": True, "clause_lead": False, "clause_order": False, "sure_topic": False, "clause_near": False, "owner_foreign": True, "pair_tiebreak": False, "pair_whole": False, "order_rest": False, "order_first": False, "followup_prior": False, "clause_space": True, "asked_piece": False, "zh_words": False, "known_words": True, "time_words": True, "compare_cue": True, "gift_browse": True, "service_words": False, "ship_when": False, "clock_when": True, "complaint_named": True, "ceiling_words": True, "id_sep": False, "order_clause": True, "greeting_words": True, "margin_sure": False, "refused_policy": True, "order_when": True, "progress_words": True, "topic_passing": True, "topic_sure": False, "chat_words": True, "id_tail": True, "id_split": True, "tail_words": False, "field_words": True, "page_facts": False, "zh_yuan": False, "ceiling_most": True, "news_word": True, "when_kept": False, "person_asked": True, "offer_yes": True, "have_search": True, "cheaper_kept": True, "party_service": True, "pay_amount": True, "search_amount": True, "id_digits": True, "person_plain": True, "cheaper_low": True}  # fmt: skip
