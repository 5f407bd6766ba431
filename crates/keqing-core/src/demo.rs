//! The demo company: a beverage maker's south-west sales organisation
//! (云南, 贵州, 四川攀枝花) with ~500 customer organisations and ~1,500 people
//! — believable Chinese names, lunar and Gregorian birthdays, families with
//! milestones, referral chains, tastes and taboos. Deterministic, so every
//! installation shows the same company and tests can rely on it; dates are
//! placed relative to the `today` passed in.

use crate::calendar::lunar::{LunarDate, MonthDay};
use crate::model::{
    Birthday, FamilyRelation, Gender, InteractionData, LegalBasis, MilestoneKind, OrgKind, OrgStatus, OrganisationData,
    PersonData, Stage,
};
use crate::rng::SplitMix64;
use crate::validate::Problem;
use crate::{OrganisationId, UserId};
use chrono::{Datelike, Days, NaiveDate};

/// A team of the demo organisation. `parent` and `manager` index the lists.
#[derive(Debug, Clone)]
pub struct DemoTeam {
    /// Team name.
    pub name: &'static str,
    /// Index of the parent team.
    pub parent: Option<usize>,
    /// Index into [`DemoCompany::users`] of the manager.
    pub manager: usize,
}

/// A demo user. Every demo user's password is [`DEMO_PASSWORD`].
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Login name (pinyin).
    pub username: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Role identifiers.
    pub roles: &'static [&'static str],
    /// Index of the team the user belongs to.
    pub team: Option<usize>,
}

/// A sales territory: regions, a manager and reps (indexes into users).
#[derive(Debug, Clone)]
pub struct DemoTerritory {
    /// Name.
    pub name: &'static str,
    /// Region codes.
    pub regions: &'static [&'static str],
    /// Manager.
    pub manager: usize,
    /// Reps.
    pub members: &'static [usize],
}

/// A demo organisation. `data.owner` holds the owner's index into
/// [`DemoCompany::users`] (the loader maps it to the real id).
#[derive(Debug, Clone)]
pub struct DemoOrganisation {
    /// The record.
    pub data: OrganisationData,
}

/// A family member with milestones.
#[derive(Debug, Clone)]
pub struct DemoFamily {
    /// Relation.
    pub relation: FamilyRelation,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Milestones.
    pub milestones: Vec<(MilestoneKind, NaiveDate, &'static str)>,
}

/// A demo person. `data.owner` is a user index and `data.organisation` an
/// index into [`DemoCompany::organisations`].
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// The record.
    pub data: PersonData,
    /// Family.
    pub family: Vec<DemoFamily>,
    /// Index of the person who referred them (熟人介绍), if any.
    pub referred_by: Option<usize>,
}

/// Everything the demo loads.
#[derive(Debug, Clone)]
pub struct DemoCompany {
    /// Teams, parents before children.
    pub teams: Vec<DemoTeam>,
    /// Users.
    pub users: Vec<DemoUser>,
    /// Territories.
    pub territories: Vec<DemoTerritory>,
    /// Organisations.
    pub organisations: Vec<DemoOrganisation>,
    /// People.
    pub people: Vec<DemoPerson>,
}

/// The password of every demo user. The demo is for trying Keqing out;
/// never load it into a production database.
pub const DEMO_PASSWORD: &str = "keqing-demo-2026";

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾",
    "彭", "吕", "段", "杞", "普", "字", "尹", "欧阳", "司马",
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "建国", "建华",
    "志强", "海涛", "永红", "德明", "国庆", "文斌", "晓东", "俊杰", "家豪", "宇航", "子轩", "浩然",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "玲", "燕", "秀英", "桂英", "丽华", "晓红", "雪梅", "海燕", "婷婷",
    "欣怡", "梓涵", "诗琪", "春花", "美玲", "慧敏", "玉兰", "红梅",
];
const CHILD_NAMES: &[&str] =
    &["子涵", "一诺", "浩宇", "欣妍", "梓萱", "俊熙", "雨桐", "宇轩", "可馨", "博文", "思远", "若曦"];
