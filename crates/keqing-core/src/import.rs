//! Importing people from a spreadsheet: which column is which (matched
//! from Chinese or English headers, or chosen by hand), one row into a
//! [`PersonDraft`] plus the organisation and owner it names, and every
//! problem named by row, column and value.
//!
//! What needs the database — owners, organisations, duplicates — is the
//! storage layer's; everything here is pure.

use crate::model::PersonDraft;
use crate::table::SourceRow;
use crate::validate::{FieldErrors, Problem};
use serde::Serialize;

/// A column Keqing understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// 姓名
    Name,
    /// 性别
    Gender,
    /// 手机 / 电话
    Phone,
    /// 其他电话
    OtherPhones,
    /// 微信
    Wechat,
    /// QQ
    Qq,
    /// 邮箱
    Email,
    /// 地址
    Address,
    /// 单位名称
    Organisation,
    /// 单位类型
    OrganisationKind,
    /// 职务
    Position,
    /// 生日
    Birthday,
    /// 爱好
    Interests,
    /// 口味
    Tastes,
    /// 喜欢的礼品
    GiftPreferences,
    /// 忌讳
    Taboos,
    /// 如何结识
    HowWeMet,
    /// 信息来源
    InfoSource,
    /// 处理依据
    LegalBasis,
    /// 备注
    Notes,
    /// 负责人 (username or name)
    Owner,
}

impl Column {
    /// Every column, in the order of Keqing's own export.
    pub const ALL: &'static [Column] = &[
        Column::Name,
        Column::Gender,
        Column::Phone,
        Column::OtherPhones,
        Column::Wechat,
        Column::Qq,
        Column::Email,
        Column::Address,
        Column::Organisation,
        Column::OrganisationKind,
        Column::Position,
        Column::Birthday,
        Column::Interests,
        Column::Tastes,
        Column::GiftPreferences,
        Column::Taboos,
        Column::HowWeMet,
        Column::InfoSource,
        Column::LegalBasis,
        Column::Notes,
        Column::Owner,
    ];

    /// Identifier (API, mapping choices): the person field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Gender => "gender",
            Column::Phone => "phone",
            Column::OtherPhones => "other_phones",
            Column::Wechat => "wechat",
            Column::Qq => "qq",
            Column::Email => "email",
            Column::Address => "address",
            Column::Organisation => "organisation",
            Column::OrganisationKind => "organisation_kind",
            Column::Position => "position",
            Column::Birthday => "birthday",
            Column::Interests => "interests",
            Column::Tastes => "tastes",
            Column::GiftPreferences => "gift_preferences",
            Column::Taboos => "taboos",
            Column::HowWeMet => "how_we_met",
            Column::InfoSource => "info_source",
            Column::LegalBasis => "legal_basis",
            Column::Notes => "notes",
            Column::Owner => "owner",
        }
    }

    /// The header Keqing writes (Chinese) — also the label shown.
    pub fn header(self) -> &'static str {
        self.aliases()[0]
    }

    /// Headers that mean this column, normalised (lower case, no spaces or
    /// punctuation). The first is Keqing's own Chinese header.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Name => {
                &["姓名", "名字", "联系人", "客户姓名", "联系人姓名", "name", "fullname", "contact", "contactname"]
            }
            Column::Gender => &["性别", "gender", "sex"],
            Column::Phone => &[
                "手机",
                "手机号",
                "手机号码",
                "电话",
                "电话号码",
                "联系电话",
                "移动电话",
                "phone",
                "mobile",
                "mobilephone",
                "cellphone",
                "tel",
                "telephone",
            ],
            Column::OtherPhones => {
                &["其他电话", "备用电话", "座机", "办公电话", "otherphones", "otherphone", "landline"]
            }
            Column::Wechat => &["微信", "微信号", "wechat", "wechatid", "weixin"],
            Column::Qq => &["qq", "qq号", "qq号码"],
            Column::Email => &["邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"],
            Column::Address => &["地址", "住址", "联系地址", "家庭住址", "address"],
            Column::Organisation => &[
                "单位",
                "单位名称",
                "所在单位",
                "公司",
                "公司名称",
                "客户",
                "客户名称",
                "门店",
                "店名",
                "经销商",
                "organisation",
                "organization",
                "company",
                "account",
                "store",
                "shop",
            ],
            Column::OrganisationKind => {
                &["单位类型", "客户类型", "门店类型", "organisationkind", "organizationtype", "companytype"]
            }
            Column::Position => &["职务", "职位", "岗位", "角色", "position", "title", "jobtitle", "role"],
            Column::Birthday => {
                &["生日", "出生日期", "生日（公历/农历）", "birthday", "dateofbirth", "birthdate", "dob"]
            }
            Column::Interests => &["爱好", "兴趣", "兴趣爱好", "interests", "hobbies"],
            Column::Tastes => &["口味", "饮食口味", "tastes", "taste"],
            Column::GiftPreferences => &["喜欢的礼品", "礼品偏好", "礼品", "giftpreferences", "gifts"],
            Column::Taboos => &["忌讳", "禁忌", "taboos"],
            Column::HowWeMet => &["如何结识", "结识方式", "认识途径", "howwemet"],
            Column::InfoSource => &["信息来源", "来源", "infosource", "source"],
            Column::LegalBasis => &["处理依据", "法律依据", "legalbasis"],
            Column::Notes => &["备注", "说明", "notes", "note", "remarks", "comment", "comments"],
            Column::Owner => &["负责人", "业务员", "销售代表", "客户经理", "owner", "rep", "salesrep"],
        }
    }

    /// Parses an identifier.
    pub fn parse(id: &str) -> Option<Column> {
        Column::ALL.iter().copied().find(|c| c.as_str() == id.trim())
    }
}

