use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ctx(today: NaiveDate) -> Context {
    Context::new(CadenceRules::default(), OccasionRules::default(), Policy::default(), today, today)
}

fn org(id: i64, class: CustomerClass) -> OrgInput {
    OrgInput {
        org: Named { id: OrganisationId(id), name: format!("店{id}") },
        class,
        since: d(2026, 1, 1),
        visit_override: None,
        work_call_override: None,
        last_visit: None,
        last_work_contact: None,
        opened_on: None,
        anniversary: None,
        contact: None,
    }
}

fn person(id: i64, class: CustomerClass) -> PersonInput {
    PersonInput {
        person: Named { id: PersonId(id), name: format!("人{id}") },
        organisation: None,
        class,
        since: d(2026, 1, 1),
        birthday: None,
        last_care: None,
        last_work_call: None,
        family: vec![],
    }
}

fn keys(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.key.as_str()).collect()
}

const TODAY: (i32, u32, u32) = (2026, 11, 29);

fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

#[test]
fn a_customer_visited_yesterday_is_not_due() {
    let o = OrgInput {
        last_visit: Some(d(2026, 11, 28)),
        last_work_contact: Some(d(2026, 11, 28)),
        ..org(1, CustomerClass::Key)
    };
    let items = ctx(today()).build(&Inputs { orgs: vec![o], ..Default::default() });
    assert!(items.is_empty(), "{items:?}");
}

#[test]
fn a_key_customer_is_due_from_day_three_and_overdue_after_day_five() {
    let at = |last: NaiveDate| {
        let o = OrgInput { last_visit: Some(last), last_work_contact: Some(last), ..org(1, CustomerClass::Key) };
        ctx(today()).build(&Inputs { orgs: vec![o], ..Default::default() })
    };
    assert!(at(d(2026, 11, 27)).is_empty());
    let due = at(d(2026, 11, 26));
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].section, due[0].overdue_days, due[0].action), (Section::Visits, 0, Action::Visit));
    let late = at(d(2026, 11, 22));
    assert_eq!((late[0].section, late[0].overdue_days), (Section::Overdue, 2));
    assert_eq!(late[0].why.explain(today(), true), "重点客户每3–5天拜访；上次拜访11月22日（7天前）");
    assert_eq!(
        late[0].why.explain(today(), false),
        "Key customers: a visit every 3–5 days; last visit 22 Nov (7 days ago)"
    );
}

#[test]
fn a_customers_own_window_overrides_its_class_but_not_the_minimum_gap() {
    let o = OrgInput {
        visit_override: Some(Window::new(1, 2)),
        last_visit: Some(d(2026, 11, 28)),
        last_work_contact: Some(d(2026, 11, 28)),
        ..org(1, CustomerClass::Normal)
    };
    // A one-day window, but no visit suggested sooner than the 2-day gap.
    assert!(ctx(today()).build(&Inputs { orgs: vec![o.clone()], ..Default::default() }).is_empty());
    let o = OrgInput { last_visit: Some(d(2026, 11, 26)), ..o };
    let items = ctx(today()).build(&Inputs { orgs: vec![o], ..Default::default() });
    assert!(matches!(items[0].why, Why::Visit { overridden: true, .. }));
    assert_eq!(items[0].overdue_days, 1);
}

#[test]
fn a_work_call_is_left_out_when_a_visit_is_due_first() {
    // Secondary: visit 7–10 days, work call every 14 days.
    let o = OrgInput {
        last_visit: Some(d(2026, 11, 10)),
        last_work_contact: Some(d(2026, 11, 10)),
        ..org(1, CustomerClass::Secondary)
    };
    let items = ctx(today()).build(&Inputs { orgs: vec![o.clone()], ..Default::default() });
    assert_eq!(keys(&items), ["visit:o1:2026-11-10"]);
    // With visits switched off for this customer the call shows.
    let o = OrgInput { visit_override: Some(Window::OFF), ..o };
    let items = ctx(today()).build(&Inputs { orgs: vec![o], ..Default::default() });
    assert_eq!(keys(&items), ["wcall:o1:2026-11-10"]);
    assert_eq!(items[0].overdue_days, 5);
}

#[test]
fn done_and_snoozed_items_leave_the_agenda() {
    let o = OrgInput { last_visit: Some(d(2026, 11, 20)), ..org(1, CustomerClass::Key) };
    let mut inputs = Inputs { orgs: vec![o], ..Default::default() };
    let all = ctx(today()).build(&inputs);
    assert_eq!(all.len(), 2, "{all:?}");
    inputs.done.insert(all[0].key.clone());
    inputs.snoozed.insert(all[1].key.clone());
    assert!(ctx(today()).build(&inputs).is_empty());
}

