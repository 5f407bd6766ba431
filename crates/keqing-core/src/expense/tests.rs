use super::*;
use crate::calendar::holidays::{BUNDLED_CSV, parse_csv};
use crate::{Role, Roles};
use chrono::NaiveTime;
use proptest::prelude::*;
use std::sync::LazyLock;

static CAL: LazyLock<WorkCalendar> = LazyLock::new(|| {
    let days = parse_csv(BUNDLED_CSV, None).unwrap();
    let years: Vec<i32> = days.iter().map(|d| d.year).collect();
    WorkCalendar::new(years, days, chrono_tz::Asia::Shanghai, NaiveTime::from_hms_opt(18, 0, 0).unwrap())
});

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

const BOX: Standard = Standard::PerUnit { fen_per_unit: 200 };

#[test]
fn months_parse_in_the_ways_people_type_them() {
    assert_eq!(month("2026-01"), Month { year: 2026, month: 1 });
    assert_eq!(month("2026/1"), Month { year: 2026, month: 1 });
    assert_eq!(month("202612"), Month { year: 2026, month: 12 });
    assert_eq!(month("2026-12").next(), month("2027-01"));
    assert_eq!(month("2026-01").prev(), month("2025-12"));
    assert_eq!(Month::parse("2026-13"), Err(Problem::Invalid { expected: "month" }));
    assert_eq!(Month::parse(""), Err(Problem::Required));
    assert_eq!(month("2026-03").label(true), "2026年3月");
}

#[test]
fn a_per_unit_standard_accrues_per_unit_and_a_percentage_on_the_amount() {
    assert_eq!(BOX.accrue(1_000, 5_000_000), 200_000);
    let pct = Standard::Percent { basis_points: 150 };
    assert_eq!(pct.accrue(1_000, 5_000_000), 75_000);
    // Rounds down to the fen: 1.5% of ¥0.99 is 1.485 fen.
    assert_eq!(pct.accrue(1, 99), 1);
    // Returns accrue nothing.
    assert_eq!(BOX.accrue(-10, -2_000), 0);
    assert_eq!(Standard::parse("percent", "1.5"), Ok(pct));
    assert_eq!(Standard::parse("percent", "1.5%"), Ok(pct));
    assert_eq!(Standard::parse("per_unit", "¥2"), Ok(BOX));
    assert_eq!(Standard::parse("percent", "101"), Err(("rate", Problem::OutOfRange { min: 0, max: 100 })));
    assert_eq!(Standard::parse("percent", "0.001").unwrap_err().0, "rate");
    assert_eq!(Standard::parse("bonus", "1").unwrap_err().0, "standard");
    assert_eq!(BOX.describe("箱"), "¥2.00/箱");
    assert_eq!(pct.describe("箱"), "1.50%");
}

#[test]
fn nothing_is_payable_before_full_collection_under_the_default_rule() {
    let f = Figures { net_units: 1_000, net_sales_fen: 5_000_000, collected_fen: 4_000_000 };
    let a = accrue(BOX, PayoutRule::FullCollection, f);
    assert_eq!((a.accrued_fen, a.payable_fen, a.withheld_fen), (200_000, 0, 200_000));
    assert_eq!(a.collection_rate_bp, Some(8_000));
    assert_eq!(a.withheld, Some(Withheld::NotFullyCollected { rate_bp: 8_000 }));
    assert_eq!(a.withheld.unwrap().describe(true), "回款率80.00%，全额回款后兑现");

    let full = accrue(BOX, PayoutRule::FullCollection, Figures { collected_fen: 5_000_000, ..f });
    assert_eq!((full.payable_fen, full.withheld_fen, full.withheld), (200_000, 0, None));
    // Collecting more than this month's sales (older debts) is still 100%.
    let over = accrue(BOX, PayoutRule::FullCollection, Figures { collected_fen: 9_000_000, ..f });
    assert_eq!((over.payable_fen, over.collection_rate_bp), (200_000, Some(10_000)));
}