/// A header as compared: lower case, without spaces, `_`, `*` (required
/// marks), full-width or ASCII brackets' contents kept.
fn normalise(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '*' | '-' | ':' | '：' | '.'))
        .collect()
}

/// The column each header means, `None` for headers Keqing does not know
/// (they are ignored). A column is matched at most once: a second "电话"
/// header becomes the further phones.
pub fn auto_map(headers: &[String]) -> Vec<Option<Column>> {
    let mut taken: Vec<Column> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let n = normalise(h);
            let found = Column::ALL
                .iter()
                .copied()
                .find(|c| !taken.contains(c) && c.aliases().iter().any(|a| normalise(a) == n))
                .or_else(|| {
                    let phone = Column::Phone.aliases().iter().any(|a| normalise(a) == n);
                    (phone && !taken.contains(&Column::OtherPhones)).then_some(Column::OtherPhones)
                });
            if let Some(c) = found {
                taken.push(c);
            }
            found
        })
        .collect()
}

/// Checks a mapping chosen by hand: each column at most once, a name column.
pub fn check_mapping(map: &[Option<Column>]) -> Result<(), Problem> {
    for (i, c) in map.iter().enumerate().filter_map(|(i, c)| c.map(|c| (i, c))) {
        if map[..i].contains(&Some(c)) {
            return Err(Problem::Rule { rule: "column_twice" });
        }
    }
    if !map.contains(&Some(Column::Name)) {
        return Err(Problem::Rule { rule: "no_name_column" });
    }
    Ok(())
}

/// The longest cell an import accepts (longer is refused, named; the
/// longest field, notes, holds 10,000 characters).
pub const MAX_CELL_CHARS: usize = 10_000;

/// One problem of an imported row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// Spreadsheet row number (the header is 1).
    pub row: usize,
    /// The header of the column, as in the file ("" for row-wide problems).
    pub column: String,
    /// The person field it maps to.
    pub field: String,
    /// The cell's text (cut at 50 characters).
    pub value: String,
    /// What is wrong.
    pub problem: Problem,
}

