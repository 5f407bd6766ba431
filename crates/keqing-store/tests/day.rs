//! The rep's day, told once and run on SQLite and on PostgreSQL: logging
//! interactions, the clocks they reset, next steps, snoozes, scope.

use chrono::NaiveDate;
use keqing_core::agenda::cadence::{CadenceRules, Window};
use keqing_core::agenda::occasion::OccasionRules;
use keqing_core::agenda::{Context, Section};
use keqing_core::calendar::lunar::Policy;
use keqing_core::model::{
    FamilyRelation, Gender, InteractionDraft, MilestoneKind, OrganisationDraft, PersonDraft, UserDraft,
};
use keqing_core::validate::Problem;
use keqing_core::{Scope, UserId};
use keqing_store::interactions::InteractionFilter;
use keqing_store::people::FamilyData;
use keqing_store::{Actor, Store, StoreError, StoreOptions};
use keqing_test_db::TestDb;

async fn open(db: &TestDb) -> Store {
    let store = Store::open(&db.url, &StoreOptions::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

async fn rep(store: &Store, name: &str) -> (UserId, Actor) {
    let new = UserDraft {
        username: name.into(),
        display_name: name.to_uppercase(),
        password: "correct horse battery".into(),
        roles: vec!["rep".into()],
        ..Default::default()
    }
    .parse()
    .unwrap();
    let u = store.create_user(&Actor::system("test"), &new, "$argon2id$fake", false).await.unwrap();
    (u.id, Actor { user_id: Some(u.id), name: name.into(), ip: None })
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn days_ago(n: u64) -> String {
    today().checked_sub_days(chrono::Days::new(n)).unwrap().to_string()
}

#[tokio::test]
async fn a_logged_visit_resets_the_clock_and_the_agenda_says_why() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let (a, actor) = rep(&store, "rep_a").await;
        let (b, other) = rep(&store, "rep_b").await;
        let scope = Scope::Owners([a].into());
        let org = OrganisationDraft {
            name: "华联超市".into(),
            kind: "supermarket".into(),
            owner: Some(a),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let org = store.create_organisation(&actor, &scope, &org).await.unwrap();
        let org = store
            .set_class(&actor, &scope, org.id, Some(keqing_core::model::CustomerClass::Key), Some("全县第一"))
            .await
            .unwrap();
        let person = PersonDraft {
            name: "李建华".into(),
            owner: Some(a),
            organisation: Some(org.id),
            position: "老板".into(),
            tastes: "爱喝普洱".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let li = store.create_person(&actor, &scope, &person).await.unwrap();
        let ctx = |today: NaiveDate| {
            Context::new(
                CadenceRules::default(),
                OccasionRules { festivals: vec![], ..Default::default() },
                Policy::default(),
                today,
                today,
            )
        };

        // Never visited: due at once.
        let inputs = store.agenda_inputs(a, today()).await.unwrap();
        let items = ctx(today()).build(&inputs);
        assert!(items.iter().any(|i| i.key.starts_with("visit:o")), "{:?}: {items:?}", db.backend);

        // A deep visit 6 days ago: a key customer (3–5 days) is overdue by one.
        let visit = InteractionDraft {
            kind: "deep_visit".into(),
            on: days_ago(6),
            people: vec![li.id],
            duration_minutes: "90".into(),
            notes: "帮忙调整陈列".into(),
            next_step: "送新品样品".into(),
            next_step_on: days_ago(1),
            ..Default::default()
        }
        .parse(today())
        .unwrap();
        let logged = store.log_interaction(&actor, &scope, &visit).await.unwrap();
        assert_eq!(logged.organisation.as_ref().map(|o| o.id), Some(org.id), "filled from the person");
        let items = ctx(today()).build(&store.agenda_inputs(a, today()).await.unwrap());
        let visit_item = items.iter().find(|i| i.key.starts_with("visit:")).expect("visit due");
        assert_eq!((visit_item.section, visit_item.overdue_days), (Section::Overdue, 1), "{:?}", db.backend);
        let follow = items.iter().find(|i| i.key == format!("next:i{}", logged.id)).expect("the next step");
        assert_eq!(follow.overdue_days, 1);

        // Logging the follow-up from the agenda closes the step, and the
        // visit today resets the clock.
        let done = InteractionDraft {
            kind: "visit".into(),
            people: vec![li.id],
            agenda_key: follow.key.clone(),
            ..Default::default()
        }
        .parse(today())
        .unwrap();
        store.log_interaction(&actor, &scope, &done).await.unwrap();
        let items = ctx(today()).build(&store.agenda_inputs(a, today()).await.unwrap());
        assert!(items.iter().all(|i| !i.key.starts_with("visit:") && !i.key.starts_with("next:")), "{items:?}");
        assert!(store.interaction(&scope, logged.id).await.unwrap().next_step_done);

        // The timeline, newest first; the briefing.
        let timeline = store
            .interactions(&scope, InteractionFilter { person: Some(li.id), limit: 50, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(timeline[0].on, today());
        let brief = store.briefings(&[li.id]).await.unwrap().remove(&li.id).unwrap();
        assert_eq!(brief.last_contact.map(|(_, on)| on), Some(today()));
        assert_eq!(brief.tastes.as_deref(), Some("爱喝普洱"));

        // Another rep cannot log for, read or delete this customer's contacts.
        let theirs = Scope::Owners([b].into());
        match store.log_interaction(&other, &theirs, &done).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.get("people[0]"), Some(&Problem::UnknownReference)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(store.interaction(&theirs, logged.id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            store.delete_interaction(&other, &theirs, logged.id, Some(2)).await,
            Err(StoreError::NotFound)
        ));
        // The owner deletes with the current version; a stale one conflicts.
        assert!(matches!(
            store.delete_interaction(&actor, &scope, logged.id, Some(1)).await,
            Err(StoreError::Conflict { .. })
        ));
        store.delete_interaction(&actor, &scope, logged.id, Some(2)).await.unwrap();
    }
}

#[tokio::test]
async fn a_snooze_hides_an_item_until_its_day_and_overrides_change_the_rhythm() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let (a, actor) = rep(&store, "rep_a").await;
        let scope = Scope::Owners([a].into());
        let org = OrganisationDraft {
            name: "小卖部".into(),
            kind: "retail_store".into(),
            owner: Some(a),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let org = store.create_organisation(&actor, &scope, &org).await.unwrap();
        let ctx = Context::new(
            CadenceRules::default(),
            OccasionRules { festivals: vec![], ..Default::default() },
            Policy::default(),
            today(),
            today(),
        );
        let items = ctx.build(&store.agenda_inputs(a, today()).await.unwrap());
        let key = items[0].key.clone();
        let tomorrow = today().succ_opt().unwrap();
        store.snooze(&actor, &key, tomorrow, "老板出差").await.unwrap();
        assert!(ctx.build(&store.agenda_inputs(a, today()).await.unwrap()).is_empty());
        // Tomorrow it is back.
        let ctx2 = Context::new(
            CadenceRules::default(),
            OccasionRules { festivals: vec![], ..Default::default() },
            Policy::default(),
            tomorrow,
            tomorrow,
        );
        assert_eq!(ctx2.build(&store.agenda_inputs(a, tomorrow).await.unwrap()).len(), 1);

        // Visits switched off for this customer.
        let o = store.set_cadence_override(&actor, &scope, org.id, Some(Window::OFF), Some(0)).await.unwrap();
        assert_eq!(o.visit, Some(Window::OFF));
        assert!(ctx2.build(&store.agenda_inputs(a, tomorrow).await.unwrap()).is_empty());
        assert_eq!(store.organisation_cadence(&scope, org.id).await.unwrap(), o);
    }
}

#[tokio::test]
async fn family_news_and_illness_reach_the_agenda_and_erased_people_leave_it() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let (a, actor) = rep(&store, "rep_a").await;
        let scope = Scope::Owners([a].into());
        let p = PersonDraft { name: "王芳".into(), owner: Some(a), ..Default::default() }.parse().unwrap();
        let wang = store.create_person(&actor, &scope, &p).await.unwrap();
        let mother = FamilyData {
            relation: FamilyRelation::Parent,
            name: "王母".into(),
            gender: Gender::Female,
            birthday: None,
            notes: None,
        };
        let m = store.add_family_member(&actor, &scope, wang.id, &mother).await.unwrap();
        store.add_milestone(&actor, &scope, m.id, MilestoneKind::Illness, today(), Some("住院")).await.unwrap();
        let ctx = Context::new(CadenceRules::default(), OccasionRules::default(), Policy::default(), today(), today());
        let items = ctx.build(&store.agenda_inputs(a, today()).await.unwrap());
        assert!(items.iter().any(|i| i.key.starts_with("ill:m")), "{:?}: {items:?}", db.backend);
        let brief = store.briefings(&[wang.id]).await.unwrap().remove(&wang.id).unwrap();
        assert_eq!(brief.family_news.map(|(who, k, _)| (who, k)), Some(("王母".to_owned(), MilestoneKind::Illness)));
        // A care call clears it.
        let call = InteractionDraft { kind: "care_call".into(), people: vec![wang.id], ..Default::default() }
            .parse(today())
            .unwrap();
        store.log_interaction(&actor, &scope, &call).await.unwrap();
        let items = ctx.build(&store.agenda_inputs(a, today()).await.unwrap());
        assert!(items.iter().all(|i| !i.key.starts_with("ill:")));
        // Erased: gone from the agenda, and nothing more can be logged.
        store.erase_person(&Actor::system("test"), wang.id, "本人要求删除").await.unwrap();
        assert!(store.agenda_inputs(a, today()).await.unwrap().people.is_empty());
        match store.log_interaction(&actor, &scope, &call).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.get("people[0]"), Some(&Problem::Rule { rule: "erased" })),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn two_workers_never_claim_the_same_message() {
    use keqing_core::notify::Channel;
    use keqing_store::outbox::NewMessage;
    for db in TestDb::all().await {
        let store = open(&db).await;
        let (a, _) = rep(&store, "rep_a").await;
        let payload = serde_json::json!({});
        for i in 0..30 {
            let key = format!("digest:{}:{i}", a.0);
            let m = NewMessage {
                user: a,
                dedupe_key: &key,
                channel: Channel::Webhook,
                target: "http://127.0.0.1:9/",
                secret: None,
                subject: "s",
                body: "b",
                payload: &payload,
                send_at: keqing_store::now(),
            };
            assert!(store.enqueue_message(&m).await.unwrap());
            assert!(!store.enqueue_message(&m).await.unwrap(), "a key is enqueued once");
        }
        let claim = |worker: &'static str| {
            let store = store.clone();
            async move {
                let mut got = Vec::new();
                loop {
                    let now = keqing_store::now();
                    match store.claim_message(worker, now, now + chrono::Duration::minutes(2)).await.unwrap() {
                        Some(m) => {
                            assert!(store.message_sent(m.outbox_message_id, worker, now).await.unwrap());
                            got.push(m.outbox_message_id);
                        }
                        None => return got,
                    }
                }
            }
        };
        let (x, y) = tokio::join!(claim("x"), claim("y"));
        let mut all: Vec<i64> = x.iter().chain(&y).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 30, "{:?}", db.backend);
        assert_eq!(x.len() + y.len(), 30, "{:?}: no message claimed twice", db.backend);
    }
}
