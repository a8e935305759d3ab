"""Nothing that identifies a resident is stored or logged.

User ids are salted hashes. In questions and log lines, ID-card, mobile, landline and bank-card
numbers (in any notation NFKC reduces to ASCII digits: full-width, spaced, dashed), person names
and street addresses are replaced by placeholders.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from bot.segment import general_frequency, general_tags, general_words

# A separator a person may type between groups of digits: a space or a dash of any kind.
_SEP = "[ \u00a0\\-\u2010-\u2015\u2212\u30fc_.]?"
_D = "[0-9]"


def _digits(count: int, first: str = _D) -> str:
    """``count`` digits, each but the first optionally preceded by a separator."""
    return first + (_SEP + _D) * (count - 1)


# 18-digit ID-card numbers (the last may be X), 11-digit mobile numbers (optionally +86), landline
# numbers with an area code, and bank-card-like runs of 12–19 digits. Short numbers (80岁, 2026年,
# 邮编046000) stay.
_ID_CARD = re.compile(rf"(?<![0-9]){_digits(17, '[1-9]')}{_SEP}[0-9xX](?![0-9a-zA-Z])")
_MOBILE = re.compile(rf"(?<![0-9])(?:\+?86{_SEP})?{_digits(11, '1')}(?![0-9])")
_LANDLINE = re.compile(rf"(?<![0-9])0[0-9]{{2,3}}{_SEP}[1-9](?:{_SEP}{_D}){{6,7}}(?![0-9])")
_CARD = re.compile(rf"(?<![0-9]){_digits(1)}(?:{_SEP}{_D}){{11,18}}(?![0-9])")

# A street address: a road or street name, then a house number, perhaps a building, unit, floor
# and room (英雄南路88号3单元, 府后西街12号院2号楼). The name is the few characters before 路/街…,
# stopping at a district, county or town, so 住在潞州区 stays readable.
_NUMBER = "[0-9一二三四五六七八九十百零〇两]+"
_UNIT = "(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户)"
_ROAD = "(?:大街|大道|胡同|路|街|巷|弄|里)"
_ADDRESS = re.compile(
    rf"[^\s0-9，。,.、；;：:！!？?（）()区县市镇乡省村在住是的到去]{{1,8}}{_ROAD}"
    rf"\s*{_NUMBER}\s*{_UNIT}(?:\s*{_NUMBER}\s*{_UNIT})*"
)
# Without a road: a building, unit and room chain (5号楼2单元301室, 3栋502).
_UNITS = re.compile(
    rf"{_NUMBER}\s*(?:号楼|栋|幢|单元)(?:\s*{_NUMBER}\s*{_UNIT})+(?:\s*{_NUMBER}(?![0-9]))?"
)

# A person says their name: 我叫王小明, 名叫…, 我的名字是…, 姓名：…
_SAYS_NAME = re.compile(
    r"(我叫|名叫|叫做|我的名字是|名字叫|姓名\s*[:：]?\s*)([\u4e00-\u9fff]{2,4})"
)
# Common surnames: a word tagged as a person name by jieba counts only when it starts with one
# (jieba tags many ordinary words nr: 养老, 代耕, 惠民 …).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙"
    "鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫"
    "米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# A common word (孙子, 胡同) is not read as a name even when jieba tags it so.
_NAME_MAX_FREQUENCY = 500
# A "name" ending in or right before one of these is part of a place name (和顺县, 王莽岭), which
# is public.
_PLACE_SUFFIXES = frozenset("岭山峰村庄镇乡寨河湖桥寺庙塔沟坡峪堡屯街路巷园院楼区县市")
_NAME_TAGS = frozenset({"nr", "nrfg"})
# Characters either side of a possible name that the tagger reads with it.
_TAG_CONTEXT = 3
_HAN_RUN = re.compile("[\u4e00-\u9fff]{2,}")

ID_CARD_MASK = "[身份证号]"
MOBILE_MASK = "[手机号]"
PHONE_MASK = "[电话]"
CARD_MASK = "[卡号]"
ADDRESS_MASK = "[地址]"
NAME_MASK = "[姓名]"


def mask_numbers(text: str) -> str:
    """``text`` with ID-card, mobile, landline and bank-card numbers replaced by placeholders."""
    text = _ID_CARD.sub(ID_CARD_MASK, text)
    text = _MOBILE.sub(MOBILE_MASK, text)
    text = _CARD.sub(CARD_MASK, text)  # before landlines: a card number holds one
    return _LANDLINE.sub(PHONE_MASK, text)


def mask_personal(text: str) -> str:
    """``text`` after NFKC with numbers, street addresses and person names masked."""
    text = mask_numbers(unicodedata.normalize("NFKC", text))
    text = _ADDRESS.sub(ADDRESS_MASK, text)
    text = _UNITS.sub(ADDRESS_MASK, text)
    text = _SAYS_NAME.sub(lambda match: match.group(1) + NAME_MASK, text)
    return _mask_tagged_names(text)


def _mask_tagged_names(text: str) -> str:
    """Words jieba's tagger calls person names, when they look like one (see ``_SURNAMES``).

    Only runs of Chinese characters are read, and the (slow) tagger only around a word the fast
    segmenter found that could be a name: most questions have none, and log lines are mostly ASCII.
    """
    return _HAN_RUN.sub(lambda run: _mask_names_in(run.group()), text)


def _mask_names_in(run: str) -> str:
    words = general_words(run)
    parts: list[str] = []
    start = 0
    for position, word in enumerate(words):
        following = words[position + 1][:1] if position + 1 < len(words) else ""
        end = start + len(word)
        if _could_be_name(word, following) and _tagged_as_name(run, start, end):
            parts.append(NAME_MASK)
        else:
            parts.append(word)
        start = end
    return "".join(parts)


def _could_be_name(word: str, following: str) -> bool:
    return (
        2 <= len(word) <= 4
        and word[0] in _SURNAMES
        and word[-1] not in _PLACE_SUFFIXES
        and following not in _PLACE_SUFFIXES
        and general_frequency(word) < _NAME_MAX_FREQUENCY
    )


def _tagged_as_name(run: str, start: int, end: int) -> bool:
    """Whether the tagger, reading the word with a little context, tags it as a name."""
    window = run[max(0, start - _TAG_CONTEXT) : end + _TAG_CONTEXT]
    word = run[start:end]
    return any(tagged == word and tag in _NAME_TAGS for tagged, tag in general_tags(window))


def warm_up() -> None:
    """Load the name tagger now (about a second), so the first question does not wait for it."""
    general_tags("我叫王小明")


def hash_user(user_id: int | str, salt: str) -> str:
    """A salted, keyed hash of a user id: the same person maps to the same value, irreversibly."""
    digest = hmac.new(salt.encode("utf-8"), str(user_id).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]