#[test]
fn pro_rata_pays_the_collected_share_rounded_down() {
    let f = Figures { net_units: 1_000, net_sales_fen: 3_000_000, collected_fen: 1_000_000 };
    let a = accrue(BOX, PayoutRule::ProRata, f);
    // 200,000 × 1/3 = 66,666.67 → 66,666.
    assert_eq!((a.accrued_fen, a.payable_fen, a.withheld_fen), (200_000, 66_666, 133_334));
    assert_eq!(a.withheld, Some(Withheld::ProRata { rate_bp: 3_333 }));
    let none = accrue(BOX, PayoutRule::ProRata, Figures { collected_fen: 0, ..f });
    assert_eq!((none.payable_fen, none.withheld), (0, Some(Withheld::NothingCollected)));
    let no_sales = accrue(BOX, PayoutRule::ProRata, Figures::default());
    assert_eq!((no_sales.accrued_fen, no_sales.withheld), (0, None));
}

proptest! {
    #[test]
    fn payable_and_withheld_always_add_up_to_accrued(
        units in -1_000_000i64..10_000_000,
        sales in -100_000_000_000i64..100_000_000_000,
        collected in -1_000_000_000i64..200_000_000_000,
        rate in 0i64..=10_000,
        pro_rata in any::<bool>(),
    ) {
        let rule = if pro_rata { PayoutRule::ProRata } else { PayoutRule::FullCollection };
        for s in [BOX, Standard::Percent { basis_points: rate }] {
            let a = accrue(s, rule, Figures { net_units: units, net_sales_fen: sales, collected_fen: collected });
            prop_assert!(a.accrued_fen >= 0);
            prop_assert!((0..=a.accrued_fen).contains(&a.payable_fen));
            prop_assert_eq!(a.payable_fen + a.withheld_fen, a.accrued_fen);
            prop_assert_eq!(a.withheld.is_some(), a.withheld_fen > 0);
        }
    }
}

#[test]
fn january_2025s_statement_waits_for_the_spring_festival() {
    // 春节 2025: 28 Jan – 4 Feb off, Saturday 8 Feb a make-up working day.
    // Mon–Fri alone would put the 3rd working day of February on the 5th.
    let dl = deadlines(&CAL, month("2025-01")).unwrap();
    assert_eq!(dl.file_by, d(2025, 2, 7));
    assert_eq!(dl.checked_by, d(2025, 2, 13));
    assert_eq!(dl.advances_from, d(2025, 2, 14));
    assert!(!dl.provisional);
    // "By the end of the working day": 18:00 Beijing time.
    assert_eq!(dl.file_by_at.to_rfc3339(), "2025-02-07T10:00:00+00:00");
}

#[test]
fn january_2026s_statement_is_checked_before_the_spring_festival_and_februarys_after_it() {
    // 春节 2026 starts on 15 Feb, after the 9th working day of February.
    let jan = deadlines(&CAL, month("2026-01")).unwrap();
    assert_eq!((jan.file_by, jan.checked_by, jan.advances_from), (d(2026, 2, 4), d(2026, 2, 11), d(2026, 2, 12)));
    // The 14 Feb make-up Saturday counts: a rep filing on the 13th has
    // one working day left until the 14th.
    assert_eq!(working_days_left(&CAL, d(2026, 2, 13), d(2026, 2, 14)), 1);
    // Nine days off (15–23 Feb) count as none.
    assert_eq!(working_days_left(&CAL, d(2026, 2, 13), d(2026, 2, 24)), 2);
    assert_eq!(working_days_left(&CAL, d(2026, 2, 26), d(2026, 2, 24)), -2);
}

#[test]
fn septembers_statement_crosses_national_day_and_is_due_on_a_make_up_saturday() {
    // 国庆 2026: 1–7 Oct off, Saturday 10 Oct worked.
    let dl = deadlines(&CAL, month("2026-09")).unwrap();
    assert_eq!(dl.file_by, d(2026, 10, 10));
    assert_eq!(dl.checked_by, d(2026, 10, 16));
    assert_eq!(dl.advances_from, d(2026, 10, 19));
}

