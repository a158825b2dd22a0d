//! The words the data is made of: names, places, themes, projects, wishes, assistance.

use domain::organization::{OrgType, Sector};
use domain::project::{Dimension, ProjectCategory};

pub(crate) const SURNAMES: &[&str] = &[
    "李", "王", "张", "杨", "刘", "陈", "赵", "何", "罗", "周", "段", "普", "字", "黄", "吴", "徐",
    "孙", "马", "朱", "胡", "郭", "高", "林", "郑", "谢", "韩", "唐", "冯", "董", "曹", "袁", "邓",
    "许", "彭", "吕", "苏", "卢", "蒋", "蔡", "丁", "魏", "叶", "余", "潘", "杜", "夏", "钟", "田",
    "任", "姜", "范", "方", "石", "姚", "谭", "廖", "熊", "金", "陆", "白", "毛", "邱", "龙", "万",
    "雷", "尹", "黎", "施", "鲁", "和", "木", "岩", "刀", "者", "欧阳",
];
pub(crate) const GIVEN: &[&str] = &[
    "华", "明", "国", "兴", "芳", "丽", "艳", "强", "伟", "军", "勇", "平", "红", "英", "秀", "珍",
    "春", "梅", "兰", "云", "峰", "福", "寿", "德", "文", "学", "志", "永", "建", "玉", "金", "成",
    "发", "荣", "琼", "萍", "燕", "晓", "东", "海", "林", "松", "新", "家", "光", "贵", "宝", "祥",
    "顺", "昌", "洪", "丹", "雪", "杰", "斌", "涛", "静", "敏", "慧", "磊",
];
pub(crate) const ROADS: &[&str] = &[
    "人民路",
    "北京路",
    "环城路",
    "建设路",
    "民族路",
    "文化路",
    "团结路",
    "兴业路",
    "振兴大道",
    "翠湖路",
    "滇池路",
    "新华路",
    "学府路",
    "东风路",
    "朝阳路",
];

/// Prefecture code → telephone area code.
pub(crate) const AREA_CODES: &[(&str, &str)] = &[
    ("5301", "0871"),
    ("5303", "0874"),
    ("5304", "0877"),
    ("5305", "0875"),
    ("5306", "0870"),
    ("5307", "0888"),
    ("5308", "0879"),
    ("5309", "0883"),
    ("5323", "0878"),
    ("5325", "0873"),
    ("5326", "0876"),
    ("5328", "0691"),
    ("5329", "0872"),
    ("5331", "0692"),
    ("5333", "0886"),
    ("5334", "0887"),
];

/// Yunnan's 25 border counties (陆地边境县), by the start of their names. Real
/// designations, set only when no county is flagged yet.
pub(crate) const BORDER_COUNTIES: &[&str] = &[
    "腾冲",
    "龙陵",
    "绿春",
    "金平",
    "河口",
    "麻栗坡",
    "马关",
    "富宁",
    "江城",
    "孟连",
    "澜沧",
    "西盟",
    "景洪",
    "勐海",
    "勐腊",
    "芒市",
    "瑞丽",
    "盈江",
    "陇川",
    "泸水",
    "福贡",
    "贡山",
    "镇康",
    "耿马",
    "沧源",
];

/// Themes of organizations' names by sector.
pub(crate) fn themes(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::IndustryAssociation => &[
            "茶叶",
            "咖啡",
            "花卉",
            "中药材",
            "核桃",
            "蔬菜",
            "水果",
            "食用菌",
            "畜牧业",
            "乡村旅游",
            "电子商务",
            "物流",
            "建筑业",
            "餐饮业",
            "民营企业",
            "农产品流通",
            "蚕桑",
            "高原特色农业",
            "家政服务",
            "光伏产业",
            "烟草种植",
            "橡胶",
            "甘蔗",
            "肉牛",
            "生猪",
            "渔业",
        ],
        Sector::Charity => &[
            "慈善",
            "扶贫开发",
            "乡村振兴",
            "助学",
            "关爱留守儿童",
            "助残",
            "志愿服务",
            "公益",
            "妇女儿童发展",
            "老年福利",
            "青少年发展",
            "医疗救助",
        ],
        Sector::Community => &["社区服务", "邻里互助", "老年人", "社区志愿者", "村民互助"],
        Sector::ScienceAcademic => &[
            "农学",
            "林学",
            "畜牧兽医",
            "农业机械",
            "植物保护",
            "水利",
            "医学",
            "护理",
            "土壤肥料",
            "园艺",
        ],
        Sector::SocialScience => &["民族文化", "乡村治理", "农村经济", "社会工作", "民族学"],
        Sector::CultureSports => &[
            "书法",
            "摄影",
            "民族歌舞",
            "体育",
            "非物质文化遗产",
            "民间文艺",
        ],
        Sector::Other => &[
            "青年创业",
            "返乡创业",
            "职业技能培训",
            "乡村人才",
            "农民专业合作",
        ],
    }
}

pub(crate) const MODIFIERS: &[&str] = &[
    "",
    "",
    "",
    "青年",
    "民营",
    "农村",
    "高原特色",
    "少数民族",
    "新时代",
    "山区",
    "边疆",
    "现代",
];

