"""Small hand-made lexicons the writer types facts and checks lines with (kept in code: they are rules).

Kinds of product (the bank's file names), the title words that say a kind, the words that belong to one
kind only (a line for another kind must not say them), and the morphemes that say what a phrase is.
"""

from __future__ import annotations

import functools
import re

KINDS = (
    "skincare",
    "makeup",
    "clothing",
    "food",
    "appliance",
    "electronics",
    "hometextile",
    "kids",
    "pet",
    "sports",
    "personalcare",
    "generic",
)
GENERIC = "generic"

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "skincare": (
        "面霜", "精华", "乳液", "面膜", "眼霜", "爽肤水", "化妆水", "柔肤水", "精华水", "精华液", "水乳", "防晒",
        "洗面奶", "洁面", "护肤", "卸妆", "身体乳", "安瓶", "冻干粉", "次抛", "肌底液", "霜", "精粹水",
        "修护液", "精油", "隔离", "原液", "润肤", "素颜霜", "喷雾", "补水", "抗皱", "淡纹", "祛痘", "美白",
    ),
    "makeup": (
        "粉底", "口红", "唇釉", "唇膏", "唇泥", "眼影", "气垫", "睫毛膏", "定妆", "散粉", "粉饼", "腮红", "眉笔",
        "眼线", "遮瑕", "高光", "修容", "彩妆", "妆前乳", "蜜粉", "BB霜", "CC霜", "化妆刷", "美妆蛋", "卸妆",
        "唇彩", "底妆", "粉霜", "眉粉", "指甲油",
    ),
    "clothing": (
        "衣", "裤", "裙", "鞋", "袜", "衫", "恤", "帽", "外套", "羽绒", "内衣", "文胸", "靴", "夹克", "卫衣",
        "毛衣", "背心", "马甲", "西装", "睡衣", "泳衣", "围巾", "手套", "腰带", "内裤", "打底", "针织", "风衣",
        "棉服", "旗袍", "汉服", "套装女", "男装", "女装", "拖鞋", "凉鞋", "运动鞋", "帆布鞋", "丝袜", "胸罩",
    ),
    "food": (
        "零食", "坚果", "大米", "茶", "咖啡", "奶粉", "牛奶", "酸奶", "饮料", "饼干", "巧克力", "糖", "面包",
        "蛋糕", "肉干", "牛肉", "猪肉", "鸡胸", "果干", "水果", "果汁", "气泡水", "矿泉水", "酒", "米", "面条",
        "方便面", "螺蛳粉", "火锅", "调料", "酱", "醋", "油", "蜂蜜", "燕窝", "麦片", "燕麦", "粽子", "月饼",
        "辣条", "薯片", "果仁", "腰果", "核桃", "红枣", "枸杞", "茶叶", "速食", "代餐", "蛋白粉", "五常", "香米",
        "奶茶", "挂耳", "冻干", "鸡蛋", "海鲜", "虾", "鱼", "肠", "粉丝", "豆浆粉", "益生菌", "维生素", "钙片",
        "保健", "胶囊", "口服液", "阿胶", "零食礼包",
    ),
    "appliance": (
        "空气炸锅", "豆浆机", "破壁机", "吸尘器", "电饭煲", "电饭锅", "风扇", "电风扇", "冰箱", "洗衣机", "空调",
        "微波炉", "烤箱", "热水器", "净水器", "扫地机", "拖地机", "洗地机", "加湿器", "除湿机", "电热水壶",
        "榨汁机", "料理机", "电压力锅", "电磁炉", "油烟机", "燃气灶", "洗碗机", "消毒柜", "取暖器", "电暖器",
        "挂烫机", "电熨斗", "空气净化器", "炒锅", "锅", "煎锅", "刀具", "菜刀", "保温杯", "水杯", "收纳",
        "晾衣架", "台灯", "吸顶灯", "灯", "马桶", "花洒", "水龙头", "垃圾桶", "拖把", "衣架", "置物架",
        "厨具", "家电", "电器", "蒸锅", "咖啡机", "饮水机", "电蒸锅", "绞肉机", "和面机", "厨师机", "椅",
        "桌", "沙发", "柜", "家具", "床架",
    ),
    "electronics": (
        "手机", "耳机", "电脑", "笔记本", "平板", "充电宝", "充电器", "数据线", "U盘", "投影仪", "插线板",
        "插座", "音箱", "音响", "键盘", "鼠标", "显示器", "摄像头", "监控", "相机", "路由器", "硬盘", "内存",
        "手表", "手环", "智能", "蓝牙", "主机", "台式机", "机箱", "显卡", "游戏机", "手柄", "移动电源",
        "存储卡", "内存卡", "麦克风", "电子", "数码", "学习机", "点读笔", "电纸书", "打印机", "电池", "排插",
    ),
    "hometextile": (
        "四件套", "被子", "被芯", "枕头", "枕", "毛巾", "床垫", "床单", "被套", "凉席", "毯", "蚊帐", "窗帘",
        "地毯", "抱枕", "浴巾", "床品", "家纺", "蚕丝被", "羽绒被", "乳胶枕", "席梦思", "靠垫", "坐垫",
    ),
    "kids": (
        "玩具", "积木", "奶瓶", "纸尿裤", "尿不湿", "童装", "儿童", "宝宝", "婴儿", "婴幼儿", "拼图", "磁力片",
        "益智", "早教", "绘本", "玩偶", "公仔", "毛绒", "安抚", "学步", "推车", "童车", "母婴", "辅食", "奶嘴",
        "爬行垫", "乐高", "遥控车", "模型", "娃娃", "湿巾",
    ),
    "pet": (
        "狗粮", "猫粮", "猫砂", "宠物", "狗狗", "猫咪", "幼犬", "成犬", "幼猫", "成猫", "犬粮", "猫条", "狗绳",
        "猫抓板", "猫爬架", "狗窝", "猫窝", "冻干", "罐头", "驱虫",
    ),
    "sports": (
        "自行车", "单车", "跑鞋", "瑜伽", "帐篷", "防晒衣", "跑步机", "哑铃", "健身", "户外", "登山", "骑行",
        "露营", "泳镜", "泳帽", "游泳", "球拍", "篮球", "足球", "羽毛球", "滑板", "轮滑", "钓鱼", "鱼竿",
        "运动", "徒步", "冲锋衣", "速干", "护膝", "跳绳", "筋膜枪", "健腹", "浮力", "冲浪", "滑雪",
    ),
    "personalcare": (
        "洗发水", "洗发露", "护发素", "发膜", "牙刷", "牙膏", "沐浴露", "剃须刀", "发蜡", "湿巾", "洗手液",
        "漱口水", "卫生巾", "染发", "吹风机", "电动牙刷", "冲牙器", "香水", "止汗", "脱毛", "卷发棒",
        "直发器", "护手霜", "洗衣液", "洗洁精", "纸巾", "棉柔巾", "牙线", "头皮", "防脱", "发际线", "去屑",
        "理发器", "足浴", "按摩", "眼罩", "口罩", "洗护",
    ),
}  # fmt: skip
"""Words of a title (and, weaker, of a card) that say what kind of product it is."""