/// (city code, area code, district codes).
const PLACES: &[(&str, &str, &[&str])] = &[
    ("530100", "0871", &["530102", "530103", "530111", "530112", "530114", "530181", "530127"]),
    ("530300", "0874", &["530302", "530303", "530381", "530322"]),
    ("532900", "0872", &["532901", "532923", "532925"]),
    ("530400", "0877", &["530402", "530403", "530423"]),
    ("520100", "0851", &["520102", "520103", "520115", "520111", "520181"]),
    ("520300", "0851", &["520302", "520303", "520382"]),
    ("510400", "0812", &["510402", "510403", "510411"]),
];
const STREETS: &[&str] = &[
    "人民中路",
    "青年路",
    "北京路",
    "东风西路",
    "环城南路",
    "建设路",
    "金碧路",
    "春城路",
    "滇池路",
    "新华街",
    "中华北路",
    "延安东路",
    "遵义路",
    "解放路",
    "枣子巷",
    "学府路",
];
const SHOP_WORDS: &[&str] = &[
    "佳佳",
    "福瑞",
    "万家",
    "惠民",
    "鑫源",
    "兴旺",
    "家乐",
    "好又多",
    "百顺",
    "金穗",
    "永辉",
    "和谐",
    "康乐",
    "春城",
    "滇池",
    "阳光",
    "吉祥",
    "顺心",
    "益民",
    "四季",
];
const PHARMACY_WORDS: &[&str] = &["康民", "仁和", "健之佳", "同仁", "益寿", "百草", "济世", "安康"];
const TAGS: &[&str] =
    &["社区店", "学校周边", "夜市", "连锁", "新开店", "旅游区", "乡镇", "批发市场", "写字楼", "医院周边"];
const INTERESTS: &[&str] =
    &["钓鱼", "打麻将", "爬山", "摄影", "下象棋", "养花", "跳广场舞", "看足球", "唱歌", "书法", "喝茶", "打篮球"];
const TASTES: &[&str] = &[
    "爱喝普洱，不吃辣",
    "喜欢小粒咖啡",
    "爱吃过桥米线",
    "不喝酒，爱喝茶",
    "喜欢辣，爱吃火锅",
    "吃素",
    "爱喝啤酒",
    "喜欢甜食",
    "爱吃鲜花饼",
    "饭量大，爱吃腊肉",
];
const GIFTS: &[&str] = &[
    "普洱茶饼",
    "云南小粒咖啡",
    "鲜花饼礼盒",
    "宣威火腿",
    "茅台镇酱香酒",
    "钓鱼竿",
    "公司定制保温杯",
    "孩子的学习用品",
];
const TABOOS: &[&str] = &["不送钟表", "不喜欢被催货", "忌讳提竞品", "不喝白酒", "晚上九点后不接电话"];
const MET: &[&str] = &["铺货时拜访认识", "老客户介绍", "订货会上认识", "前任业务员交接", "主动来电咨询", "展销会认识"];

fn person_name(rng: &mut SplitMix64, gender: Gender) -> String {
    let given = if gender == Gender::Male { rng.pick(GIVEN_MALE) } else { rng.pick(GIVEN_FEMALE) };
    format!("{}{}", rng.pick(SURNAMES), given)
}

fn mobile(rng: &mut SplitMix64) -> String {
    let prefix = *rng.pick(&["138", "139", "135", "136", "150", "151", "158", "187", "188", "177", "199"]);
    format!("{prefix}{:08}", rng.below(100_000_000))
}