#[test]
fn a_care_call_shows_on_its_day_and_not_before() {
    let mut p = person(9, CustomerClass::Key);
    p.last_care = Some(d(2026, 11, 1));
    let mut first = None;
    for day in 1..=40 {
        let t = plus(d(2026, 11, 1), day);
        let items = ctx(t).build(&Inputs { people: vec![p.clone()], ..Default::default() });
        if let Some(i) = items.iter().find(|i| i.action == Action::CareCall) {
            first.get_or_insert((t, i.due));
        }
    }
    let (shown, due) = first.expect("a care call within the window");
    assert_eq!(shown, due);
    assert!((14..=28).contains(&(due - d(2026, 11, 1)).num_days()));
}

#[test]
fn a_lunar_birthday_gets_a_gift_a_week_ahead_for_a_key_customer_and_a_message_the_day_before_otherwise() {
    // 中秋 2026 is 25 September; a birthday on 农历八月十五.
    let birthday = Birthday::parse("农历1970-08-15").unwrap();
    let key = PersonInput { birthday, ..person(1, CustomerClass::Key) };
    let normal = PersonInput { birthday, ..person(2, CustomerClass::Normal) };
    let quiet = OccasionRules { festivals: vec![], ..Default::default() };
    let build = |today: NaiveDate| {
        Context::new(CadenceRules::default(), quiet.clone(), Policy::default(), today, today)
            .build(&Inputs { people: vec![key.clone(), normal.clone()], ..Default::default() })
            .into_iter()
            .filter(|i| matches!(i.why, Why::Birthday { .. }))
            .collect::<Vec<_>>()
    };
    assert!(build(d(2026, 9, 17)).is_empty());
    let week = build(d(2026, 9, 18));
    assert_eq!(keys(&week), ["bday:p1:2026-09-25"]);
    assert_eq!(week[0].action, Action::Gift);
    assert_eq!(week[0].lead_days, 7);
    assert_eq!(week[0].why.explain(d(2026, 9, 18), true), "9月25日农历生日（56岁）");
    let eve = build(d(2026, 9, 24));
    assert_eq!(keys(&eve), ["bday:p1:2026-09-25", "bday:p2:2026-09-25"]);
    assert_eq!(eve[1].action, Action::Message);
    assert!(build(d(2026, 9, 26)).is_empty());
}

#[test]
fn festivals_greet_every_person_key_customers_with_a_gift() {
    let people = vec![person(1, CustomerClass::Key), person(2, CustomerClass::Secondary)];
    let at = |t: NaiveDate| {
        ctx(t)
            .build(&Inputs { people: people.clone(), ..Default::default() })
            .into_iter()
            .filter(|i| matches!(i.why, Why::Festival { .. }))
            .map(|i| (i.key, i.action))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(d(2026, 9, 20)), [("fest:mid_autumn:p1:2026-09-25".to_owned(), Action::Gift)]);
    // The eve: a message for the secondary customer too, and National Day's
    // gift for the key customer enters its week.
    assert_eq!(
        at(d(2026, 9, 24)),
        [
            ("fest:mid_autumn:p1:2026-09-25".to_owned(), Action::Gift),
            ("fest:mid_autumn:p2:2026-09-25".to_owned(), Action::Message),
            ("fest:national_day:p1:2026-10-01".to_owned(), Action::Gift),
        ]
    );
}

#[test]
fn illness_in_the_family_asks_for_a_call_at_once_until_one_is_logged() {
    let mut p = person(1, CustomerClass::Normal);
    p.family.push(FamilyInput {
        id: 5,
        name: "王母".into(),
        relation: FamilyRelation::Parent,
        birthday: None,
        milestones: vec![(77, MilestoneKind::Illness, d(2026, 11, 27))],
    });
    let items = ctx(today()).build(&Inputs { people: vec![p.clone()], ..Default::default() });
    assert_eq!(keys(&items), ["ill:m77"]);
    assert_eq!((items[0].action, items[0].section, items[0].overdue_days), (Action::CallNow, Section::Overdue, 2));
    p.last_care = Some(d(2026, 11, 28));
    let items = ctx(today()).build(&Inputs { people: vec![p], ..Default::default() });
    assert!(items.iter().all(|i| i.key != "ill:m77"));
}

#[test]
fn a_spouses_wedding_is_an_anniversary_and_a_childs_coming_gaokao_a_milestone() {
    let mut p = person(1, CustomerClass::Normal);
    p.family = vec![
        FamilyInput {
            id: 1,
            name: "李芳".into(),
            relation: FamilyRelation::Spouse,
            birthday: Birthday::parse("12-01").unwrap(),
            milestones: vec![(10, MilestoneKind::Wedding, d(2000, 11, 30))],
        },
        FamilyInput {
            id: 2,
            name: "王小明".into(),
            relation: FamilyRelation::Child,
            birthday: None,
            milestones: vec![(11, MilestoneKind::Gaokao, d(2026, 12, 5))],
        },
    ];
    let week =
        Context::new(CadenceRules::default(), OccasionRules::default(), Policy::default(), today(), plus(today(), 6))
            .build(&Inputs { people: vec![p], ..Default::default() });
    assert_eq!(keys(&week), ["wed:m10:2026-11-30", "fbday:f1:2026-12-01", "ms:m11"]);
    assert_eq!(week[0].why.explain(today(), true), "11月30日结婚26周年");
    assert_eq!(week[2].why.explain(today(), true), "12月5日：王小明高考");
}

