//! The closed sets of the customer archive: classes, relationship stages,
//! statuses, positions, relations, legal bases, birthdays.

use super::labelled_enum;
use crate::calendar::lunar::{LunarDate, LunarMonthDay, MonthDay, Policy, Resolved};
use crate::validate::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// Customer class (客户分级): where time and money go.
    CustomerClass {
        /// 重点: visited every 3–5 days.
        Key = "key", "重点", "Key";
        /// 次重点: visited every 7–10 days.
        Secondary = "secondary", "次重点", "Secondary";
        /// 非重点: about monthly.
        Normal = "normal", "非重点", "Normal";
    }
}

labelled_enum! {
    /// The relationship's stage (关系阶段), from first contact to co-creation.
    Stage {
        /// 相识
        Acquaintance = "acquaintance", "相识", "Acquaintance";
        /// 磨合
        Adjustment = "adjustment", "磨合", "Adjustment";
        /// 接受
        Acceptance = "acceptance", "接受", "Acceptance";
        /// 认同
        Recognition = "recognition", "认同", "Recognition";
        /// 成长
        Growth = "growth", "成长", "Growth";
        /// 创造
        CoCreation = "co_creation", "创造", "Co-creation";
    }
}

labelled_enum! {
    /// Whether an organisation is still a customer.
    OrgStatus {
        /// 合作中
        Active = "active", "合作中", "Active";
        /// 休眠: no business for a while.
        Dormant = "dormant", "休眠", "Dormant";
        /// 流失: lost to a competitor.
        Lost = "lost", "流失（竞品）", "Lost to competitor";
        /// 已关闭
        Closed = "closed", "已关闭", "Closed";
    }
}

labelled_enum! {
    /// A person's role at an organisation.
    Position {
        /// 老板
        Owner = "owner", "老板", "Owner";
        /// 采购员
        Buyer = "buyer", "采购员", "Buyer";
        /// 采购部经理
        PurchasingManager = "purchasing_manager", "采购部经理", "Purchasing manager";
        /// 主管采购的领导
        Executive = "executive", "主管采购的领导", "Executive in charge";
        /// 店长 / 领班
        StoreManager = "store_manager", "店长", "Store manager";
        /// 店员 / 营业员
        Clerk = "clerk", "店员", "Clerk";
        /// 促销员
        Promoter = "promoter", "促销员", "Promoter";
        /// 同事 (the company's own departments)
        Colleague = "colleague", "同事", "Colleague";
        /// 其他
        Other = "other", "其他", "Other";
    }
}

labelled_enum! {
    /// A family member's relation to the customer.
    FamilyRelation {
        /// 配偶
        Spouse = "spouse", "配偶", "Spouse";
        /// 子女
        Child = "child", "子女", "Child";
        /// 父母
        Parent = "parent", "父母", "Parent";
        /// 兄弟姐妹
        Sibling = "sibling", "兄弟姐妹", "Sibling";
        /// 其他亲属
        Other = "other", "其他亲属", "Other relative";
    }
}

labelled_enum! {
    /// A milestone in a family member's life worth a call or a gift.
    MilestoneKind {
        /// 入学
        SchoolEntrance = "school_entrance", "入学", "Starts school";
        /// 高考
        Gaokao = "gaokao", "高考", "Gaokao";
        /// 毕业
        Graduation = "graduation", "毕业", "Graduation";
        /// 结婚
        Wedding = "wedding", "结婚", "Wedding";
        /// 添丁
        Newborn = "newborn", "添丁", "Newborn";
        /// 生病住院
        Illness = "illness", "生病住院", "Illness";
        /// 其他
        Other = "other", "其他", "Other";
    }
}

labelled_enum! {
    /// A relation between two people, stored once and shown from both sides.
    RelationKind {
        /// 配偶 (symmetric)
        Spouse = "spouse", "配偶", "Spouse";
        /// A is a parent of B (B is A's child).
        ParentOf = "parent_of", "父母", "Parent of";
        /// 同事 (symmetric)
        Colleague = "colleague", "同事", "Colleague";
        /// 朋友 (symmetric)
        Friend = "friend", "朋友", "Friend";
        /// A was referred by B (熟人介绍): the referral snowball.
        ReferredBy = "referred_by", "经…介绍", "Referred by";
    }
}