ONLY_KINDS: dict[str, frozenset[str]] = {
    # skin and face: beauty and personal care only
    "上脸": frozenset({"skincare", "makeup"}),
    "贴脸": frozenset({"skincare", "makeup"}),
    "肌肤": frozenset({"skincare", "makeup", "personalcare", "kids"}),
    "皮肤": frozenset({"skincare", "makeup", "personalcare", "kids", "hometextile", "clothing"}),
    "护肤": frozenset({"skincare", "makeup", "personalcare"}),
    "毛孔": frozenset({"skincare", "makeup", "personalcare"}),
    "上妆": frozenset({"makeup", "skincare"}),
    "妆容": frozenset({"makeup", "skincare"}),
    "脱妆": frozenset({"makeup", "skincare"}),
    "卡粉": frozenset({"makeup", "skincare"}),
    "好推开": frozenset({"skincare", "makeup", "personalcare"}),
    "推开": frozenset({"skincare", "makeup", "personalcare"}),
    "吸收": frozenset({"skincare", "makeup", "personalcare", "food", "pet", "kids", "hometextile", "clothing"}),
    "流动性": frozenset({"skincare"}),
    "不油腻": frozenset({"skincare", "makeup", "personalcare", "food"}),
    "素颜": frozenset({"skincare", "makeup"}),
    "气色": frozenset({"skincare", "makeup", "food"}),
    # eating: food and pet food only
    "口感": frozenset({"food", "pet", "appliance"}),
    "好吃": frozenset({"food", "pet"}),
    "入口": frozenset({"food", "pet", "kids"}),
    "嚼": frozenset({"food", "pet", "kids"}),
    "吃起来": frozenset({"food", "pet"}),
    "解馋": frozenset({"food", "pet"}),
    "下饭": frozenset({"food"}),
    "饱腹": frozenset({"food", "pet"}),
    # wearing: clothes and sports wear
    "上身": frozenset({"clothing", "sports"}),
    "版型": frozenset({"clothing", "sports"}),
    "显瘦": frozenset({"clothing", "sports"}),
    "显高": frozenset({"clothing", "sports"}),
    "穿搭": frozenset({"clothing", "sports"}),
    "穿着": frozenset({"clothing", "sports", "kids"}),
    # making and lasting: things, not food
    "做工": frozenset(
        {"clothing", "appliance", "electronics", "hometextile", "kids", "sports", "pet", "generic", "personalcare"}
    ),
    "耐用": frozenset(
        {"clothing", "appliance", "electronics", "hometextile", "kids", "sports", "pet", "generic", "personalcare"}
    ),
    "经久耐用": frozenset({"clothing", "appliance", "electronics", "hometextile", "kids", "sports", "generic"}),
    "用起来": frozenset(
        {"skincare", "makeup", "appliance", "electronics", "hometextile", "kids", "sports", "personalcare",
         "generic", "clothing", "pet"}
    ),
    # machines
    "续航": frozenset({"electronics", "appliance", "sports", "personalcare"}),
    "充电": frozenset({"electronics", "appliance", "sports", "personalcare", "kids"}),
    "开机": frozenset({"electronics", "appliance"}),
    "卡顿": frozenset({"electronics"}),
    "画质": frozenset({"electronics"}),
    "音质": frozenset({"electronics"}),
    # pets
    "毛孩子": frozenset({"pet"}),
    "主子": frozenset({"pet"}),
    "铲屎官": frozenset({"pet"}),
}  # fmt: skip
"""Words that belong to some kinds of product only: a line for another kind may say one only when the
product's own card says it ("口感" for a bike, "质地…好推开" for an umbrella, 做工 for rice)."""