#[test]
fn a_year_without_a_notice_gives_provisional_deadlines() {
    let dl = deadlines(&CAL, month("2029-12")).unwrap();
    assert!(dl.provisional);
}

fn signer(roles: &[Role]) -> Signer {
    Signer { roles: roles.iter().copied().collect::<Roles>(), is_author: false, signed_this_round: false }
}

#[test]
fn signatures_go_clerk_then_manager_then_finance() {
    let filed = State::from_parts(true, 0);
    assert_eq!(filed.as_str(), "filed");
    assert_eq!(may_sign(filed, signer(&[Role::Clerk])), Ok(Step::Clerk));
    assert_eq!(may_sign(filed, signer(&[Role::Manager])), Err(Problem::Rule { rule: "awaits_clerk" }));
    assert_eq!(may_sign(filed, signer(&[Role::Finance])), Err(Problem::Rule { rule: "awaits_clerk" }));
    let clerk = State::from_parts(true, 1);
    assert_eq!(may_sign(clerk, signer(&[Role::Manager])), Ok(Step::Manager));
    assert_eq!(may_sign(clerk, signer(&[Role::Finance])), Err(Problem::Rule { rule: "awaits_manager" }));
    let manager = State::from_parts(true, 2);
    assert_eq!(may_sign(manager, signer(&[Role::Finance])), Ok(Step::Finance));
    assert_eq!(State::from_parts(true, 3), State::Approved);
    for st in [State::Draft, filed, clerk, manager, State::Approved] {
        assert_eq!(State::parse(st.as_str()), st);
    }
    assert_eq!(may_sign(State::Approved, signer(&[Role::Finance])), Err(Problem::Rule { rule: "already_approved" }));
    assert_eq!(may_sign(State::Draft, signer(&[Role::Clerk])), Err(Problem::Rule { rule: "not_filed" }));
}

#[test]
fn nobody_signs_their_own_statement_or_two_steps_of_one() {
    let mut me = signer(&[Role::Clerk, Role::Rep]);
    me.is_author = true;
    assert_eq!(may_sign(State::from_parts(true, 0), me), Err(Problem::Rule { rule: "own_statement" }));
    let mut both = signer(&[Role::Clerk, Role::Manager]);
    assert_eq!(may_sign(State::from_parts(true, 0), both), Ok(Step::Clerk));
    both.signed_this_round = true;
    assert_eq!(may_sign(State::from_parts(true, 1), both), Err(Problem::Rule { rule: "one_signature_each" }));
}

#[test]
fn caps_refuse_with_what_is_left() {
    let rules = ExpenseRules { cap_per_occasion_fen: 50_000, cap_per_year_fen: 200_000, ..ExpenseRules::default() };
    assert_eq!(rules.check_caps(50_000, 0, 0), Ok(()));
    assert_eq!(
        rules.check_caps(30_000, 30_000, 30_000),
        Err(Problem::OverLimit { rule: "cap_per_occasion", limit_fen: 50_000, remaining_fen: 20_000 })
    );
    assert_eq!(
        rules.check_caps(30_000, 0, 180_000),
        Err(Problem::OverLimit { rule: "cap_per_year", limit_fen: 200_000, remaining_fen: 20_000 })
    );
    let uncapped = ExpenseRules { cap_per_occasion_fen: 0, cap_per_year_fen: 0, ..rules };
    assert_eq!(uncapped.check_caps(i64::MAX / 4, 0, 0), Ok(()));
}

#[test]
fn an_advance_past_the_limit_is_refused_with_the_headroom() {
    let rules = ExpenseRules::default();
    assert_eq!(rules.advance_limit_fen, 300_000);
    assert_eq!(rules.check_advance(300_000, 0), Ok(()));
    assert_eq!(
        rules.check_advance(150_000, 200_000),
        Err(Problem::OverLimit { rule: "advance_limit", limit_fen: 300_000, remaining_fen: 100_000 })
    );
    assert!(rules.check().is_ok());
    let bad = ExpenseRules { advance_limit_fen: -1, spot_check_count: 0, ..rules };
    let e = bad.check().unwrap_err();
    assert!(e.get("advance_limit_fen").is_some() && e.get("spot_check_count").is_some());
}