/// A row read: the person's fields, plus what the storage layer resolves.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowData {
    /// The person, without owner and organisation ids.
    pub draft: PersonDraft,
    /// The organisation's name, if the row names one.
    pub organisation: String,
    /// Its kind, for an organisation to be created (identifier or label).
    pub organisation_kind: String,
    /// The owner's username or display name ("" is the importer's default).
    pub owner: String,
}

fn cut(value: &str) -> String {
    let mut out: String = value.chars().take(50).collect();
    if value.chars().nth(50).is_some() {
        out.push('…');
    }
    out
}

/// Reads one row by `map`. Formula cells and over-long cells are problems
/// here; field rules are checked by [`row_errors`] once owner and organisation
/// are known.
pub fn read_row(row: &SourceRow, headers: &[String], map: &[Option<Column>]) -> Result<RowData, Vec<RowError>> {
    let mut d = RowData::default();
    let mut errors = Vec::new();
    for (i, column) in map.iter().enumerate() {
        let Some(column) = *column else { continue };
        let value = row.cells.get(i).map_or("", String::as_str);
        let header = headers.get(i).cloned().unwrap_or_default();
        let problem = if row.formulas.contains(&i) {
            Some(Problem::Rule { rule: "formula_cell" })
        } else if value.chars().nth(MAX_CELL_CHARS).is_some() {
            Some(Problem::TooLong { max: MAX_CELL_CHARS })
        } else {
            None
        };
        if let Some(problem) = problem {
            let chars = value.chars().count();
            let shown = if chars > MAX_CELL_CHARS { format!("{}（{chars}）", cut(value)) } else { cut(value) };
            errors.push(RowError {
                row: row.number,
                column: header,
                field: column.as_str().into(),
                value: shown,
                problem,
            });
            continue;
        }
        let v = value.to_owned();
        let p = &mut d.draft;
        match column {
            Column::Name => p.name = v,
            Column::Gender => p.gender = v,
            Column::Phone => p.phone = v,
            Column::OtherPhones => {
                p.other_phones = v
                    .split([',', '，', ';', '；', '/', '、'])
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            Column::Wechat => p.wechat = v,
            Column::Qq => p.qq = v,
            Column::Email => p.email = v,
            Column::Address => p.address = v,
            Column::Organisation => d.organisation = v,
            Column::OrganisationKind => d.organisation_kind = v,
            Column::Position => p.position = v,
            Column::Birthday => p.birthday = v,
            Column::Interests => p.interests = v,
            Column::Tastes => p.tastes = v,
            Column::GiftPreferences => p.gift_preferences = v,
            Column::Taboos => p.taboos = v,
            Column::HowWeMet => p.how_we_met = v,
            Column::InfoSource => p.info_source = v,
            Column::LegalBasis => p.legal_basis = v,
            Column::Notes => p.notes = v,
            Column::Owner => d.owner = v,
        }
    }
    if errors.is_empty() { Ok(d) } else { Err(errors) }
}

/// Turns the field problems of a row's draft into row errors, naming the
/// column and the cell's text.
pub fn row_errors(
    row: &SourceRow,
    headers: &[String],
    map: &[Option<Column>],
    data: &RowData,
    e: &FieldErrors,
) -> Vec<RowError> {
    e.0.iter()
        .map(|fe| {
            // "other_phones[1]" is the other-phones column; "owner_id" the owner's.
            let base = fe.field.split('[').next().unwrap_or("");
            let column = match base {
                "owner_id" => Some(Column::Owner),
                "organisation_id" => Some(Column::Organisation),
                other => Column::parse(other),
            };
            let index = column.and_then(|c| map.iter().position(|m| *m == Some(c)));
            let header = index.and_then(|i| headers.get(i)).cloned().unwrap_or_default();
            let value = match column {
                Some(Column::Owner) => data.owner.clone(),
                Some(Column::Organisation) => data.organisation.clone(),
                _ => index.and_then(|i| row.cells.get(i)).cloned().unwrap_or_default(),
            };
            RowError {
                row: row.number,
                column: header,
                field: column.map_or(fe.field.clone(), |c| c.as_str().to_owned()),
                value: cut(&value),
                problem: fe.problem.clone(),
            }
        })
        .collect()
}

/// A phone number as compared for duplicates: its digits, without a +86
/// or 0086 country prefix.
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.strip_prefix("0086").unwrap_or(&digits);
    let digits = if phone.trim_start().starts_with('+') { digits.strip_prefix("86").unwrap_or(digits) } else { digits };
    digits.to_owned()
}