CONNECTIVES = (
    "不仅如此", "除此之外", "更重要的是", "最重要的是", "再加上", "关键是", "而且", "并且", "另外", "同时",
    "加上", "所以", "难怪", "怪不得", "用完", "这样", "还", "而",
)  # fmt: skip
"""A unit starting with one of these continues another unit of the same line (docs/sentence-bank.md)."""

CTA = re.compile(
    r"下单|入手|(?<![拍])拍(?!照|摄|视频|打|出|得|戏)|抢购|抢到|快抢|去抢|抢先|链接|购买|买它|带回家|加购|购物车|囤货|"
    r"囤起来|冲鸭|冲就完了|冲它|快冲|赶紧冲|冲呀|冲冲|冲一波|冲吧|赶紧买|带走|快买|闭眼买|别犹豫|心动不如行动|行动起来|不要错过|别错过|安排上"
)
"""A call to buy: one per ad, in a 引导购买 clip."""

# ---- what a phrase is ----
BENEFIT_VERBS = (
    "补水", "补充", "补", "淡化", "淡", "提亮", "提升", "提高", "缓解", "保护", "改善", "修护", "修复", "舒缓",
    "抗", "祛", "控油", "控", "锁水", "锁住", "锁", "滋养", "滋润", "美白", "紧致", "预防", "减少", "帮助",
    "锻炼", "培养", "促进", "增强", "增加", "呵护", "遮盖", "遮住", "遮", "清洁", "深层清洁", "均匀", "收缩",
    "疏通", "强韧", "延缓", "净化", "平衡", "调理", "焕亮", "养护", "保湿", "镇静", "维稳", "守护", "隔离",
    "唤醒", "激活", "告别", "远离", "减轻", "降低", "消除", "去除", "清除", "去", "杀菌", "除菌", "抑菌",
    "除螨", "防晒", "养", "解放", "节约", "缩短", "加快", "提供", "陪伴", "守护", "放松", "释放", "节省", "保持", "打造", "塑造", "唤活", "赋活", "焕活", "柔化",
    "细化", "亮白", "提拉", "润养", "养发", "护发", "固发", "生发", "保暖", "保护牙龈", "美颜", "健脾",
    "助眠", "调节", "吸走", "吸附", "吸收", "排出", "对抗", "抵御", "阻隔", "解决", "满足", "温养",
)  # fmt: skip
"""Verbs a 功效 phrase starts with when it says what the product does for the user (补水保湿, 补充能量)."""