#[test]
fn cash_to_a_person_needs_an_override_and_nothing_else_does() {
    assert!(needs_override(Form::Cash, true));
    assert!(!needs_override(Form::Cash, false));
    assert!(!needs_override(Form::Gift, true));
    assert_eq!(Form::parse("现金"), Ok(Form::Cash));
}

#[test]
fn an_expense_draft_names_every_bad_field() {
    let draft = ExpenseDraft {
        month: "11月".into(),
        use_: "bribe".into(),
        form: "cash".into(),
        amount: "-5".into(),
        ..ExpenseDraft::default()
    };
    let e = draft.parse().unwrap_err();
    for f in ["month", "organisation_id", "product_line_id", "use", "purpose", "amount"] {
        assert!(e.get(f).is_some(), "{f}: {e}");
    }
    assert_eq!(e.get("amount"), Some(&Problem::Rule { rule: "negative_needs_correction" }));
    let special = ExpenseDraft { use_: "new_customer".into(), ..ExpenseDraft::default() }.parse().unwrap_err();
    assert_eq!(special.get("use"), Some(&Problem::Rule { rule: "use_application" }));
    let ok = ExpenseDraft {
        month: "2026-10".into(),
        organisation_id: Some(1),
        person_id: Some(2),
        product_line_id: Some(3),
        use_: "客户采购员".into(),
        form: "gift".into(),
        purpose: "中秋礼品".into(),
        amount: "300".into(),
        ..ExpenseDraft::default()
    }
    .parse()
    .unwrap();
    assert_eq!(
        (ok.month, ok.amount_fen, ok.use_, ok.occasion.as_str()),
        (month("2026-10"), 30_000, Use::Buyer, "2026-10")
    );
}

#[test]
fn ledger_lines_accept_returns_and_name_bad_cells() {
    let ok = LedgerDraft {
        month: "2026-10".into(),
        shipped_units: "1,200".into(),
        net_units: "-20".into(),
        net_sales: "-400".into(),
        collected: "1.2万".into(),
    }
    .parse()
    .unwrap();
    assert_eq!(ok.figures, Figures { net_units: -20, net_sales_fen: -40_000, collected_fen: 1_200_000 });
    let bad =
        LedgerDraft { month: "10月".into(), net_units: "1.5".into(), ..LedgerDraft::default() }.parse().unwrap_err();
    assert!(bad.get("month").is_some() && bad.get("net_units").is_some());
}

#[test]
fn the_spot_check_pick_is_reproducible_and_spread() {
    let customers: Vec<i64> = (1..=20).collect();
    let a = spot_check_pick(7, 1, &customers, 3);
    assert_eq!(a.len(), 3);
    assert_eq!(a, spot_check_pick(7, 1, &customers.iter().rev().copied().collect::<Vec<_>>(), 3));
    let mut sorted = a.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 3);
    // Over many statements every customer gets picked some time.
    let mut seen = std::collections::BTreeSet::new();
    for id in 0..200 {
        seen.extend(spot_check_pick(id, 1, &customers, 3));
    }
    assert_eq!(seen.len(), 20);
    assert_eq!(spot_check_pick(1, 1, &[5, 6], 3).len(), 2);
}

#[test]
fn uses_parse_from_ids_or_labels_and_are_stored_sorted() {
    assert_eq!(parse_uses("event, 客户采购员、buyer"), Ok(vec![Use::Buyer, Use::Event]));
    assert_eq!(uses_text(&[Use::Buyer, Use::Event]), "buyer,event");
    assert_eq!(parse_uses(""), Err(Problem::Required));
    assert!(parse_uses("buyer,golf").is_err());
}