#[test]
fn a_store_anniversary_offers_support_two_weeks_ahead() {
    let o = OrgInput {
        opened_on: Some(d(2019, 12, 10)),
        anniversary: Some(MonthDay { month: 12, day: 10 }),
        visit_override: Some(Window::OFF),
        ..org(3, CustomerClass::Normal)
    };
    let items = ctx(today()).build(&Inputs { orgs: vec![o], ..Default::default() });
    assert_eq!(keys(&items), ["anniv:o3:2026-12-10"]);
    assert_eq!(items[0].action, Action::OfferSupport);
    assert_eq!(items[0].why.explain(today(), true), "12月10日店庆7周年");
}

#[test]
fn overdue_comes_first_then_visits_calls_occasions_and_follow_ups() {
    let late = OrgInput {
        last_visit: Some(d(2026, 11, 1)),
        last_work_contact: Some(d(2026, 11, 28)),
        ..org(1, CustomerClass::Key)
    };
    let due = OrgInput {
        last_visit: Some(d(2026, 11, 20)),
        last_work_contact: Some(d(2026, 11, 28)),
        ..org(2, CustomerClass::Secondary)
    };
    let mut p = person(3, CustomerClass::Normal);
    p.birthday = Birthday::parse("11-29").unwrap();
    let next = NextStepInput {
        interaction_id: 40,
        text: "送新品样品".into(),
        due: today(),
        promised_on: d(2026, 11, 22),
        person: None,
        organisation: Some(due.org.clone()),
    };
    let items = ctx(today()).build(&Inputs {
        orgs: vec![due.clone(), late],
        people: vec![p],
        next_steps: vec![next],
        ..Default::default()
    });
    let sections: Vec<Section> = items.iter().map(|i| i.section).collect();
    assert_eq!(sections, [Section::Overdue, Section::Visits, Section::Occasions, Section::FollowUps]);
    assert_eq!(items[0].organisation.as_ref().unwrap().id, OrganisationId(1));
}

#[test]
fn the_week_view_includes_what_falls_due_in_the_next_six_days() {
    let o = OrgInput {
        last_visit: Some(d(2026, 11, 25)),
        last_work_contact: Some(d(2026, 11, 25)),
        ..org(1, CustomerClass::Secondary)
    };
    let inputs = Inputs { orgs: vec![o], ..Default::default() };
    assert!(ctx(today()).build(&inputs).is_empty());
    let week =
        Context::new(CadenceRules::default(), OccasionRules::default(), Policy::default(), today(), plus(today(), 6))
            .build(&inputs);
    assert_eq!(keys(&week), ["visit:o1:2026-11-25"]);
    assert_eq!(week[0].due, d(2026, 12, 2));
}

#[test]
fn a_never_visited_customer_is_due_at_once() {
    let items = ctx(today()).build(&Inputs { orgs: vec![org(1, CustomerClass::Normal)], ..Default::default() });
    assert_eq!(items[0].section, Section::Overdue);
    assert_eq!(
        items[0].why.explain(today(), false),
        "Normal customers: a visit every 25–35 days; not visited since added on 01 Jan"
    );
}

#[test]
fn a_custom_date_shows_within_its_lead_time_once_or_every_year() {
    let li = Named { id: PersonId(1), name: "李建华".into() };
    let custom = |id, date, lead| CustomInput {
        id,
        label: "帮忙办成贷款的日子".into(),
        date,
        lead_days: lead,
        person: li.clone(),
        organisation: None,
    };
    let inputs = Inputs {
        custom: vec![
            custom(1, CustomDate::parse("农历10-23", true).unwrap(), 3),
            custom(2, CustomDate::parse("2026-12-01", false).unwrap(), 1),
            custom(3, CustomDate::parse("2026-11-01", false).unwrap(), 2),
        ],
        ..Default::default()
    };
    // 农历十月廿三 2026 is 1 December: c1 shows from 28 November, c2 from the 30th; the past one-off never.
    let items = ctx(today()).build(&inputs);
    assert_eq!(keys(&items), ["custom:c1:2026-12-01"]);
    assert_eq!(items[0].why.explain(today(), true), "12月1日：帮忙办成贷款的日子");
    let items = ctx(d(2026, 11, 30)).build(&inputs);
    assert_eq!(keys(&items), ["custom:c1:2026-12-01", "custom:c2:2026-12-01"]);
    assert_eq!(
        CustomDate::from_stored(&CustomDate::parse("农历10-23", true).unwrap().display()),
        CustomDate::parse("农历10-23", true).ok()
    );
    assert!(CustomDate::parse("13-45", true).is_err());
}