TEXTURE_WORDS = (
    "细腻", "丝滑", "清爽", "轻薄", "水润", "滋润", "绵密", "柔软", "软糯", "酥脆", "香脆", "顺滑", "轻盈",
    "莹润", "柔滑", "润滑", "绵软", "蓬松", "厚实", "透气", "Q弹", "弹润", "软弹", "爽滑", "滑爽", "嫩滑",
    "醇厚", "香浓", "浓郁", "香甜", "清甜", "甘甜", "鲜嫩", "软嫩", "筋道", "爽口", "细滑", "柔顺", "服帖",
    "轻柔", "亲肤", "软", "滑", "润", "嫩", "脆", "香", "甜", "糯", "绵", "弹", "爽", "薄", "轻", "柔",
    "不油腻", "不粘腻", "不黏腻", "不假滑", "不拔干", "不紧绷", "不闷", "不厚重", "不腻", "不甜腻",
    "不粘", "不黏", "凝润", "清润", "润泽", "水感", "柔润", "丝柔", "绵柔", "柔雾", "哑光", "奶油",
)  # fmt: skip
"""Texture and mouthfeel words: a 质地 phrase made only of these (and 又/很/超) is a {texture}."""

PEOPLE_ENDS = (
    "肌", "皮", "族", "党", "人", "人群", "宝宝", "妈妈", "宝妈", "孕妇", "儿童", "学生", "男士", "女士", "女性",
    "男性", "女生", "男生", "新手", "青少年", "老人", "爱好者", "肤质", "孩子", "宝贝", "家庭", "白领", "少女",
    "女孩", "男孩", "姐妹", "达人", "一族", "骑友", "跑者", "玩家", "小白", "长辈", "父母", "婴幼儿", "幼儿",
    "家长", "司机", "考生", "专业人士", "女神", "小仙女", "打工人", "朋友", "猫", "犬", "狗",
)  # fmt: skip
"""How a word for people ends (敏感肌, 上班族, 学生党, 宝妈)."""

LOOK_HEADS = (
    "色", "瓶", "管", "盖", "身", "壳", "框", "架", "面", "头", "设计", "造型", "包装", "外观", "款", "型",
    "风", "纹", "图案", "盒", "边", "线条", "把手", "罐", "袋", "领", "袖", "口", "标", "logo", "LOGO",
    "花", "印花", "刺绣", "绣", "腰", "摆", "底", "扣", "盒子", "套", "外壳", "机身", "瓶身", "车身", "杯身",
    "壶身", "锅身", "笔身", "表盘", "表带", "鞋身", "包身",
)  # fmt: skip
"""Last words of an appearance noun phrase (磨砂瓶身, 奶白色机身, 流线型车身)."""

COLOUR = re.compile(r"[黑白红橙黄绿青蓝紫粉灰棕金银米咖]色?|透明|哑光|磨砂|亮面|渐变|彩虹|珠光|奶白")

EVENTS = (
    "双11", "双十一", "双12", "双十二", "618", "年货节", "女神节", "三八节", "38节", "会员日", "限时大促",
    "大促", "狂欢节", "开学季", "年中大促", "周年庆", "店庆", "新品首发", "秒杀", "限时秒杀", "直播专享",
    "品牌日", "超级品牌日", "年终大促", "春节", "七夕", "情人节", "母亲节", "父亲节", "儿童节", "中秋",
)  # fmt: skip
"""Sales events ({event})."""

