from __future__ import annotations

import pytest

from livemod.classify import RuleEngine


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine()


def labels(engine: RuleEngine, text: str) -> set[str]:
    return {f"{m.category}/{m.subtype}" for m in engine.classify(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这款面膜全网最低价", "unclear_pricing/unverifiable_comparison"),
        ("比专柜便宜一半", "unclear_pricing/unverifiable_comparison"),
        ("原价六百九今天六十九", "unclear_pricing/fictitious_reference_price"),
        ("原價399 今天直播間只要69", "unclear_pricing/fictitious_reference_price"),
        ("到手价九十九", "unclear_pricing/conditional_price_hidden"),
        ("想要的扣1私你价格", "unclear_pricing/price_not_stated"),
        ("想要的家人扣一,我私信告訴你價格", "unclear_pricing/price_not_stated"),
        ("保价三十天", "unclear_pricing/broken_price_promise"),
        ("关注就抽手机", "unclear_pricing/fake_promotion"),
        ("吃三天降血糖", "false_advertising/medical_claims"),
        ("这个能治疗失眠", "false_advertising/medical_claims"),
        ("保证有效，无任何副作用", "false_advertising/efficacy_guarantee"),
        ("这是国家级产品，全网销量第一", "false_advertising/absolute_terms"),
        ("专家都在推荐", "false_advertising/fake_authority"),
        ("最后三单，马上恢复原价", "false_advertising/fake_urgency"),
        ("别家都是假货", "false_advertising/disparagement"),
        ("保证回本，包过", "false_advertising/income_or_outcome_promise"),
        ("正宗穿山甲鳞片", "prohibited_product/protected_wildlife"),
        ("不用处方直接拍", "prohibited_product/prescription_or_special_drugs"),
        ("果味烟弹到货了", "prohibited_product/tobacco_ecig"),
        ("逆变器捕鱼效果好", "prohibited_product/banned_fishing_gear"),
        ("十字弩现货", "prohibited_product/weapons_controlled"),
        ("一比一高仿的包", "prohibited_product/counterfeit"),
        ("加我微信私下便宜", "prohibited_product/off_platform_trade"),
        ("加V信详聊", "prohibited_product/off_platform_trade"),
        ("有绿泡泡的扣一下", "prohibited_product/off_platform_trade"),
    ],
)
def test_flags_each_subtype(engine: RuleEngine, text: str, expected: str) -> None:
    assert expected in labels(engine, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Phrasings beyond the first lexicon, written after reading the first holdout's misses.
        ("姐妹们这是我用过最牛的，没有之一", "false_advertising/absolute_terms"),
        ("这个锅国内没有任何一家能做出来", "false_advertising/absolute_terms"),
        ("本店销量全平台第一", "false_advertising/absolute_terms"),
        ("高血压的老人喝这个茶，可以把降压药停了", "false_advertising/medical_claims"),
        ("鱼油天天吃，心脑血管疾病都能预防", "false_advertising/medical_claims"),
        ("已经有十万名用户亲测有效", "false_advertising/fake_authority"),
        ("这是给国宴供货的厂家", "false_advertising/fake_authority"),
        ("这条项链含金量百分之百", "false_advertising/misrepresented_quality"),
        ("同行卖的那些都是二手翻新的", "false_advertising/disparagement"),
        ("买了这个机器开店，三个月就能回本", "false_advertising/income_or_outcome_promise"),
        ("官网价格六百六，宠粉价六十六", "unclear_pricing/fictitious_reference_price"),
        ("你去任何一个直播间比，都没有我家便宜", "unclear_pricing/unverifiable_comparison"),
        ("券后只要二十九块九，冲", "unclear_pricing/conditional_price_hidden"),
        ("到手价只要一百零九，三号链接，去拍", "unclear_pricing/conditional_price_hidden"),
        ("价格不方便在这里说，私聊我", "unclear_pricing/price_not_stated"),
        ("拍下以后客服会联系你，把价格改成实际的", "unclear_pricing/bait_price"),
        ("哪里比我们便宜，我给你补三倍差价", "unclear_pricing/broken_price_promise"),
        ("评论区扣好评，人人都能领金条", "unclear_pricing/fake_promotion"),
        ("头孢不用去医院开，我这里直接下单", "prohibited_product/prescription_or_special_drugs"),
        ("今天给老铁们上一款烟，一条才两百", "prohibited_product/tobacco_ecig"),
        ("这是莆田的纯原鞋", "prohibited_product/counterfeit"),
        ("直接转账给我，比在平台上拍便宜二十", "prohibited_product/off_platform_trade"),
        ("某猫某东卖的那些都是假的 只有我们是正品", "false_advertising/disparagement"),
        ("其他品牌的纸尿裤都有荧光剂 对宝宝不好", "false_advertising/disparagement"),
        ("这个价格就今晚 明天直接恢复到三百九", "false_advertising/fake_urgency"),
        ("整个抖音你都找不到比我便宜的", "unclear_pricing/unverifiable_comparison"),
        ("算下来一件只要二十九", "unclear_pricing/conditional_price_hidden"),
        ("看到的价格是打完折的 结算的时候还要加钱", "unclear_pricing/bait_price"),
        ("钢珠弹弓枪 打鸟准得很", "prohibited_product/weapons_controlled"),
        ("拍不了的宝宝 我给你发收款码", "prohibited_product/off_platform_trade"),
        # English, matched on the canonical form without spaces.
        ("this tea cures diabetes, my uncle stopped his insulin", "false_advertising/medical_claims"),
        ("clinically proven, dermatologists recommend it", "false_advertising/fake_authority"),
        ("cheapest price on the entire internet", "unclear_pricing/unverifiable_comparison"),
        ("comment one and I will DM you the price", "unclear_pricing/price_not_stated"),
        ("follow the stream and everyone wins a free iphone", "unclear_pricing/fake_promotion"),
    ],
)
def test_flags_common_rephrasings(engine: RuleEngine, text: str, expected: str) -> None:
    assert expected in labels(engine, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What Whisper base really wrote for the fixture lines.
        ("這款面膜全往最低價 別的地方都找不到這個價格", "unclear_pricing/unverifiable_comparison"),
        ("這個包包是一比一高訪的", "prohibited_product/counterfeit"),
        ("喜歡的可以加五微信,私下給你更便宜", "prohibited_product/off_platform_trade"),
        ("正宗春山假鱗片", "prohibited_product/protected_wildlife"),
        ("巷牙手鐲", "prohibited_product/protected_wildlife"),
        # The policy's patterns heard by sound (私发价格 -> 司法家个, 到手只需 -> 刀手指需).
        ("评论取扣个疑,后台司法家个给你。", "unclear_pricing/price_not_stated"),
        ("刀手指需69,家人们拍起来", "unclear_pricing/conditional_price_hidden"),
        ("护发金油能制脱发,突顶的都长出来了", "false_advertising/medical_claims"),
        ("一分前秒上,拍下后克服联系尼捕差架。", "unclear_pricing/bait_price"),
    ],
)
def test_survives_asr_mishearing(engine: RuleEngine, text: str, expected: str) -> None:
    assert expected in labels(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "第一次来我们直播间的朋友，记得点个关注",
        "最近天气冷了，大家出门注意保暖",
        "国家规定不能卖的东西我们不卖",
        "我们不说最好，只说实在的",
        "国家规定食品不能说有治疗作用，这个我们不说",
        "广告法规定不能说全网最低价",
        "价格都写在购物车里了，九十九元一件，满两件再减十元",
        "领券后到手价九十九，限前一百单",
        "穿山甲是国家一级保护动物，我们不卖",
        "请大家不要私下交易，所有订单都在平台下",
        "这个颜色是象牙白",
        # Heard by sound, but the guard is heard the same way, or one syllable is not enough.
        "这个颜色叫橡牙白是沙发的颜色名",
        "这个包装保证是全新的",
        "今天的价格和昨天一样，没有涨价也没有降价",
        "价格就是页面价格，拍下不会改价",
        "水果刀是没开刃的厨房刀，切水果用",
        "效果因人而异，我不敢给大家打包票",
        "大衣是羊毛和涤纶混纺的，羊毛含量百分之七十",
        "我想呀，这个颜色挺好看",
        "本品不能代替药物",
        "吸烟有害健康，请戒烟",
        "这是国家级非遗传承人做的",
        "今天就播到这里，谢谢大家，我们明天见",
        # Eleven is no "1:1" replica (双十一, 一百一十九).
        "今天是全年好价，双十一都没这个价",
        "会员价九十九，非会员一百一十九",
        # A coupon price with its coupon's terms.
        "券后价一百二十九，需要先领店铺券，满两百减三十",
        "红珊瑚是保护物种，我们卖的是人工合成的",
        "价保按平台规则来 我们不另外承诺",
        "这是一比一的建筑模型 比例很准",
        "这个玉是天然A货翡翠",
        "大家有事都在直播间说 不加私人微信",
        "price as shown at checkout, I won't claim it's the cheapest anywhere",
    ],
)
def test_hard_negatives_are_not_flagged(engine: RuleEngine, text: str) -> None:
    assert engine.classify(text) == []