/// What to do with a row that matches a person already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing person as is; do not import the row.
    Skip,
    /// Fill the existing person's empty fields from the row (nothing
    /// already saved is overwritten; notes are appended).
    Merge,
    /// Import the row as a new person anyway.
    Create,
}

impl OnDuplicate {
    /// Parses `skip`, `merge`, `create` (or 跳过, 合并, 新建).
    pub fn parse(s: &str) -> Result<OnDuplicate, Problem> {
        match s.trim() {
            "skip" | "跳过" | "" => Ok(OnDuplicate::Skip),
            "merge" | "合并" => Ok(OnDuplicate::Merge),
            "create" | "新建" => Ok(OnDuplicate::Create),
            _ => Err(Problem::NotOneOf { allowed: vec!["skip".into(), "merge".into(), "create".into()] }),
        }
    }

    /// Identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            OnDuplicate::Skip => "skip",
            OnDuplicate::Merge => "merge",
            OnDuplicate::Create => "create",
        }
    }
}

/// The headers of Keqing's export, which the import maps back by itself.
pub fn export_headers() -> Vec<&'static str> {
    Column::ALL.iter().map(|c| c.header()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chinese_and_english_headers_map_by_themselves() {
        let h =
            headers(&["姓名", "手机号码", "电话", "微信号", "公司名称", "Birthday", "备 注", "不认识的列", "E-mail"]);
        let m = auto_map(&h);
        assert_eq!(
            m,
            [
                Some(Column::Name),
                Some(Column::Phone),
                Some(Column::OtherPhones),
                Some(Column::Wechat),
                Some(Column::Organisation),
                Some(Column::Birthday),
                Some(Column::Notes),
                None,
                Some(Column::Email)
            ]
        );
        assert!(check_mapping(&m).is_ok());
        assert_eq!(check_mapping(&[Some(Column::Phone)]), Err(Problem::Rule { rule: "no_name_column" }));
        assert_eq!(
            check_mapping(&[Some(Column::Name), Some(Column::Name)]),
            Err(Problem::Rule { rule: "column_twice" })
        );
    }

    #[test]
    fn our_export_headers_map_back_exactly() {
        let h: Vec<String> = export_headers().into_iter().map(str::to_owned).collect();
        let m = auto_map(&h);
        assert_eq!(m, Column::ALL.iter().copied().map(Some).collect::<Vec<_>>());
    }

    #[test]
    fn a_row_names_its_problems_by_column_and_value() {
        let h = headers(&["姓名", "手机", "生日", "备注"]);
        let m = auto_map(&h);
        let big = "长".repeat(MAX_CELL_CHARS + 1);
        let row = SourceRow {
            number: 7,
            cells: vec!["张三".into(), "=A1".into(), "农历13-1".into(), big],
            formulas: vec![1],
        };
        let errors = read_row(&row, &h, &m).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (7, "手机"));
        assert_eq!(errors[0].problem, Problem::Rule { rule: "formula_cell" });
        assert_eq!(errors[1].column, "备注");
        assert!(errors[1].value.ends_with("…（10001）"), "{}", errors[1].value);

        let row = SourceRow {
            number: 8,
            cells: vec!["张三".into(), "12345".into(), "农历13-1".into(), String::new()],
            formulas: vec![],
        };
        let mut d = read_row(&row, &h, &m).unwrap();
        d.draft.owner = Some(crate::UserId(1));
        let e = d.draft.parse().unwrap_err();
        let errors = row_errors(&row, &h, &m, &d, &e);
        let cols: Vec<(&str, &str)> = errors.iter().map(|r| (r.column.as_str(), r.value.as_str())).collect();
        assert_eq!(cols, [("手机", "12345"), ("生日", "农历13-1")]);
    }

    #[test]
    fn phones_compare_by_their_digits() {
        assert_eq!(phone_key("+86 138-1234-5678"), "13812345678");
        assert_eq!(phone_key("0086 13812345678"), "13812345678");
        assert_eq!(phone_key("0871-63123456"), "087163123456");
    }
}