OFFER = re.compile(
    r"^(?:限时|今天|现在|活动期间|下单|直播间)?(?:"
    r"(?:买|拍|下单)[0-9一二两三四五六七八九十]+[^，。]{0,8}(?:享|送|赠|得)[^，。]{1,10}"  # 买100克享190克
    r"|(?:到手价?|券后价?|活动价|折后价?|秒杀价|直播价|限时价|售价|仅需|只要|低至)(?:仅|只要)?[0-9]+(?:\.[0-9]+)?(?:元|块)"
    r"|[0-9]+(?:\.[0-9]+)?元(?:到手|包邮)?"
    r"|第[二三2-3]件(?:半价|[0-9.]+折|[0-9]+元|免费|0元)"
    r"|(?:每)?满[0-9]+(?:元)?减[0-9]+(?:元)?"
    r"|(?:领|送|赠)?[0-9]+元(?:优惠)?券"
    r"|(?:立减|直降|立省|优惠|减|省|降)[0-9]+(?:元)?"
    r"|[0-9一二两三四五六七八九十]+期免息"
    r"|买[一二两三四五1-5]送[一二两三1-3]"
    r"|[0-9]+(?:\.[0-9]+)?折(?:起)?"
    r"|(?:送|赠送?|加赠|附赠|另送|再送|下单送|下单赠|买就送|买即送)(?!给|她|他|人|礼(?:物)?$)[^，。0-9]{2,10}"
    r"|(?:拍|买)[一二两三四五1-5](?:件|瓶|盒|支|袋)?(?:立减|减)[0-9]+(?:元)?"
    r"|(?:前|限前)[0-9]+名[^，。]{1,8}"
    r")$"
)
"""A deal clause said verbatim ({offer})."""

SERVICE = re.compile(
    r"无理由|退换|包退|包换|换新|质保|保修|联保|包邮|上门|运费险|只换不修|售后|延保|先用后付|试用|退货|保价|发货"
)
CERT = re.compile(r"(?:认证|检测|专利|证书|许可|标准|测试|金奖|大奖|奖|报告|备案|鉴定|质检|认可)$")

FEATURE_START = re.compile(r"^[0-9]")
"""A phrase that starts with a figure is a feature it has (5升大容量, 4D扶手, 22速变速)."""

TRAIT_START = tuple("不无零可能防抗免易超很更好少低高耐快慢轻省亮久全自")
"""A phrase starting with one of these says what the product is or does (不掉毛, 可机洗, 防水防汗)."""

PRODUCT_NOUNS = (
    "爽肤水", "化妆水", "精华液", "精华水", "精华", "面霜", "乳液", "眼霜", "面膜", "洗面奶", "防晒霜",
    "防晒乳", "口红", "粉底液", "气垫", "卸妆水", "卸妆油", "身体乳", "香水", "发膜", "洗发水", "护发素",
    "沐浴露", "牙膏", "套装", "礼盒", "摄像头", "手机", "耳机", "旗舰店", "正品", "官方",
)  # fmt: skip
"""Product nouns: a card value ending in one names a product (often another one), not a fact about it."""

NOISE_WORDS = (
    "信息", "无专利", "无质量", "问题吗", "什么", "怎么", "哪些", "为什么", "有没有", "是不是", "吗", "呢",
    "？", "?", "天猫", "淘宝", "京东", "抖音", "旗舰店", "直播间", "官方", "正品", "链接", "点击",
)  # fmt: skip
"""Words that make a card value noise or a shop's own talk, not a fact to voice."""

CLAIMS = re.compile(
    r"认证|专利|检测|质检|权威|医用|医护级|获奖|大奖|金奖|销量|(?<!安全)第一(?!次|眼|个|步|时间|印象|口|天|反应|感觉|位|件|件事|晚|周|下)|"
    r"排名|冠军|榜单|榜首|TOP|好评率|爆卖|累计|临床|实验|零添加|纯天然|万人|明星|同款|热销|进口|天猫|淘宝|京东|"
    r"抖音|直播间|旗舰店|国标|国家标准|无毒|研发|"
    r"宝宝|婴儿|婴幼儿|孕妇|孕期|新妈妈|宝妈|老人|敏感肌|油皮|干皮"
)
"""Claims (certificate, patent, test, award, rank, where it is sold, who it is for) a line may make only when
the card does."""

DEAL = re.compile(
    r"[0-9一二两三四五六七八九十百千]+[^，。]{0,6}(?:元|折|减|送|赠|享|免息)"
    r"|(?:送|赠|加赠|附赠)(?!礼(?:物)?$|福利|好礼|送|优惠|东西|惊喜|给|她|他|人)[\u4e00-\u9fff]{2,}"
    r"|半价|免息|立减|直降|以旧换新"
)
"""A deal in a 活动优惠 value written some other way ("满三百减五十", "四包到手价89元", "以旧换新补贴100元"):
still an offer, said verbatim."""