fn birthday(rng: &mut SplitMix64, birth_year: i32) -> Option<Birthday> {
    let with_year = rng.chance(70).then_some(birth_year);
    match rng.below(10) {
        0..=3 => {
            // Lunar: a valid day of that lunar year (day 30 only if it exists).
            let month = rng.between(1, 12) as u8;
            let day = rng.between(1, 29) as u8;
            Some(Birthday::Lunar { month, leap: false, day, year: with_year })
        }
        4..=8 => {
            let month = rng.between(1, 12) as u8;
            let day = rng.between(1, 28) as u8;
            Some(Birthday::Solar { month, day, year: with_year })
        }
        _ => None,
    }
}

/// The demo company, always the same for the same `today`.
pub fn company(today: NaiveDate) -> DemoCompany {
    let teams = vec![
        DemoTeam { name: "西南大区", parent: None, manager: 0 },
        DemoTeam { name: "云南销售部", parent: Some(0), manager: 1 },
        DemoTeam { name: "贵州销售部", parent: Some(0), manager: 2 },
    ];
    let users = vec![
        DemoUser { username: "wangjianguo", display_name: "王建国", roles: &["manager"], team: None },
        DemoUser { username: "lihaitao", display_name: "李海涛", roles: &["manager"], team: Some(0) },
        DemoUser { username: "zhoumin", display_name: "周敏", roles: &["manager"], team: Some(0) },
        DemoUser { username: "zhangwei", display_name: "张伟", roles: &["rep"], team: Some(1) },
        DemoUser { username: "liuyang", display_name: "刘洋", roles: &["rep"], team: Some(1) },
        DemoUser { username: "chenjing", display_name: "陈静", roles: &["rep"], team: Some(1) },
        DemoUser { username: "yangfan", display_name: "杨帆", roles: &["rep"], team: Some(1) },
        DemoUser { username: "zhaolei", display_name: "赵磊", roles: &["rep"], team: Some(2) },
        DemoUser { username: "huangli", display_name: "黄丽", roles: &["rep"], team: Some(2) },
        DemoUser { username: "wuxia", display_name: "吴霞", roles: &["clerk"], team: Some(1) },
        DemoUser { username: "sunhong", display_name: "孙红", roles: &["clerk"], team: Some(2) },
        DemoUser { username: "gaofeng", display_name: "高峰", roles: &["finance"], team: None },
    ];
    let territories = vec![
        DemoTerritory { name: "昆明片区", regions: &["530100"], manager: 1, members: &[3, 4] },
        DemoTerritory { name: "滇东滇中片区", regions: &["530300", "530400"], manager: 1, members: &[5] },
        DemoTerritory { name: "滇西片区", regions: &["532900"], manager: 1, members: &[6] },
        DemoTerritory { name: "贵州片区", regions: &["520000"], manager: 2, members: &[7, 8] },
        DemoTerritory { name: "攀枝花片区", regions: &["510400"], manager: 2, members: &[7] },
    ];
    let region_names = crate::region::bundled().unwrap_or_default();
    let region_name =
        |code: &str| region_names.iter().find(|r| r.code == code).map(|r| r.name.clone()).unwrap_or_default();
    let mut rng = SplitMix64::new(2026);
    let mut organisations = Vec::new();
    let mut people: Vec<DemoPerson> = Vec::new();
    let kinds: &[(OrgKind, u64)] = &[
        (OrgKind::Distributor, 5),
        (OrgKind::SpecialDistributor, 2),
        (OrgKind::Wholesaler, 8),
        (OrgKind::KaStore, 3),
        (OrgKind::Supermarket, 20),
        (OrgKind::RetailStore, 46),
        (OrgKind::Pharmacy, 14),
        (OrgKind::InternalDepartment, 2),
    ];
    let total_weight: u64 = kinds.iter().map(|k| k.1).sum();
    for i in 0..500 {
        let (city, area, districts) = *rng.pick(PLACES);
        let district = *rng.pick(districts);
        let province = format!("{}0000", &city[..2]);
        let mut roll = rng.below(total_weight);
        let kind = kinds
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map(|k| k.0)
            .unwrap_or(OrgKind::RetailStore);
        let city_name = region_name(city);
        let district_name = region_name(district);
        let short_city = city_name.trim_end_matches('市').trim_end_matches("白族自治州").to_owned();
        let word = *rng.pick(SHOP_WORDS);
        let name = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor => format!("{short_city}{word}商贸有限公司"),
            OrgKind::Wholesaler => format!("{short_city}{district_name}{word}批发部"),
            OrgKind::KaStore => format!("{word}购物广场({district_name}店)"),
            OrgKind::Supermarket => format!("{word}超市({district_name}{}店)", rng.pick(STREETS)),
            OrgKind::RetailStore => format!("{word}便利店{}号", i % 97 + 1),
            OrgKind::Pharmacy => format!("{}大药房({district_name}店)", rng.pick(PHARMACY_WORDS)),
            OrgKind::InternalDepartment => {
                ["公司物流部", "公司市场部", "公司生产计划部", "公司品控部"][i % 4].to_owned()
            }
            OrgKind::Other => format!("{word}餐饮"),
        };
        let owner: usize = match &city[..2] {
            "52" | "51" => *rng.pick(&[7usize, 8]),
            _ => match city {
                "530100" => *rng.pick(&[3usize, 4]),
                "532900" => 6,
                _ => 5,
            },
        };
        // Turnover spread like a real market: a few large, many small.
        let turnover_yuan: i64 = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor => rng.between(3_000_000, 40_000_000),
            OrgKind::KaStore | OrgKind::Wholesaler => rng.between(800_000, 8_000_000),
            OrgKind::Supermarket | OrgKind::Pharmacy => rng.between(150_000, 2_000_000),
            OrgKind::InternalDepartment => 0,
            _ => rng.between(30_000, 600_000),
        };
        let opened = today - Days::new(rng.between(60, 365 * 15) as u64);
        let rate = |rng: &mut SplitMix64, base: i64| Some(rng.between((base - 1).max(1), (base + 1).min(5)) as u8);
        let base = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor | OrgKind::KaStore => 4,
            OrgKind::Supermarket | OrgKind::Wholesaler | OrgKind::Pharmacy => 3,
            _ => 2,
        };
        let internal = kind == OrgKind::InternalDepartment;
        let stages = [
            Stage::Acquaintance,
            Stage::Adjustment,
            Stage::Acceptance,
            Stage::Recognition,
            Stage::Growth,
            Stage::CoCreation,
        ];
        let mut tags = Vec::new();
        if !internal && rng.chance(60) {
            tags.push((*rng.pick(TAGS)).to_owned());
        }
        let status = match rng.below(100) {
            0..=3 => OrgStatus::Dormant,
            4..=5 => OrgStatus::Lost,
            _ => OrgStatus::Active,
        };
        organisations.push(DemoOrganisation {
            data: OrganisationData {
                name,
                kind,
                phone: Some(format!("{area}-{}", rng.between(60_000_000, 69_999_999))),
                address: Some(format!(
                    "{}{city_name}{district_name}{}{}号",
                    region_name(&province),
                    rng.pick(STREETS),
                    rng.between(1, 388)
                )),
                notes: None,
                owner: UserId(owner as i64),
                region_code: Some(district.to_owned()),
                opened_on: (!internal).then_some(opened),
                anniversary: (!internal).then(|| MonthDay { month: opened.month() as u8, day: opened.day() as u8 }),
                turnover_fen: (!internal).then_some(turnover_yuan * 100),
                consumer_reach: if internal { None } else { rate(&mut rng, base) },
                financial_strength: if internal { None } else { rate(&mut rng, base) },
                management_level: if internal { None } else { rate(&mut rng, base) },
                stage: Some(*rng.pick(&stages)),
                status,
                tags,
                co_owners: Vec::new(),
            },
        });
        let org_index = organisations.len() - 1;
        let positions: &[&'static str] = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor | OrgKind::Wholesaler => &["老板", "采购员", "业务经理"],
            OrgKind::KaStore | OrgKind::Supermarket => &["采购员", "店长", "采购部经理", "促销员"],
            OrgKind::Pharmacy => &["店长", "店员", "采购员"],
            OrgKind::InternalDepartment => &["主管", "同事"],
            _ => &["老板", "店员"],
        };
        let n_people = 2 + rng.below(3) as usize;
        let first_person = people.len();
        for p in 0..n_people {
            let gender = if rng.chance(55) { Gender::Male } else { Gender::Female };
            let full_name = person_name(&mut rng, gender);
            let birth_year = today.year() - rng.between(24, 62) as i32;
            let married = birth_year < today.year() - 27 && rng.chance(75);
            let mut family = Vec::new();
            if married {
                let spouse_gender = if gender == Gender::Male { Gender::Female } else { Gender::Male };
                let spouse_year = birth_year + rng.between(-3, 3) as i32;
                family.push(DemoFamily {
                    relation: FamilyRelation::Spouse,
                    name: person_name(&mut rng, spouse_gender),
                    gender: spouse_gender,
                    birthday: birthday(&mut rng, spouse_year),
                    milestones: Vec::new(),
                });
                if rng.chance(80) {
                    let child_age = rng.between(1, (today.year() - birth_year - 22).clamp(2, 30) as i64) as i32;
                    let child_gender = if rng.chance(50) { Gender::Male } else { Gender::Female };
                    let child_year = today.year() - child_age;
                    let mut milestones = Vec::new();
                    // A child in the last year of high school sits the gaokao on 7 June.
                    if child_age == 17 || child_age == 18 {
                        let year = if today.month() > 6 { today.year() + 1 } else { today.year() };
                        milestones.push((
                            MilestoneKind::Gaokao,
                            NaiveDate::from_ymd_opt(year, 6, 7).unwrap_or(today),
                            "今年高考",
                        ));
                    }
                    if child_age == 6 {
                        let year = if today.month() > 9 { today.year() + 1 } else { today.year() };
                        milestones.push((
                            MilestoneKind::SchoolEntrance,
                            NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today),
                            "上小学一年级",
                        ));
                    }
                    if child_age >= 24 && rng.chance(40) {
                        milestones.push((
                            MilestoneKind::Wedding,
                            today + Days::new(rng.between(20, 200) as u64),
                            "孩子结婚",
                        ));
                    }
                    family.push(DemoFamily {
                        relation: FamilyRelation::Child,
                        name: format!("{}{}", full_name.chars().take(1).collect::<String>(), rng.pick(CHILD_NAMES)),
                        gender: child_gender,
                        birthday: birthday(&mut rng, child_year),
                        milestones,
                    });
                }
            }
            let person_birthday = birthday(&mut rng, birth_year).filter(|b| match b {
                // A lunar birthday with its year must exist that lunar year.
                Birthday::Lunar { month, day, year: Some(y), leap } => LunarDate::new(*y, *month, *leap, *day).is_ok(),
                _ => true,
            });
            // About one in six was introduced by someone met earlier at the same rep.
            let referred_by = (people.len() > 10 && rng.chance(16))
                .then(|| {
                    let candidates: Vec<usize> = (0..first_person)
                        .rev()
                        .filter(|i| people[*i].data.owner == UserId(owner as i64))
                        .take(40)
                        .collect();
                    candidates.get(rng.below(candidates.len().max(1) as u64) as usize).copied()
                })
                .flatten();
            people.push(DemoPerson {
                data: PersonData {
                    name: full_name,
                    gender,
                    phone: Some(mobile(&mut rng)),
                    wechat: rng.chance(60).then(|| format!("wx_{}", rng.below(1_000_000_000))),
                    organisation: Some(OrganisationId(org_index as i64)),
                    position: Some(positions[p % positions.len()].to_owned()),
                    notes: None,
                    owner: UserId(owner as i64),
                    other_phones: Vec::new(),
                    qq: rng.chance(20).then(|| rng.between(10_000_000, 999_999_999).to_string()),
                    email: None,
                    address: None,
                    birthday: person_birthday,
                    interests: rng.chance(70).then(|| (*rng.pick(INTERESTS)).to_owned()),
                    tastes: rng.chance(60).then(|| (*rng.pick(TASTES)).to_owned()),
                    gift_preferences: rng.chance(50).then(|| (*rng.pick(GIFTS)).to_owned()),
                    taboos: rng.chance(20).then(|| (*rng.pick(TABOOS)).to_owned()),
                    how_we_met: Some((*rng.pick(MET)).to_owned()),
                    info_source: Some("业务员拜访时本人提供".to_owned()),
                    legal_basis: Some(if rng.chance(70) { LegalBasis::Consent } else { LegalBasis::Contract }),
                    affiliations: Vec::new(),
                },
                family,
                referred_by,
            });
        }
    }
    DemoCompany { teams, users, territories, organisations, people }
}