impl RelationKind {
    /// Whether A→B means the same as B→A.
    pub fn symmetric(self) -> bool {
        matches!(self, RelationKind::Spouse | RelationKind::Colleague | RelationKind::Friend)
    }

    /// How the relation reads from the other side.
    pub fn reverse_label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (RelationKind::ParentOf, true) => "子女",
            (RelationKind::ParentOf, false) => "Child of",
            (RelationKind::ReferredBy, true) => "介绍了",
            (RelationKind::ReferredBy, false) => "Referred",
            (k, zh) => k.label(zh),
        }
    }

    /// What the other person is to the one whose page it is: `outgoing`
    /// when that person is the stored `from` side ("A is parent of B" seen
    /// from A: B is A's child).
    pub fn other_is(self, outgoing: bool, zh: bool) -> &'static str {
        TIES.iter()
            .find(|t| t.kind == self && t.viewer_first == outgoing)
            .or_else(|| TIES.iter().find(|t| t.kind == self))
            .map_or("", |t| if zh { t.zh } else { t.en })
    }
}

/// A relation as a person reads it from their own page: "the other person
/// is my …". Each tie is one stored kind and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie {
    /// Identifier used by forms.
    pub id: &'static str,
    /// The stored kind.
    pub kind: RelationKind,
    /// Whether the viewer is stored as `from`.
    pub viewer_first: bool,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
}

/// Every tie a form offers.
pub const TIES: &[Tie] = &[
    Tie { id: "spouse", kind: RelationKind::Spouse, viewer_first: true, zh: "配偶", en: "Spouse" },
    Tie { id: "child", kind: RelationKind::ParentOf, viewer_first: true, zh: "子女", en: "Child" },
    Tie { id: "parent", kind: RelationKind::ParentOf, viewer_first: false, zh: "父母", en: "Parent" },
    Tie { id: "colleague", kind: RelationKind::Colleague, viewer_first: true, zh: "同事", en: "Colleague" },
    Tie { id: "friend", kind: RelationKind::Friend, viewer_first: true, zh: "朋友", en: "Friend" },
    Tie {
        id: "referrer",
        kind: RelationKind::ReferredBy,
        viewer_first: true,
        zh: "介绍人（由其介绍认识）",
        en: "Introduced me (referrer)",
    },
    Tie {
        id: "referred",
        kind: RelationKind::ReferredBy,
        viewer_first: false,
        zh: "经其介绍认识的客户",
        en: "Introduced by them",
    },
];

#[cfg(test)]
mod tie_tests {
    use super::*;

    #[test]
    fn relations_read_right_from_both_sides() {
        // 老王 is parent of 小王: on 老王's page 小王 is his child, and back.
        assert_eq!(RelationKind::ParentOf.other_is(true, true), "子女");
        assert_eq!(RelationKind::ParentOf.other_is(false, true), "父母");
        // A was referred by B: on A's page B is the referrer.
        assert_eq!(RelationKind::ReferredBy.other_is(true, false), "Introduced me (referrer)");
        assert_eq!(RelationKind::ReferredBy.other_is(false, false), "Introduced by them");
        // Symmetric kinds read the same either way.
        assert_eq!(RelationKind::Friend.other_is(false, true), "朋友");
    }
}

labelled_enum! {
    /// The legal basis for keeping a person's data (PIPL Art. 13).
    LegalBasis {
        /// 取得个人同意
        Consent = "consent", "个人同意", "Consent";
        /// 订立、履行合同所必需
        Contract = "contract", "履行合同所必需", "Necessary for a contract";
        /// 依法公开的信息
        Public = "public", "已公开信息", "Publicly disclosed";
        /// 其他合法事由
        Other = "other", "其他合法事由", "Other lawful basis";
    }
}