# ---- how one uses a product: the verb a line says it with ----
USE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pet-food", re.compile(r"狗粮|猫粮|犬粮|猫条|罐头|宠物零食|冻干|羊奶粉")),
    ("drink", re.compile(r"咖啡|茶|果汁|橙汁|饮料|气泡水|矿泉水|牛奶|酸奶|奶茶|豆浆粉|酒|冲饮|饮品")),
    ("eat", re.compile(r"坚果|零食|大米|香米|米$|饼干|巧克力|糖|面包|蛋糕|肉干|肉脯|牛肉|果干|水果|面条|方便面|螺蛳粉|"
                       r"蜂蜜|燕窝|麦片|燕麦|粽子|月饼|辣条|薯片|果仁|红枣|枸杞|代餐|蛋白粉|鸡蛋|海鲜|调料|酱|钙片|维生素")),
    ("wear", re.compile(r"(?<!洗)衣(?![架柜机])|裤|裙|鞋|袜|衫|恤|帽|外套|羽绒|内衣|文胸|胸贴|靴|夹克|毛衣|背心|马甲|西装|睡衣|泳衣|围巾|手套")),
    ("play", re.compile(r"玩具|积木|拼图|乐高|娃娃|玩偶|公仔|遥控车|遥控赛车|赛车|模型|磁力片|毛绒")),
    ("ride", re.compile(r"自行车|单车|山地车|公路车|滑板车|平衡车|电动车")),
    ("ball", re.compile(r"篮球|足球|排球|羽毛球|乒乓球|网球")),
)  # fmt: skip
"""What one does with a product, by its type word or title (first match wins)."""
_USED_OVER_TIME = ("体验下来", "体验之后", "用下去", "用下来", "用了一段", "用了几", "用了之后")
"""How one says a product was used a while: said of a cream or a machine, not of food, clothes or toys."""
_CONSUMED = (*_USED_OVER_TIME, "用起来", "用着", "细节处理", "做工", "实际用", "实际体验", "上手")
"""Use and craft words that do not fit what is eaten or drunk."""
USE_WORDS: dict[str, tuple[str, ...]] = {
    "pet-food": (*_CONSUMED, "用了才"),
    "drink": (*_CONSUMED, "吃起来", "吃下来"),
    "eat": (*_CONSUMED, "喝起来", "喝下来"),
    "wear": (*_USED_OVER_TIME, "用着", "实际用", "直接上手"),
    "play": (*_USED_OVER_TIME, "用得开心", "实际用", "用起来", "用它", "实际体验", "好用"),
    "ride": ("动起来", "用了几天", "体验下来"),
    "ball": ("运动的时候不用担心", "注意力都放在自己身上", "动起来", "用起来"),
}
"""Words of using a product that do not fit these (-> 吃/喝/尝, 穿/上脚, 玩/拼, 骑): "体验下来" for rice."""
STATIONARY = re.compile(
    r"跑步机|键盘|台式机|主机|显示器|冰箱|洗衣机|空调|沙发|床垫|落地灯|浴霸|马桶|热水器|油烟机|扫地机|摄像头|"
    r"豆浆机|破壁机|空气炸锅|电饭煲|微波炉|烤箱|净水器|书桌|办公椅|椅|柜|四件套|被|枕"
)
"""Products that stay at home: never carried out ("每次运动都带上它" for a treadmill)."""
CARRIED = (
    "带出去",
    "带上它",
    "带着它",
    "随身",
    "包里",
    "出门带",
    "通勤带",
    "出门在外",
    "带着很方便",
    "都带上",
)
INTIMATE = re.compile(r"内衣|文胸|胸贴|胸罩|内裤|乳贴")
"""Underwear: not asked about in public ("平时穿什么")."""


@functools.lru_cache(maxsize=1024)
def use_kind(title: str) -> str:
    """How a product is used ("eat", "drink", "wear", "play", "ride", "ball", "pet-food"), or ""."""
    for kind, pattern in USE_KINDS:
        if pattern.search(title):
            return kind
    return ""