/// A demo contact with one person (the loader fills in the ids).
#[derive(Debug, Clone)]
pub struct DemoInteraction {
    /// Index into [`DemoCompany::people`].
    pub person: usize,
    /// The contact; `people` and `organisation_id` are left empty.
    pub data: InteractionData,
}

const VISIT_NOTES: &[&str] = &[
    "检查库存和陈列，补了两箱货",
    "帮忙调整端架陈列，老板很满意",
    "聊了下季度促销方案",
    "收回上月货款",
    "了解竞品进店情况，对方在搞买赠",
    "给店员讲了新品卖点",
];
const CARE_NOTES: &[&str] = &["问候家里老人身体", "聊孩子升学的事", "天气转凉，提醒注意身体", "听说店里忙，随便聊了聊"];

/// A few months of contacts for the demo company, so Today is full and
/// realistic on first run: each organisation visited in its class's rhythm
/// (`classes[i]` is organisation i's class) up to a random last visit — some
/// now overdue — work calls, irregular care calls, Mid-Autumn gifts for key
/// customers, help beyond business, promised next steps. Deterministic.
pub fn interactions(
    company: &DemoCompany,
    classes: &[crate::model::CustomerClass],
    today: NaiveDate,
) -> Vec<DemoInteraction> {
    use crate::agenda::cadence::CadenceRules;
    use crate::model::{InteractionKind, MessageChannel, VisitPurpose};
    let rules = CadenceRules::default();
    let mut g = SplitMix64::new(20_261_129);
    let start = today - Days::new(90);
    let blank = |kind: InteractionKind, on: NaiveDate| InteractionData {
        kind,
        on,
        organisation_id: None,
        people: vec![],
        purpose: None,
        duration_minutes: None,
        channel: None,
        gift_item: None,
        gift_value_fen: None,
        occasion: None,
        cost_fen: None,
        notes: None,
        next_step: None,
        next_step_on: None,
        agenda_key: None,
    };
    let back = |d: NaiveDate, n: i64| d - Days::new(n.max(0) as u64);
    let mut out = Vec::new();
    let mut seen_orgs = std::collections::HashSet::new();
    for (i, p) in company.people.iter().enumerate() {
        let Some(org) = p.data.organisation.map(|o| o.0 as usize) else { continue };
        let class = classes.get(org).copied().unwrap_or(crate::model::CustomerClass::Normal);
        let c = rules.of(class);
        if seen_orgs.insert(org) {
            // Visits, newest first, from a last visit that may be overdue.
            let (min, max) = (i64::from(c.visit.min_days), i64::from(c.visit.max_days));
            let mut on = back(today, g.between(1, max + 4));
            let mut first = true;
            while on > start {
                let mut v = blank(InteractionKind::Visit, on);
                v.purpose = Some(VisitPurpose::Work);
                if class == crate::model::CustomerClass::Key && g.chance(30) {
                    v.kind = InteractionKind::DeepVisit;
                    v.duration_minutes = Some(g.between(60, 120));
                } else if g.chance(5) {
                    v.kind = InteractionKind::Training;
                    v.notes = Some("给店员培训商务礼仪和销售技巧".into());
                }
                if v.notes.is_none() {
                    v.notes = Some((*g.pick(VISIT_NOTES)).to_owned());
                }
                if first && g.chance(20) {
                    v.next_step = Some("送新品陈列架和试饮装".into());
                    v.next_step_on = Some(on + Days::new(g.between(2, 6) as u64));
                }
                first = false;
                out.push(DemoInteraction { person: i, data: v });
                on = back(on, g.between(min, max));
            }
            if c.work_call_days > 0 {
                let every = i64::from(c.work_call_days);
                let mut on = back(today, g.between(2, every + 3));
                while on > start {
                    let mut w = blank(InteractionKind::WorkCall, on);
                    w.notes = Some("确认订货量和到货时间".into());
                    out.push(DemoInteraction { person: i, data: w });
                    on = back(on, every);
                }
            }
        }
        if c.care_call.is_on() {
            let (min, max) = (i64::from(c.care_call.min_days), i64::from(c.care_call.max_days));
            let mut on = back(today, g.between(min / 2, max + 5));
            while on > start {
                let mut call = blank(InteractionKind::CareCall, on);
                call.notes = Some((*g.pick(CARE_NOTES)).to_owned());
                out.push(DemoInteraction { person: i, data: call });
                on = back(on, g.between(min, max));
            }
        }
        let mid_autumn = NaiveDate::from_ymd_opt(today.year(), 9, 20).unwrap_or(today);
        if class == crate::model::CustomerClass::Key && mid_autumn < today && mid_autumn > start {
            let mut gift = blank(InteractionKind::Gift, mid_autumn);
            gift.gift_item = Some("云南鲜花月饼礼盒（带公司标志）".into());
            gift.gift_value_fen = Some(28_800);
            gift.occasion = Some("中秋".into());
            out.push(DemoInteraction { person: i, data: gift });
        } else if g.chance(30) {
            let mut m = blank(InteractionKind::Message, back(today, g.between(20, 100)));
            m.channel = Some(MessageChannel::Wechat);
            m.occasion = Some("国庆".into());
            m.notes = Some("国庆问候".into());
            out.push(DemoInteraction { person: i, data: m });
        }
        if g.chance(8) {
            let mut h = blank(InteractionKind::Help, back(today, g.between(10, 90)));
            h.notes = Some(
                (*g.pick(&["帮孩子联系了昆明的补习老师", "帮忙找了医院的熟人挂号", "帮老板搬了一次家"])).to_owned(),
            );
            out.push(DemoInteraction { person: i, data: h });
        }
    }
    out
}