/// A birthday as people tell it: Gregorian or lunar, with or without the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "calendar", rename_all = "snake_case")]
pub enum Birthday {
    /// 公历生日.
    Solar {
        /// Month-day.
        month: u8,
        /// Day.
        day: u8,
        /// Year of birth, if known.
        year: Option<i32>,
    },
    /// 农历生日 (many people keep this one).
    Lunar {
        /// Lunar month.
        month: u8,
        /// In a leap month.
        leap: bool,
        /// Lunar day.
        day: u8,
        /// Lunar year of birth, if known.
        year: Option<i32>,
    },
}

impl Birthday {
    /// Parses what people type: "1980-08-15", "08-15", "农历八月十五"
    /// is not required — "农历 8-15", "农历1980-8-15", "lunar 8-15",
    /// "闰6-1" (a leap month, lunar). Blank is `None`.
    pub fn parse(text: &str) -> Result<Option<Birthday>, Problem> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let invalid = Problem::Invalid { expected: "birthday" };
        let (lunar, rest) = if let Some(r) = t.strip_prefix("农历").or_else(|| t.strip_prefix("阴历")) {
            (true, r.trim())
        } else if let Some(r) = t.strip_prefix("lunar").or_else(|| t.strip_prefix("Lunar")) {
            (true, r.trim())
        } else if let Some(r) = t.strip_prefix("公历").or_else(|| t.strip_prefix("阳历")) {
            (false, r.trim())
        } else {
            (t.starts_with('闰'), t)
        };
        // 闰 marks the month, wherever it is written: "闰6-1", "2025-闰6-10".
        let leap = rest.contains('闰');
        let rest = rest.replace('闰', "");
        let parts: Vec<&str> = rest.split(['-', '/', '.']).map(str::trim).collect();
        let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
        let nums = nums.ok_or(invalid.clone())?;
        let (year, month, day) = match nums.as_slice() {
            [m, d] => (None, *m, *d),
            [y, m, d] => (Some(*y), *m, *d),
            _ => return Err(invalid),
        };
        let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) else { return Err(invalid) };
        let year = match year {
            Some(y) if (1900..=2100).contains(&y) => Some(y as i32),
            Some(_) => return Err(Problem::Rule { rule: "birth_year_range" }),
            None => None,
        };
        if lunar || leap {
            let md = LunarMonthDay::new(month, leap, day).map_err(|_| Problem::Invalid { expected: "lunar date" })?;
            if let Some(y) = year {
                LunarDate::new(y, month, leap, day).map_err(|_| Problem::Rule { rule: "no_such_lunar_date" })?;
            }
            Ok(Some(Birthday::Lunar { month: md.month, leap: md.leap, day: md.day, year }))
        } else {
            match year {
                Some(y) => NaiveDate::from_ymd_opt(y, u32::from(month), u32::from(day)).ok_or(invalid)?,
                None => {
                    MonthDay::new(month, day).map_err(|_| invalid)?;
                    NaiveDate::default()
                }
            };
            Ok(Some(Birthday::Solar { month, day, year }))
        }
    }

    /// How it is written back: "1980-08-15", "08-15", "农历1980-08-15",
    /// "农历闰06-01" — `parse` reads it again.
    pub fn display(&self) -> String {
        match self {
            Birthday::Solar { month, day, year: Some(y) } => format!("{y}-{month:02}-{day:02}"),
            Birthday::Solar { month, day, year: None } => format!("{month:02}-{day:02}"),
            Birthday::Lunar { month, leap, day, year } => {
                let leap = if *leap { "闰" } else { "" };
                match year {
                    Some(y) => format!("农历{y}-{leap}{month:02}-{day:02}"),
                    None => format!("农历{leap}{month:02}-{day:02}"),
                }
            }
        }
    }

    /// In words: "农历八月十五" / "8月15日".
    pub fn words(&self, zh: bool) -> String {
        match self {
            Birthday::Solar { month, day, .. } => {
                if zh {
                    format!("{month}月{day}日")
                } else {
                    format!("{month:02}-{day:02}")
                }
            }
            Birthday::Lunar { month, leap, day, .. } => {
                let md = LunarMonthDay { month: *month, leap: *leap, day: *day };
                if zh { format!("农历{}", md.chinese()) } else { format!("lunar {}", md.chinese()) }
            }
        }
    }

    /// The next birthday on or after `from`.
    pub fn next_on_or_after(&self, from: NaiveDate, policy: &Policy) -> Option<Resolved> {
        match self {
            Birthday::Solar { month, day, .. } => {
                MonthDay::new(*month, *day).ok().map(|md| md.next_on_or_after(from, policy))
            }
            Birthday::Lunar { month, leap, day, .. } => {
                LunarMonthDay::new(*month, *leap, *day).ok().and_then(|md| md.next_on_or_after(from, policy).ok())
            }
        }
    }

    /// Age reached on the next birthday after `from`, when the year is known.
    pub fn age_on_next(&self, from: NaiveDate, policy: &Policy) -> Option<i32> {
        use chrono::Datelike;
        let next = self.next_on_or_after(from, policy)?.date;
        match self {
            Birthday::Solar { year: Some(y), .. } => Some(next.year() - y),
            Birthday::Lunar { year: Some(y), .. } => LunarDate::from_solar(next).ok().map(|l| l.year - y),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_parse_the_way_people_say_them() {
        assert_eq!(
            Birthday::parse("1980-08-15").unwrap(),
            Some(Birthday::Solar { month: 8, day: 15, year: Some(1980) })
        );
        assert_eq!(Birthday::parse("02-29").unwrap(), Some(Birthday::Solar { month: 2, day: 29, year: None }));
        assert_eq!(
            Birthday::parse("农历8-15").unwrap(),
            Some(Birthday::Lunar { month: 8, leap: false, day: 15, year: None })
        );
        assert_eq!(
            Birthday::parse("闰6-10").unwrap(),
            Some(Birthday::Lunar { month: 6, leap: true, day: 10, year: None })
        );
        assert_eq!(
            Birthday::parse("农历2025-闰6-10").unwrap(),
            Some(Birthday::Lunar { month: 6, leap: true, day: 10, year: Some(2025) })
        );
        assert_eq!(Birthday::parse(" ").unwrap(), None);
    }

    #[test]
    fn impossible_birthdays_are_refused_with_a_reason() {
        assert_eq!(Birthday::parse("1981-02-29"), Err(Problem::Invalid { expected: "birthday" }));
        assert_eq!(Birthday::parse("02-30"), Err(Problem::Invalid { expected: "birthday" }));
        assert_eq!(Birthday::parse("农历13-1"), Err(Problem::Invalid { expected: "lunar date" }));
        assert_eq!(Birthday::parse("农历2026-闰6-10"), Err(Problem::Rule { rule: "no_such_lunar_date" }));
        assert_eq!(Birthday::parse("1850-01-01"), Err(Problem::Rule { rule: "birth_year_range" }));
        assert!(Birthday::parse("tomorrow").is_err());
    }

    #[test]
    fn display_round_trips_and_words_read_well() {
        for s in ["1980-08-15", "08-15", "农历1980-08-15", "农历闰06-10"] {
            let b = Birthday::parse(s).unwrap().unwrap();
            assert_eq!(b.display(), s);
        }
        assert_eq!(Birthday::parse("农历8-15").unwrap().unwrap().words(true), "农历八月十五");
    }

    #[test]
    fn the_next_lunar_birthday_and_the_age_it_brings() {
        let b = Birthday::parse("农历1976-08-15").unwrap().unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let next = b.next_on_or_after(from, &Policy::default()).unwrap();
        assert_eq!(next.date, NaiveDate::from_ymd_opt(2026, 9, 25).unwrap());
        assert_eq!(b.age_on_next(from, &Policy::default()), Some(50));
    }

    #[test]
    fn relations_read_from_both_sides() {
        assert_eq!(RelationKind::ReferredBy.label(true), "经…介绍");
        assert_eq!(RelationKind::ReferredBy.reverse_label(true), "介绍了");
        assert_eq!(RelationKind::Friend.reverse_label(true), "朋友");
        assert!(RelationKind::Spouse.symmetric() && !RelationKind::ParentOf.symmetric());
    }
}