def test_span_points_at_the_trigger(engine: RuleEngine) -> None:
    text = "家人们晚上好，这款茶能降血糖"
    (m,) = engine.classify(text)
    assert text[m.start : m.end] == "降血糖"
    assert m.legal_basis.startswith("《广告法》第十七条")
    assert m.suggestion
    assert m.rule.startswith("false_advertising.medical_claims:")


def test_one_match_per_subtype_keeps_the_spans_of_its_phrases(engine: RuleEngine) -> None:
    text = "国家级的工艺，大家看一下，绝无仅有"
    [m] = engine.classify(text)
    assert m.subtype == "absolute_terms"
    assert [text[a:b] for a, b in m.parts] == ["国家级", "绝无仅有"]
    assert (m.start, m.end) == (m.parts[0][0], m.parts[-1][1])


@pytest.mark.parametrize("text", ["价格不能说", "价格太便宜了不能说", "价钱便宜得不能说，懂的扣1"])
def test_a_refusal_that_ends_the_claim_is_the_claim(engine: RuleEngine, text: str) -> None:
    # 不能说 is also a disavowal cue ("广告法规定不能说最好"); at the end of the
    # match it is the withholding itself, and it used to excuse the hit.
    assert "price_not_stated" in {m.subtype for m in engine.classify(text)}


@pytest.mark.parametrize("text", ["扣1的别信私信你的骗子", "说价格不能说的直播间千万别信"])
def test_a_warning_inside_or_after_the_match_still_excuses(engine: RuleEngine, text: str) -> None:
    assert engine.classify(text) == []
