"""Name material for the synthetic city: surnames, given-name characters, village and community
names, and per-character pinyin so names can be romanised with array operations.

Surnames are romanised with their surname reading (曾 zeng, 覃 qin, from
`minzheng.people.pinyin.SURNAMES`) and, where it differs, also with the common one, exactly as
`minzheng.people.pinyin.name_pinyin` keys a name. Given-name characters that read differently
inside a phrase are left out, so that the per-character romanisation equals `name_pinyin` of the
whole name.
"""

from __future__ import annotations

from functools import cache

# Common surnames with rough national frequencies (per mille); Hubei-flavoured at the tail.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 13),
    ("郭", 11),
    ("何", 11),
    ("高", 10),
    ("林", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 8),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("付", 3),
    ("方", 3),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 3),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 2),
    ("武", 2),
    ("戴", 2),
    ("孔", 1),
    ("向", 2),
    ("汤", 1),
    ("涂", 2),
    ("喻", 1),
    ("鄢", 1),
    ("聂", 1),
    ("柯", 1),
    ("舒", 1),
    ("曾", 3),
    ("覃", 1),
)

# Given-name characters by sex and generation: older names lean to 国/华/秀/英, younger to 浩/涵/欣.
GIVEN_CHARS: dict[str, str] = {
    "male_older": "建国华明德忠学文志清林春海祥福贵金山生发荣兴庆成军平富永光玉新友松财宝全胜才义元立安先中洪汉家根",
    "male_younger": "伟强磊军勇杰涛超鹏辉浩宇俊凯帅鑫斌飞晨阳博文轩子睿泽皓宁旭翔毅航锐昊天铭哲然晓嘉志明思远豪诚彬亮振峰",
    "female_older": "秀英兰芳珍桂凤华玉梅翠淑琴云莲菊春花美荣霞敏丽红萍琼爱月素金娥香秋慧",
    "female_younger": "静婷丽娟燕敏艳颖佳欣雪琳倩雨梦瑶怡璐萱诗涵思晶洁妍丹悦可馨蕾薇彤宁婧晨菲月玲",
}
GIVEN_POOLS = ("male_older", "male_younger", "female_older", "female_younger")

# Village (村) name parts: 王家湾村, 石桥村, 胜利村.
VILLAGE_FEATURES = "湾岗台冲畈垸河桥店庙坪湖咀岭集铺寨港沟坡垱堰场塘山"
VILLAGE_PREFIXES_1 = "新东西南北红大小石黄青白马龙凤柳桃双三五高安金银团合杨李刘何"
VILLAGE_PREFIXES_2 = (
    "胜利",
    "建设",
    "联合",
    "先锋",
    "光明",
    "幸福",
    "民主",
    "清水",
    "杨柳",
    "荷花",
    "梨园",
    "枣树",
    "桂花",
    "莲花",
    "丰收",
    "永丰",
    "新华",
    "东风",
    "红旗",
    "前进",
    "团结",
    "向阳",
    "群力",
    "友谊",
    "和平",
    "沙河",
    "太平",
    "长岭",
    "白鹤",
    "金星",
    "新集",
    "三合",
    "联盟",
    "卫星",
    "高庙",
    "双河",
)

# Community (社区) name parts: 东方社区, 象山路社区, 月亮湖社区.
COMMUNITY_PREFIXES = (
    "东方",
    "中山",
    "人民",
    "解放",
    "团结",
    "建设",
    "和平",
    "幸福",
    "文化",
    "健康",
    "光明",
    "向阳",
    "胜利",
    "朝阳",
    "新华",
    "长宁",
    "白云",
    "象山",
    "月亮湖",
    "花园",
    "天鹅",
    "名泉",
    "杨湾",
    "官堰",
    "白石坡",
    "兴隆",
    "凤凰",
    "金龙",
    "竹园",
    "民主",
    "石化",
    "车桥",
    "金华",
    "望兵石",
    "培公",
    "紫薇",
    "阳光",
    "丽都",
    "滨江",
    "东湖",
    "西湖",
    "南湖",
    "北湖",
    "新城",
    "老街",
    "府前",
    "学院",
    "体育",
    "工农",
    "长青",
    "迎春",
    "春晖",
    "惠民",
    "安居",
    "康乐",
    "福泰",
    "振兴",
    "红星",
    "桥东",
    "桥西",
    "城南",
    "城北",
    "城东",
    "城西",
    "明珠",
    "锦绣",
    "翠苑",
    "书院",
    "莫愁",
    "烟墩",
    "皇城",
    "汉江",
)
COMMUNITY_SUFFIXES = ("", "", "", "路", "街", "里", "苑", "园", "湾", "桥")

# Banks that pay assistance in a Hubei county, with 6-digit card prefixes for 19-digit accounts.
BANKS: tuple[tuple[str, str, float], ...] = (
    ("湖北农商银行", "621260", 0.40),
    ("中国邮政储蓄银行", "621799", 0.25),
    ("中国农业银行", "622848", 0.20),
    ("中国建设银行", "621700", 0.08),
    ("中国工商银行", "622202", 0.07),
)


@cache
def char_pinyin(chars: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Full pinyin and initial of each single character, lower-case, without tones."""
    from pypinyin import Style, lazy_pinyin

    full = ["".join(lazy_pinyin(c, errors="ignore")).lower() if c else "" for c in chars]
    initials = [
        "".join(lazy_pinyin(c, style=Style.FIRST_LETTER, errors="ignore")).lower() if c else ""
        for c in chars
    ]
    return full, initials


@cache
def surname_pinyin(surnames: tuple[str, ...]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Per surname: full pinyin and initials of its surname reading, then of its common reading
    where that differs ("" where it does not), as `name_pinyin` keys them."""
    from minzheng.people.pinyin import SURNAMES as READINGS
    from minzheng.people.pinyin import surname_keys

    full, initials = char_pinyin(surnames)
    full, initials = list(full), list(initials)
    alt_full, alt_initials = [""] * len(surnames), [""] * len(surnames)
    for i, surname in enumerate(surnames):
        if surname in READINGS:
            own_full, own_initials, common_full, common_initials = surname_keys(surname)
            full[i], initials[i] = own_full, own_initials
            if common_full != own_full:
                alt_full[i], alt_initials[i] = common_full, common_initials
    return full, initials, alt_full, alt_initials
