//! The expense regime's paper forms as sheets: 附表1 (月客户采购及客情费统计表),
//! 附表2 (月新客户特殊费用申请汇总表), 附表3 (新客户特殊费用申请表), the ledger per
//! product line (客户关系维护费——xx品种) and the transparency report. Each is a
//! [`PaperForm`] (Chinese headers, totals, the signature block with names
//! and times) written as xlsx or CSV.

use crate::error::{Error, Result};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use keqing_core::expense::{Month, Step};
use keqing_core::money::format_yuan;
use keqing_core::table::PaperForm;
use keqing_core::validate::{FieldErrors, Problem};
use keqing_store::expenses::{Application, LedgerLine, MonthView, ProductLine, Signature, Transparency};

/// China time, to the minute: signatures are read by people in China.
pub(crate) fn at(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

fn yuan(fen: i64) -> String {
    format_yuan(fen)
}

fn rate(bp: Option<i64>) -> String {
    bp.map(|b| format!("{}.{:02}%", b / 100, b % 100)).unwrap_or_default()
}

fn month_label(m: &str) -> String {
    Month::parse(m).map(|m| m.label(true)).unwrap_or_else(|_| m.to_owned())
}

/// The signature block: one row per step, name and time or "未签".
fn signature_block(sigs: &[Signature], rejected: Option<(&str, &str)>) -> Vec<Vec<String>> {
    let mut out = vec![vec!["检核签字".to_owned(), "签字人".to_owned(), "签字时间".to_owned(), "备注".to_owned()]];
    for step in Step::ALL {
        let row = match sigs.iter().find(|g| g.step == step.as_str()) {
            Some(g) => vec![
                step.label(true).to_owned(),
                g.user_name.clone(),
                at(g.signed_at),
                if g.late { "超过第8个工作日".to_owned() } else { String::new() },
            ],
            None => vec![step.label(true).to_owned(), "（未签）".to_owned(), String::new(), String::new()],
        };
        out.push(row);
    }
    if let Some((who, why)) = rejected {
        out.push(vec!["上次退回".to_owned(), who.to_owned(), why.to_owned()]);
    }
    out.push(vec![
        "说明：销售文员、销售部经理、财务部逐层检核，缺少任何一方签字视为无效。原件留存财务部，复印件留档销售部。"
            .to_owned(),
    ]);
    out
}

/// 附表1: the rep's customers' purchases and relationship expense.
pub fn form1(v: &MonthView, products: &[ProductLine]) -> PaperForm {
    let s = v.statement.as_ref();
    let mut preamble = vec![format!(
        "销售代表：{}　　月份：{}　　状态：{}",
        v.user_name,
        month_label(&v.month),
        keqing_core::expense::State::from_parts(
            s.is_some_and(|s| s.filed || s.state == "approved"),
            s.map_or(0, |s| s.signatures.len())
        )
        .label(true)
    )];
    if let Some(s) = s
        && let Some(f) = s.filed_at
    {
        preamble.push(format!("提交时间：{}{}", at(f), if s.filed_late { "（超过第3个工作日）" } else { "" }));
    }
    let headers = [
        "序号",
        "客户名称",
        "品种",
        "客情费标准",
        "发货数量",
        "纯销数量",
        "纯销金额(元)",
        "回款金额(元)",
        "回款率",
        "应计客情费(元)",
        "可兑现(元)",
        "暂缓兑现(元)",
        "暂缓原因",
        "已分配(元)",
        "领取对象",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut rows = Vec::new();
    for (i, l) in v.lines.iter().enumerate() {
        let mine: Vec<_> = v
            .expenses
            .iter()
            .filter(|e| e.organisation_id == l.organisation_id && e.product_line_id == l.product_line_id)
            .collect();
        let allocated: i64 = mine.iter().map(|e| e.amount_fen).sum();
        let to: Vec<String> = mine
            .iter()
            .map(|e| {
                let who = e.person_name.clone().unwrap_or_else(|| e.organisation_name.clone());
                format!("{who}（{}¥{}）", form_label(&e.form), yuan(e.amount_fen))
            })
            .collect();
        let product =
            products.iter().find(|p| p.id == l.product_line_id).map_or(l.product_name.clone(), |p| p.name.clone());
        rows.push(vec![
            (i + 1).to_string(),
            l.organisation_name.clone(),
            format!("{} {}", l.product_code, product),
            l.standard.clone(),
            l.shipped_units.to_string(),
            l.net_units.to_string(),
            yuan(l.net_sales_fen),
            yuan(l.collected_fen),
            rate(l.collection_rate_bp),
            yuan(l.accrued_fen),
            yuan(l.payable_fen),
            yuan(l.withheld_fen),
            l.withheld_reason.clone().unwrap_or_default(),
            yuan(allocated),
            to.join("；"),
        ]);
    }
    let mut footer = vec![vec![
        "合计".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        v.lines.iter().map(|l| l.shipped_units).sum::<i64>().to_string(),
        v.lines.iter().map(|l| l.net_units).sum::<i64>().to_string(),
        yuan(v.lines.iter().map(|l| l.net_sales_fen).sum()),
        yuan(v.lines.iter().map(|l| l.collected_fen).sum()),
        String::new(),
        yuan(v.accrued_fen),
        yuan(v.payable_fen),
        yuan(v.withheld_fen),
        String::new(),
        yuan(v.allocated_fen),
        format!("已兑付¥{}", yuan(v.paid_fen)),
    ]];
    footer.push(Vec::new());
    footer.extend(signature_block(
        s.map_or(&[][..], |s| &s.signatures[..]),
        s.and_then(|s| s.rejected_reason.as_deref().map(|r| (s.rejected_by_name.as_deref().unwrap_or(""), r))),
    ));
    PaperForm { title: "月客户采购及客情费统计表（附表1）".into(), preamble, headers, rows, footer }
}

fn form_label(f: &str) -> &'static str {
    keqing_core::expense::Form::parse(f).map_or("", |f| f.label(true))
}

/// 附表2: the month's new-customer special expenses.
pub fn form2(v: &MonthView) -> PaperForm {
    let headers =
        ["序号", "客户名称", "合同签订日期", "申请日期", "品种", "申请金额(元)", "用途", "审批状态", "兑付日期"]
            .map(str::to_owned)
            .to_vec();
    let rows = v
        .applications
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                a.organisation_name.clone(),
                a.contract_signed_on.map(|d| d.to_string()).unwrap_or_else(|| "未签".into()),
                a.applied_on.to_string(),
                a.product_code.clone(),
                yuan(a.amount_fen),
                a.purpose.clone(),
                state_label(&a.state),
                a.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let s = v.statement.as_ref();
    let mut footer = vec![vec![
        "合计".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        yuan(v.applications.iter().map(|a| a.amount_fen).sum()),
    ]];
    footer.push(Vec::new());
    footer.extend(signature_block(s.map_or(&[][..], |s| &s.signatures[..]), None));
    PaperForm {
        title: "月新客户特殊费用申请汇总表（附表2）".into(),
        preamble: vec![format!("销售代表：{}　　月份：{}", v.user_name, month_label(&v.month))],
        headers,
        rows,
        footer,
    }
}

fn state_label(s: &str) -> String {
    keqing_core::expense::State::parse(s).label(true).to_owned()
}

/// 附表3: one new customer's special-expense application.
pub fn form3(a: &Application) -> PaperForm {
    let rows = vec![
        vec!["客户名称".to_owned(), a.organisation_name.clone()],
        vec![
            "合同签订日期".to_owned(),
            a.contract_signed_on.map(|d| d.to_string()).unwrap_or_else(|| "尚未签订".into()),
        ],
        vec!["申请日期".to_owned(), a.applied_on.to_string()],
        vec!["申请人".to_owned(), a.user_name.clone()],
        vec!["品种".to_owned(), a.product_code.clone()],
        vec!["申请金额(元)".to_owned(), yuan(a.amount_fen)],
        vec!["用途说明".to_owned(), a.purpose.clone()],
        vec!["审批状态".to_owned(), state_label(&a.state)],
        vec![
            "兑付".to_owned(),
            a.paid_on
                .map(|d| format!("{d} 已兑付（回款后）"))
                .unwrap_or_else(|| "未兑付（原则上回款之后才能兑现）".into()),
        ],
    ];
    let mut footer = signature_block(&a.signatures, a.rejected_reason.as_deref().map(|r| ("", r)));
    footer.push(vec!["须在签订合同前填写；签订合同后申请一律无效。".to_owned()]);
    PaperForm {
        title: "新客户特殊费用申请表（附表3）".into(),
        preamble: vec![format!("编号：{}", a.application_id)],
        headers: vec!["项目".into(), "内容".into()],
        rows,
        footer,
    }
}

/// The ledger (one product line: 客户关系维护费——xx品种).
pub fn ledger(month: Option<Month>, lines: &[LedgerLine], products: &[ProductLine]) -> PaperForm {
    let one = {
        let mut ids: Vec<i64> = lines.iter().map(|l| l.product_line_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() == 1 { products.iter().find(|p| p.id == ids[0]) } else { None }
    };
    let title = match one {
        Some(p) => format!("客户关系维护费——{}", p.name),
        None => "客户关系维护费台账（纯销与回款）".to_owned(),
    };
    let headers = ["月份", "客户名称", "品种编码", "发货数量", "纯销数量", "纯销金额(元)", "回款金额(元)", "回款率"]
        .map(str::to_owned)
        .to_vec();
    let rows = lines
        .iter()
        .map(|l| {
            let f = keqing_core::expense::Figures {
                net_units: l.net_units,
                net_sales_fen: l.net_sales_fen,
                collected_fen: l.collected_fen,
            };
            vec![
                l.month.clone(),
                l.organisation_name.clone(),
                l.product_code.clone(),
                l.shipped_units.to_string(),
                l.net_units.to_string(),
                yuan(l.net_sales_fen),
                yuan(l.collected_fen),
                rate(f.collection_rate_bp()),
            ]
        })
        .collect();
    let footer = vec![vec![
        "合计".to_owned(),
        String::new(),
        String::new(),
        lines.iter().map(|l| l.shipped_units).sum::<i64>().to_string(),
        lines.iter().map(|l| l.net_units).sum::<i64>().to_string(),
        yuan(lines.iter().map(|l| l.net_sales_fen).sum()),
        yuan(lines.iter().map(|l| l.collected_fen).sum()),
    ]];
    PaperForm {
        title,
        preamble: vec![format!("期间：{}", month.map(|m| m.label(true)).unwrap_or_else(|| "全部".into()))],
        headers,
        rows,
        footer,
    }
}

/// What a customer or person received, for audits.
pub fn transparency(t: &Transparency) -> PaperForm {
    let headers =
        ["月份", "客户", "领取人", "用途", "方式", "事由", "场合", "金额(元)", "经办代表", "兑付日期", "凭证", "特批"]
            .map(str::to_owned)
            .to_vec();
    let mut rows: Vec<Vec<String>> = t
        .expenses
        .iter()
        .map(|e| {
            vec![
                e.month.clone(),
                e.organisation_name.clone(),
                e.person_name.clone().unwrap_or_else(|| "（单位）".into()),
                keqing_core::expense::Use::parse(&e.use_kind).map_or("", |u| u.label(true)).to_owned(),
                form_label(&e.form).to_owned(),
                e.purpose.clone(),
                e.occasion.clone(),
                yuan(e.amount_fen),
                e.user_name.clone(),
                e.paid_on.map(|d| d.to_string()).unwrap_or_default(),
                e.attachment_id.map(|a| format!("#{a}")).unwrap_or_default(),
                e.override_reason
                    .clone()
                    .map(|r| format!("{}：{r}", e.override_by_name.clone().unwrap_or_default()))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    rows.extend(t.applications.iter().map(|a| {
        vec![
            a.month.clone(),
            a.organisation_name.clone(),
            "（单位）".into(),
            "新客户特殊费用".into(),
            String::new(),
            a.purpose.clone(),
            String::new(),
            yuan(a.amount_fen),
            a.user_name.clone(),
            a.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            a.paid_attachment_id.map(|x| format!("#{x}")).unwrap_or_default(),
            String::new(),
        ]
    }));
    PaperForm {
        title: "客情费往来明细（透明度报告）".into(),
        preamble: Vec::new(),
        headers,
        rows,
        footer: vec![vec![
            "合计".into(),
            format!("登记¥{}", yuan(t.total_fen)),
            format!("已兑付¥{}", yuan(t.paid_fen)),
        ]],
    }
}

/// A form as a download: `xlsx` or `csv`.
pub fn download(form: &PaperForm, format: &str, ascii: &str, name: &str) -> Result<Response> {
    let (bytes, ctype, ext) = match format {
        "xlsx" => (
            form.xlsx("Sheet1").map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (form.csv().into_bytes(), "text/csv; charset=utf-8", "csv"),
        _ => {
            return Err(Error::Validation(FieldErrors::one(
                "format",
                Problem::NotOneOf { allowed: vec!["xlsx".into(), "csv".into()] },
            )));
        }
    };
    let disposition = format!(
        "attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{}",
        crate::context::urlencode(&format!("{name}.{ext}"))
    );
    Ok(([(header::CONTENT_TYPE, ctype.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use keqing_core::expense::{Standard, Use};
    use keqing_store::expenses::{Expense, Statement, StatementLine};

    fn t(h: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, d, h, 30, 0).unwrap()
    }

    fn sig(step: &str, name: &str, at: DateTime<Utc>, late: bool) -> Signature {
        Signature { step: step.into(), user_id: 1, user_name: name.into(), signed_at: at, late, round: 2 }
    }

    fn product() -> ProductLine {
        ProductLine {
            id: 1,
            code: "JK-01".into(),
            name: "进口模块".into(),
            unit: "盒".into(),
            standard: Standard::PerUnit { fen_per_unit: 200 },
            uses: vec![Use::Buyer, Use::NewCustomer],
            active: true,
            version: 1,
        }
    }

    fn line(
        org: i64,
        name: &str,
        units: i64,
        sales: i64,
        collected: i64,
        payable: i64,
        reason: Option<&str>,
    ) -> StatementLine {
        StatementLine {
            organisation_id: org,
            organisation_name: name.into(),
            product_line_id: 1,
            product_code: "JK-01".into(),
            product_name: "进口模块".into(),
            standard: "¥2.00/盒".into(),
            shipped_units: units + 100,
            net_units: units,
            net_sales_fen: sales,
            collected_fen: collected,
            collection_rate_bp: Some((collected * 10_000 / sales).min(10_000)),
            accrued_fen: units * 200,
            payable_fen: payable,
            withheld_fen: units * 200 - payable,
            withheld_reason: reason.map(str::to_owned),
        }
    }

    fn expense(id: i64, person: Option<&str>, form: &str, amount: i64) -> Expense {
        Expense {
            expense_id: id,
            user_id: 7,
            user_name: "张伟".into(),
            month: "2026-01".into(),
            organisation_id: 1,
            organisation_name: "佳佳超市".into(),
            person_id: person.map(|_| 3),
            person_name: person.map(str::to_owned),
            product_line_id: 1,
            product_code: "JK-01".into(),
            use_kind: "buyer".into(),
            form: form.into(),
            purpose: "春节维护".into(),
            occasion: "2026春节".into(),
            amount_fen: amount,
            corrects_expense_id: None,
            flagged: form == "cash",
            override_reason: (form == "cash").then(|| "门店主管代领".to_owned()),
            override_by_name: (form == "cash").then(|| "财务刘".to_owned()),
            override_at: None,
            attachment_id: Some(9),
            paid_on: NaiveDate::from_ymd_opt(2026, 2, 12),
            version: 1,
            created_at: t(2, 1),
        }
    }

    fn application() -> Application {
        Application {
            application_id: 4,
            user_id: 7,
            user_name: "张伟".into(),
            organisation_id: 5,
            organisation_name: "新开便利店".into(),
            contract_signed_on: NaiveDate::from_ymd_opt(2026, 1, 20),
            product_line_id: 1,
            product_code: "JK-01".into(),
            applied_on: NaiveDate::from_ymd_opt(2026, 1, 12).unwrap(),
            month: "2026-01".into(),
            amount_fen: 150_000,
            purpose: "新店开业陈列".into(),
            filed: true,
            round: 1,
            rejected_reason: None,
            paid_on: None,
            paid_attachment_id: None,
            version: 4,
            state: "approved".into(),
            signatures: vec![
                sig("clerk", "文员李", t(3, 2), false),
                sig("manager", "经理王", t(5, 3), false),
                sig("finance", "财务刘", t(8, 4), false),
            ],
        }
    }

    /// January 2026's statement, returned once and signed by all three
    /// (finance after the 8th working day, 11 February).
    fn january() -> MonthView {
        let lines = vec![
            line(1, "佳佳超市", 1_000, 5_000_000, 5_000_000, 200_000, None),
            line(2, "惠民药店", 500, 2_500_000, 1_250_000, 0, Some("回款率50.00%，全额回款后兑现")),
        ];
        let expenses = vec![expense(1, Some("王采购"), "gift", 30_000), expense(2, Some("赵经理"), "cash", 20_000)];
        MonthView {
            month: "2026-01".into(),
            user_id: 7,
            user_name: "张伟".into(),
            statement: Some(Statement {
                statement_id: 11,
                user_id: 7,
                user_name: "张伟".into(),
                month: "2026-01".into(),
                filed: true,
                round: 2,
                filed_at: Some(t(1, 4)),
                filed_late: false,
                rejected_reason: Some("赵经理的现金请附签收单".into()),
                rejected_by_name: Some("经理王".into()),
                rejected_at: Some(t(2, 5)),
                accrued_fen: 300_000,
                payable_fen: 200_000,
                withheld_fen: 100_000,
                allocated_fen: 50_000,
                version: 9,
                state: "approved".into(),
                signatures: vec![
                    sig("clerk", "文员李", t(3, 9), false),
                    sig("manager", "经理王", t(5, 10), false),
                    sig("finance", "财务刘", t(8, 12), true),
                ],
            }),
            state: "approved".into(),
            accrued_fen: 300_000,
            payable_fen: 200_000,
            withheld_fen: 100_000,
            allocated_fen: 50_000,
            paid_fen: 50_000,
            lines,
            expenses,
            applications: vec![application()],
        }
    }

    /// The xlsx holds the same cells as the CSV (blank rows aside).
    fn same_cells(form: &PaperForm) {
        use calamine::Reader;
        let bytes = form.xlsx("Sheet1").unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let read: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        let trim = |r: &Vec<String>| {
            let mut r = r.clone();
            while r.last().is_some_and(|c| c.is_empty()) {
                r.pop();
            }
            r
        };
        let want: Vec<Vec<String>> = form.cells().iter().map(trim).filter(|r| !r.is_empty()).collect();
        let got: Vec<Vec<String>> = read.iter().map(trim).filter(|r| !r.is_empty()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn form_1_is_laid_out_like_the_paper_form() {
        let f = form1(&january(), &[product()]);
        insta::assert_snapshot!(f.csv());
        same_cells(&f);
    }

    #[test]
    fn form_2_lists_the_months_new_customer_applications() {
        let f = form2(&january());
        insta::assert_snapshot!(f.csv());
        same_cells(&f);
    }

    #[test]
    fn form_3_is_one_application_with_its_signatures() {
        let f = form3(&application());
        insta::assert_snapshot!(f.csv());
        same_cells(&f);
    }

    #[test]
    fn the_ledger_of_one_product_line_is_its_own_account() {
        let lines = vec![LedgerLine {
            ledger_line_id: 1,
            organisation_id: 1,
            organisation_name: "佳佳超市".into(),
            owner_user_id: 7,
            product_line_id: 1,
            product_code: "JK-01".into(),
            month: "2026-01".into(),
            shipped_units: 1_100,
            net_units: 1_000,
            net_sales_fen: 5_000_000,
            collected_fen: 4_000_000,
            version: 1,
        }];
        let f = ledger(Month::parse("2026-01").ok(), &lines, &[product()]);
        assert_eq!(f.title, "客户关系维护费——进口模块");
        insta::assert_snapshot!(f.csv());
        same_cells(&f);
    }
}