/// A row merged into a person already there: their empty fields filled from
/// the row, a different phone added to the further phones, the row's notes
/// appended. Nothing already saved is overwritten; the owner stays.
pub fn merge(existing: &crate::model::PersonData, row: &crate::model::PersonData) -> crate::model::PersonData {
    let mut m = existing.clone();
    let fill = |a: &mut Option<String>, b: &Option<String>| {
        if a.as_deref().is_none_or(str::is_empty) && b.is_some() {
            a.clone_from(b);
        }
    };
    fill(&mut m.wechat, &row.wechat);
    fill(&mut m.position, &row.position);
    fill(&mut m.qq, &row.qq);
    fill(&mut m.email, &row.email);
    fill(&mut m.address, &row.address);
    fill(&mut m.interests, &row.interests);
    fill(&mut m.tastes, &row.tastes);
    fill(&mut m.gift_preferences, &row.gift_preferences);
    fill(&mut m.taboos, &row.taboos);
    fill(&mut m.how_we_met, &row.how_we_met);
    fill(&mut m.info_source, &row.info_source);
    if m.gender == crate::model::Gender::Unknown {
        m.gender = row.gender;
    }
    if m.birthday.is_none() {
        m.birthday = row.birthday;
    }
    if m.legal_basis.is_none() {
        m.legal_basis = row.legal_basis;
    }
    if m.organisation.is_none() {
        m.organisation = row.organisation;
    }
    let known = |m: &crate::model::PersonData, p: &str| {
        let k = phone_key(p);
        m.phone.as_deref().is_some_and(|x| phone_key(x) == k) || m.other_phones.iter().any(|x| phone_key(x) == k)
    };
    for p in row.phone.iter().chain(row.other_phones.iter()) {
        if m.phone.is_none() {
            m.phone = Some(p.clone());
        } else if !known(&m, p) && m.other_phones.len() < 10 {
            m.other_phones.push(p.clone());
        }
    }
    if let Some(n) = row.notes.as_deref().filter(|n| !n.is_empty()) {
        match m.notes.as_deref() {
            Some(old) if old.contains(n) => {}
            Some(old) if !old.is_empty() => m.notes = Some(format!("{old}\n{n}")),
            _ => m.notes = Some(n.to_owned()),
        }
    }
    m
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::model::PersonDraft;

    fn person(name: &str, phone: &str, tastes: &str, notes: &str) -> crate::model::PersonData {
        PersonDraft {
            name: name.into(),
            phone: phone.into(),
            tastes: tastes.into(),
            notes: notes.into(),
            owner: Some(crate::UserId(1)),
            ..Default::default()
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn merging_fills_blanks_and_never_overwrites() {
        let old = person("张三", "13812345678", "普洱", "老客户");
        let row = person("张三", "13900001111", "白酒", "春节送过茶");
        let m = merge(&old, &row);
        assert_eq!(m.tastes.as_deref(), Some("普洱"), "kept");
        assert_eq!(m.phone.as_deref(), Some("13812345678"));
        assert_eq!(m.other_phones, ["13900001111"]);
        assert_eq!(m.notes.as_deref(), Some("老客户\n春节送过茶"));
        // Merging the same row twice changes nothing more.
        assert_eq!(merge(&m, &row), m);
    }
}