pub(crate) fn suffixes(org_type: OrgType, sector: Sector) -> &'static [&'static str] {
    match (org_type, sector) {
        (OrgType::Foundation, _) => &["基金会", "发展基金会", "慈善基金会"],
        (OrgType::SocialServiceAgency, _) => &["服务中心", "社会工作服务中心", "发展服务中心"],
        (OrgType::SocialGroup, Sector::IndustryAssociation) => {
            &["协会", "商会", "行业协会", "产业联合会"]
        }
        (OrgType::SocialGroup, Sector::ScienceAcademic) => &["学会", "科技协会"],
        (OrgType::SocialGroup, Sector::SocialScience) => &["研究会", "促进会"],
        (OrgType::SocialGroup, _) => &["协会", "促进会", "联合会"],
    }
}

pub(crate) const SUPERVISING_UNITS: &[&str] = &[
    "云南省农业农村厅",
    "云南省商务厅",
    "云南省教育厅",
    "云南省卫生健康委员会",
    "云南省科学技术协会",
    "云南省工商业联合会",
    "云南省文化和旅游厅",
    "云南省林业和草原局",
];

pub(crate) const ENTERPRISE_WORDS: &[&str] = &[
    "绿源", "彩云", "滇红", "山花", "金谷", "普洱", "雪域", "苍山", "丰泽", "瑞丰", "云岭", "边寨",
    "石林", "澜湄", "高原", "玉龙",
];
pub(crate) const ENTERPRISE_TRADES: &[&str] = &[
    "农业科技",
    "茶业",
    "咖啡",
    "食品",
    "生物科技",
    "农产品",
    "建材",
    "旅游开发",
    "电子商务",
    "畜牧",
    "花卉",
    "药业",
];

pub(crate) fn project_phrases(category: ProjectCategory) -> &'static [&'static str] {
    match category {
        ProjectCategory::Industry => &[
            "高原特色农业产业帮扶项目",
            "咖啡种植提质增效项目",
            "中药材种植示范基地",
            "肉牛养殖扶持项目",
            "茶叶初制所改造项目",
            "食用菌种植大棚项目",
            "核桃提质增效项目",
        ],
        ProjectCategory::Employment => &[
            "劳动力转移就业培训",
            "乡村工匠技能培训",
            "就业帮扶车间建设",
            "家政服务技能培训",
        ],
        ProjectCategory::Education => &[
            "助学金发放",
            "乡村学校图书角建设",
            "留守儿童课后托管",
            "乡村教师培训",
        ],
        ProjectCategory::Health => &[
            "义诊巡诊活动",
            "村卫生室设备捐赠",
            "大病救助",
            "健康知识进村",
        ],
        ProjectCategory::ElderlyCare => &[
            "村级养老服务站建设",
            "孤寡老人助餐服务",
            "居家养老上门服务",
            "老年活动中心改造",
        ],
        ProjectCategory::Consumption => &["农特产品消费帮扶", "以购代捐采购", "农产品产销对接"],
        ProjectCategory::Diversified => &[
            "人居环境整治",
            "乡村文化活动",
            "村集体经济发展",
            "饮水安全改善",
        ],
    }
}

pub(crate) fn category_dimension(category: ProjectCategory) -> Dimension {
    match category {
        ProjectCategory::Industry | ProjectCategory::Consumption => Dimension::Industry,
        ProjectCategory::Employment | ProjectCategory::Education => Dimension::Talent,
        ProjectCategory::Health | ProjectCategory::ElderlyCare => Dimension::Organization,
        ProjectCategory::Diversified => Dimension::Ecology,
    }
}

pub(crate) const WISHES: &[(&str, f64, f64)] = &[
    ("希望有一台洗衣机", 1_200.0, 2_500.0),
    ("孩子需要一套学习桌椅", 300.0, 800.0),
    ("老人需要一辆轮椅", 400.0, 1_200.0),
    ("希望得到一批鸡苗", 300.0, 1_000.0),
    ("需要一台冰箱", 1_500.0, 3_000.0),
    ("想要过冬的棉被和棉衣", 300.0, 900.0),
    ("孩子想要一个新书包和文具", 100.0, 300.0),
    ("需要一台电视机", 1_200.0, 2_800.0),
    ("希望修缮漏雨的屋顶", 2_000.0, 8_000.0),
    ("需要助听器", 800.0, 3_000.0),
    ("希望得到一批果树苗", 500.0, 2_000.0),
    ("需要一台热水器", 1_000.0, 2_500.0),
];

pub(crate) const ASSISTANCE: &[(domain::household::AssistanceKind, &str, f64, f64, f64)] = {
    use domain::household::AssistanceKind as K;
    &[
        // kind, description, weight, value range in yuan (0 = no value)
        (K::Visit, "走访慰问，了解家庭生产生活情况", 0.35, 0.0, 0.0),
        (K::Goods, "送去米、油、棉被等生活物资", 0.25, 200.0, 3_000.0),
        (K::Cash, "发放帮扶资金", 0.10, 500.0, 5_000.0),
        (
            K::Service,
            "提供技能培训和政策咨询服务",
            0.15,
            100.0,
            1_000.0,
        ),
        (K::Employment, "推荐到帮扶车间就业", 0.10, 0.0, 0.0),
        (K::Other, "协助办理医疗救助手续", 0.05, 0.0, 0.0),
    ]
};

pub(crate) const TERMINATION_REASONS: &[&str] = &[
    "经双方协商，调整为结对其他县",
    "组织业务调整，经省级审核同意终止",
    "结对任务已完成",
];

pub(crate) const CASE_CHANNELS: &[&str] = &[
    "云南省民政厅网站",
    "云南日报",
    "中国社会组织动态",
    "云南省社会组织公众号",
];
