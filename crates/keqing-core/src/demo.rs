//! The demo company: a small beverage manufacturer's south-west sales
//! organisation (云南, 贵州, 四川) with its customers. Deterministic, so
//! every installation shows the same people and tests can rely on them.
//!
//! Later parts of Keqing (calendar, interactions, expenses) extend the demo
//! from these records.

use crate::model::{Gender, OrgKind};
use crate::rng::SplitMix64;
use crate::validate::Problem;

/// A team of the demo organisation. `parent` indexes [`DemoCompany::teams`].
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

/// A demo customer organisation.
#[derive(Debug, Clone)]
pub struct DemoOrganisation {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Index into [`DemoCompany::users`] of the owning rep.
    pub owner: usize,
}

/// A demo person.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Mobile.
    pub phone: String,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Index into [`DemoCompany::organisations`].
    pub organisation: usize,
    /// Position there.
    pub position: &'static str,
}

/// Everything the demo loads.
#[derive(Debug, Clone)]
pub struct DemoCompany {
    /// Teams, parents before children.
    pub teams: Vec<DemoTeam>,
    /// Users.
    pub users: Vec<DemoUser>,
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
const PLACES: &[(&str, &str, &[&str])] = &[
    ("云南省", "昆明市", &["五华区", "盘龙区", "官渡区", "西山区", "呈贡区", "安宁市", "嵩明县"]),
    ("云南省", "曲靖市", &["麒麟区", "沾益区", "宣威市", "陆良县"]),
    ("云南省", "大理白族自治州", &["大理市", "祥云县", "宾川县"]),
    ("云南省", "玉溪市", &["红塔区", "江川区", "通海县"]),
    ("贵州省", "贵阳市", &["南明区", "云岩区", "观山湖区", "花溪区", "清镇市"]),
    ("贵州省", "遵义市", &["红花岗区", "汇川区", "仁怀市"]),
    ("四川省", "攀枝花市", &["东区", "西区", "仁和区"]),
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

/// The demo company, always the same.
pub fn company() -> DemoCompany {
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
    let mut rng = SplitMix64::new(2026);
    let mut organisations = Vec::new();
    let mut people = Vec::new();
    let reps_yunnan = [3usize, 4, 5, 6];
    let reps_guizhou = [7usize, 8];
    let kinds: &[(OrgKind, u64)] = &[
        (OrgKind::Distributor, 6),
        (OrgKind::SpecialDistributor, 2),
        (OrgKind::Wholesaler, 8),
        (OrgKind::KaStore, 3),
        (OrgKind::Supermarket, 20),
        (OrgKind::RetailStore, 45),
        (OrgKind::Pharmacy, 14),
        (OrgKind::InternalDepartment, 2),
    ];
    let total_weight: u64 = kinds.iter().map(|k| k.1).sum();
    for i in 0..320 {
        let (province, city, districts) = *rng.pick(PLACES);
        let district = *rng.pick(districts);
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
        let short_city = city.trim_end_matches('市').trim_end_matches("白族自治州");
        let word = *rng.pick(SHOP_WORDS);
        let name = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor => format!("{short_city}{word}商贸有限公司"),
            OrgKind::Wholesaler => format!("{short_city}{district}{word}批发部"),
            OrgKind::KaStore => format!("{word}购物广场({district}店)"),
            OrgKind::Supermarket => format!("{word}超市({district}{}店)", rng.pick(STREETS)),
            OrgKind::RetailStore => format!("{word}便利店{}号", i % 97 + 1),
            OrgKind::Pharmacy => format!("{}大药房({district}店)", rng.pick(PHARMACY_WORDS)),
            OrgKind::InternalDepartment => {
                ["公司物流部", "公司市场部", "公司生产计划部", "公司品控部"][i % 4].to_owned()
            }
            OrgKind::Other => format!("{word}餐饮"),
        };
        let owner = if province == "贵州省" { *rng.pick(&reps_guizhou) } else { *rng.pick(&reps_yunnan) };
        let area = match city {
            "昆明市" => "0871",
            "曲靖市" => "0874",
            "大理白族自治州" => "0872",
            "玉溪市" => "0877",
            "贵阳市" => "0851",
            "遵义市" => "0851",
            _ => "0812",
        };
        organisations.push(DemoOrganisation {
            name,
            kind,
            phone: format!("{area}-{}", rng.between(60_000_000, 69_999_999)),
            address: format!("{province}{city}{district}{}{}号", rng.pick(STREETS), rng.between(1, 388)),
            owner,
        });
        let positions: &[&'static str] = match kind {
            OrgKind::Distributor | OrgKind::SpecialDistributor | OrgKind::Wholesaler => &["老板", "采购员", "业务经理"],
            OrgKind::KaStore | OrgKind::Supermarket => &["采购员", "店长", "采购部经理", "促销员"],
            OrgKind::Pharmacy => &["店长", "店员", "采购员"],
            OrgKind::InternalDepartment => &["主管", "同事"],
            _ => &["老板", "店员"],
        };
        let n_people = 1 + rng.below(3) as usize + usize::from(kind == OrgKind::KaStore);
        for p in 0..n_people {
            let gender = if rng.chance(55) { Gender::Male } else { Gender::Female };
            let given = if gender == Gender::Male { rng.pick(GIVEN_MALE) } else { rng.pick(GIVEN_FEMALE) };
            let name = format!("{}{}", rng.pick(SURNAMES), given);
            let prefix = *rng.pick(&["138", "139", "135", "136", "150", "151", "158", "187", "188", "177", "199"]);
            let phone = format!("{prefix}{:08}", rng.below(100_000_000));
            let wechat = rng.chance(60).then(|| format!("wx_{}{}", prefix, rng.below(1_000_000)));
            people.push(DemoPerson {
                name,
                gender,
                phone,
                wechat,
                organisation: organisations.len() - 1,
                position: positions[p % positions.len()],
            });
        }
    }
    DemoCompany { teams, users, organisations, people }
}

/// Checks the demo against Keqing's own validation, so the demo can never
/// contain a record a user could not have typed.
pub fn validate(company: &DemoCompany) -> Result<(), (String, Problem)> {
    use crate::validate;
    for o in &company.organisations {
        validate::phone(&o.phone).map_err(|p| (o.phone.clone(), p))?;
        validate::required_line(&o.name, validate::limits::NAME).map_err(|p| (o.name.clone(), p))?;
    }
    for p in &company.people {
        validate::phone(&p.phone).map_err(|e| (p.phone.clone(), e))?;
        if let Some(w) = &p.wechat {
            crate::model::person::wechat(w).map_err(|e| (w.clone(), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_deterministic_and_sizeable() {
        let a = company();
        let b = company();
        assert_eq!(a.organisations.len(), 320);
        assert!(a.people.len() > 600, "{}", a.people.len());
        assert_eq!(a.people[17].name, b.people[17].name);
        assert_eq!(a.organisations[200].name, b.organisations[200].name);
    }

    #[test]
    fn every_demo_record_passes_validation() {
        assert_eq!(validate(&company()), Ok(()));
    }

    #[test]
    fn demo_teams_reference_existing_users_and_parents_come_first() {
        let c = company();
        for (i, t) in c.teams.iter().enumerate() {
            assert!(t.manager < c.users.len());
            assert!(t.parent.is_none_or(|p| p < i));
        }
        for o in &c.organisations {
            assert!(c.users[o.owner].roles.contains(&"rep"));
        }
    }
}