/// Checks the demo against Keqing's own validation, so the demo can never
/// contain a record a user could not have typed.
pub fn validate(company: &DemoCompany) -> Result<(), (String, Problem)> {
    use crate::model::{OrganisationDraft, PersonDraft};
    for o in &company.organisations {
        OrganisationDraft::from(&o.data).parse().map_err(|e| (o.data.name.clone(), e.0[0].problem.clone()))?;
    }
    for p in &company.people {
        PersonDraft::from(&p.data)
            .parse()
            .map_err(|e| (format!("{} {}", p.data.name, e.0[0].field), e.0[0].problem.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn the_demo_is_deterministic_and_the_size_the_issue_asks_for() {
        let a = company(today());
        let b = company(today());
        assert_eq!(a.organisations.len(), 500);
        assert!((1300..=1700).contains(&a.people.len()), "{}", a.people.len());
        assert_eq!(a.people[17].data.name, b.people[17].data.name);
        let lunar = a.people.iter().filter(|p| matches!(p.data.birthday, Some(Birthday::Lunar { .. }))).count();
        let solar = a.people.iter().filter(|p| matches!(p.data.birthday, Some(Birthday::Solar { .. }))).count();
        assert!(lunar > 300 && solar > 400, "lunar {lunar}, solar {solar}");
        assert!(a.people.iter().filter(|p| p.referred_by.is_some()).count() > 100);
        assert!(a.people.iter().any(|p| p.family.iter().any(|f| !f.milestones.is_empty())));
    }

    #[test]
    fn every_demo_record_passes_validation() {
        assert_eq!(validate(&company(today())), Ok(()));
    }

    #[test]
    fn demo_references_point_where_they_should() {
        let c = company(today());
        for (i, t) in c.teams.iter().enumerate() {
            assert!(t.manager < c.users.len());
            assert!(t.parent.is_none_or(|p| p < i));
        }
        for o in &c.organisations {
            assert!(c.users[o.data.owner.0 as usize].roles.contains(&"rep"));
        }
        for (i, p) in c.people.iter().enumerate() {
            assert!(p.referred_by.is_none_or(|r| r < i && c.people[r].data.owner == p.data.owner));
        }
    }
}

/// `n` believable people as rows of an import file (Keqing's own headers),
/// for benchmarks and tests: about three people per shop, every phone
/// different, a third of the birthdays lunar.
pub fn people_rows(n: usize, seed: u64) -> (Vec<&'static str>, Vec<Vec<String>>) {
    use crate::import::Column;
    let columns = [
        Column::Name,
        Column::Gender,
        Column::Phone,
        Column::Wechat,
        Column::Organisation,
        Column::Position,
        Column::Birthday,
        Column::Interests,
        Column::Tastes,
        Column::Notes,
    ];
    let headers = columns.iter().map(|c| c.header()).collect();
    let mut rng = SplitMix64::new(seed);
    let positions = ["老板", "采购员", "店长", "店员", "采购部经理", "促销员"];
    let rows = (0..n)
        .map(|i| {
            let gender = if rng.chance(50) { Gender::Male } else { Gender::Female };
            // About three people per shop, the shop's name fixed by its number.
            let n = i / 3;
            let cities = ["昆明", "曲靖", "大理", "玉溪", "贵阳", "遵义", "攀枝花"];
            let shop =
                format!("{}{}{}号店", cities[n % cities.len()], SHOP_WORDS[(n / cities.len()) % SHOP_WORDS.len()], n);
            // Unique phones: the row number in the last eight digits.
            let prefix = *rng.pick(&["138", "139", "135", "136", "150", "151", "158", "187", "188", "177"]);
            let year = rng.between(1960, 1995) as i32;
            let birth = birthday(&mut rng, year).map(|b| b.display()).unwrap_or_default();
            vec![
                person_name(&mut rng, gender),
                gender.label(true).to_owned(),
                format!("{prefix}{:08}", i % 100_000_000),
                format!("wx{:08}{}", i, rng.below(10)),
                shop,
                (*rng.pick(&positions)).to_owned(),
                birth,
                (*rng.pick(INTERESTS)).to_owned(),
                (*rng.pick(TASTES)).to_owned(),
                if rng.chance(20) { (*rng.pick(MET)).to_owned() } else { String::new() },
            ]
        })
        .collect();
    (headers, rows)
}

#[cfg(test)]
mod people_rows_tests {
    #[test]
    fn generated_rows_import_without_errors() {
        let (headers, rows) = super::people_rows(300, 7);
        let headers: Vec<String> = headers.into_iter().map(str::to_owned).collect();
        let map = crate::import::auto_map(&headers);
        for (i, cells) in rows.into_iter().enumerate() {
            let row = crate::table::SourceRow { number: i + 2, cells, formulas: vec![] };
            let mut d = crate::import::read_row(&row, &headers, &map).unwrap();
            d.draft.owner = Some(crate::UserId(1));
            d.draft.parse().unwrap_or_else(|e| panic!("row {}: {e:?}", i + 2));
        }
    }
}
