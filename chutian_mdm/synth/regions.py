"""The real places the synthetic entities live in: 湖北省, mostly 武汉, 宜昌 and 襄阳.

Division codes and names are real GB/T 2260 codes (each one is checked against the table that
ships with python-stdnum in ``tests/test_synth.py``). Street (街道) names are real; road names
are real or plausible; communities and place names are made up. Centres are approximate.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "420000"
PROVINCE = "湖北省"


@dataclass(frozen=True)
class City:
    code: str
    name: str
    short: str  # 武汉 — used in company names and brackets
    area_code: str  # telephone area code
    local_digits: int  # digits of a local landline number
    local_first: str  # first digits a local number may start with


CITIES: dict[str, City] = {
    "420100": City("420100", "武汉市", "武汉", "027", 8, "5678"),
    "420500": City("420500", "宜昌市", "宜昌", "0717", 7, "46"),
    "420600": City("420600", "襄阳市", "襄阳", "0710", 7, "23"),
}


@dataclass(frozen=True)
class District:
    code: str
    name: str
    lon: float  # approximate centre, WGS84
    lat: float
    weight: float  # share of the synthetic population living here
    townships: tuple[str, ...]
    roads: tuple[str, ...]
    # (code, name, last birth year) of the county that held this territory before the district
    # was created: citizen IDs issued earlier keep the old code for life.
    predecessor: tuple[str, str, int] | None = None

    @property
    def city(self) -> City:
        return CITIES[self.code[:4] + "00"]


def _d(code: str, name: str, lon: float, lat: float, weight: float, townships: str, roads: str,
       predecessor: tuple[str, str, int] | None = None) -> District:
    return District(code, name, lon, lat, weight, tuple(townships.split()), tuple(roads.split()),
                    predecessor)


DISTRICTS: tuple[District, ...] = (
    _d("420102", "江岸区", 114.309, 30.600, 7, "大智街道 一元街道 车站街道 四唯街道 西马街道 "
       "二七街道 新村街道 后湖街道 塔子湖街道", "解放大道 中山大道 沿江大道 胜利街 黄浦大街 "
       "澳门路 二七路 惠济路 台北路 后湖大道"),
    _d("420103", "江汉区", 114.270, 30.601, 5, "民族街道 花楼街道 水塔街道 前进街道 民意街道 "
       "新华街道 万松街道 唐家墩街道 常青街道", "建设大道 新华路 江汉路 青年路 发展大道 唐家墩路 "
       "常青路"),
    _d("420104", "硚口区", 114.214, 30.582, 5, "古田街道 韩家墩街道 宗关街道 汉水桥街道 "
       "宝丰街道 荣华街道 汉正街道 长丰街道", "京汉大道 古田二路 长丰大道 汉正街 沿河大道 宝丰路"),
    _d("420105", "汉阳区", 114.218, 30.554, 5, "建桥街道 鹦鹉街道 洲头街道 五里墩街道 "
       "琴断口街道 江汉二桥街道 永丰街道", "汉阳大道 龙阳大道 鹦鹉大道 拦江路 墨水湖北路 "
       "四新大道 琴台大道"),
    _d("420106", "武昌区", 114.316, 30.554, 8, "积玉桥街道 杨园街道 徐家棚街道 粮道街道 "
       "中华路街道 黄鹤楼街道 紫阳街道 白沙洲街道 首义路街道 中南路街道 水果湖街道 "
       "珞珈山街道 南湖街道", "中北路 中南二路 武珞路 徐东大街 和平大道 中山路 彭刘杨路 "
       "友谊大道 八一路 民主路"),
    _d("420107", "青山区", 114.385, 30.640, 4, "红钢城街道 新沟桥街道 工人村街道 冶金街道 "
       "钢花村街道 白玉山街道 武东街道", "建设一路 冶金大道 红钢城大街 友谊大道 工业路"),
    _d("420111", "洪山区", 114.344, 30.500, 8, "珞南街道 关山街道 狮子山街道 张家湾街道 "
       "梨园街道 卓刀泉街道 洪山街道 和平街道 青菱街道", "珞喻路 雄楚大道 鲁磨路 关山大道 "
       "民族大道 南湖大道 狮子山街 卓刀泉路"),
    _d("420112", "东西湖区", 114.137, 30.620, 3, "吴家山街道 将军路街道 慈惠街道 走马岭街道 "
       "径河街道 金银湖街道", "东西湖大道 金银湖路 将军路 新城路 马池路"),
    _d("420114", "蔡甸区", 114.029, 30.582, 2, "蔡甸街道 奓山街道 永安街道 侏儒山街道 "
       "大集街道 玉贤街道", "蔡甸大街 树藩大街 汉阳大街 凤凰山路", ("420121", "汉阳县", 1991)),
    _d("420115", "江夏区", 114.321, 30.376, 4, "纸坊街道 金口街道 乌龙泉街道 郑店街道 "
       "五里界街道 法泗街道", "文化大道 纸坊大街 江夏大道 兴新街 熊廷弼路",
       ("420122", "武昌县", 1994)),
    _d("420116", "黄陂区", 114.375, 30.882, 3, "前川街道 祁家湾街道 横店街道 罗汉寺街道 "
       "滠口街道 武湖街道 天河街道", "前川大道 黄陂大道 百秀街 川龙大道 天河大道",
       ("420123", "黄陂县", 1997)),
    _d("420117", "新洲区", 114.801, 30.841, 2, "邾城街道 阳逻街道 仓埠街道 汪集街道 李集街道",
       "邾城大街 问津大道 齐安大道 阳逻大道 柳子港路", ("420124", "新洲县", 1997)),
    _d("420502", "西陵区", 111.286, 30.710, 5, "西陵街道 学院街道 云集街道 西坝街道 "
       "葛洲坝街道 夜明珠街道 东苑街道 南苑街道 北苑街道 窑湾街道", "东山大道 夷陵大道 云集路 "
       "解放路 沿江大道 西陵一路 西陵二路 珍珠路 东湖路"),
    _d("420503", "伍家岗区", 111.361, 30.644, 3, "大公桥街道 万寿桥街道 宝塔河街道 伍家乡",
       "伍临路 城东大道 桔城路 花艳路 夷陵大道"),
    _d("420504", "点军区", 111.268, 30.693, 1, "点军街道 艾家镇 桥边镇 联棚乡 土城乡",
       "江南大道 点军大道 五龙大道 朱家坪路"),
    _d("420506", "夷陵区", 111.326, 30.770, 3, "小溪塔街道 樟村坪镇 雾渡河镇 分乡镇 太平溪镇 "
       "三斗坪镇 乐天溪镇 龙泉镇 鸦鹊岭镇", "夷兴大道 东湖大道 发展大道 平湖大道 锦绣路",
       ("420521", "宜昌县", 2000)),
    _d("420581", "宜都市", 111.450, 30.378, 2, "陆城街道 红花套镇 高坝洲镇 聂家河镇 "
       "松木坪镇 枝城镇 姚店镇", "园林大道 清江大道 长江大道 名都路"),
    _d("420602", "襄城区", 112.134, 32.010, 4, "真武山街道 古城街道 庞公街道 檀溪街道 "
       "隆中街道 余家湖街道 尹集乡 卧龙镇 欧庙镇", "荆州街 南街 北街 檀溪路 环城南路 胜利街 "
       "真武山路"),
    _d("420606", "樊城区", 112.135, 32.045, 5, "汉江街道 王寨街道 中原街道 定中门街道 "
       "清河口街道 屏襄门街道 米公街道 柿铺街道 太平店镇 牛首镇", "人民路 长虹路 春园路 "
       "大庆路 解放路 前进路 中原路 建华路"),
    _d("420607", "襄州区", 112.211, 32.087, 3, "张湾街道 肖湾街道 六两河街道 伙牌镇 古驿镇 "
       "朱集镇", "航空路 团结路 鹿门路 邓城大道 襄州大道", ("420621", "襄阳县", 2000)),
    _d("420683", "枣阳市", 112.772, 32.129, 2, "北城街道 南城街道 环城街道 琚湾镇 七方镇 "
       "杨垱镇", "光武大道 人民路 书院街 新华路 建设路", ("420622", "枣阳县", 1988)),
)

DISTRICT_BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}

# Every code that may appear in a generated file, with its name (for the test against stdnum's
# table): cities, districts and the retired predecessor counties.
ALL_CODES: dict[str, str] = {
    PROVINCE_CODE: PROVINCE,
    **{c.code: c.name for c in CITIES.values()},
    **{d.code: d.name for d in DISTRICTS},
    **{d.predecessor[0]: d.predecessor[1] for d in DISTRICTS if d.predecessor},
}

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMMUNITY_WORDS = _words(
    "长春 丽岛 东亭 紫阳 福星 南湖 桂园 复兴 友谊 和平 幸福 新华 建设 江南 东山 桃花岭 滨江 "
    "康宁 锦绣 金桥 花园 学苑 青年 民主 胜利 育才 翠柳 百花 荷花 团结 朝阳 西湖 梅园 三眼桥"
)

PLACE_WORDS = _words(
    "御景 金色 阳光 锦绣 翠苑 江城 滨江 楚天 荆楚 凤凰 银河 东方 长江 汉水 清江 三峡 隆中 "
    "书香 紫荆 欣城 福苑 怡景 万象 碧桂 丽水 泰和 盛世 东湖 晴川 汉江 星河 融创 嘉园"
)

PLACE_KINDS = ("小区", "花园", "大厦", "广场", "苑", "公寓", "家园", "新城", "中心")


def id_region(district: District, birth_year: int) -> str:
    """The six-digit region of a citizen ID issued to someone born in ``birth_year``."""
    if district.predecessor and birth_year <= district.predecessor[2]:
        return district.predecessor[0]
    return district.code
