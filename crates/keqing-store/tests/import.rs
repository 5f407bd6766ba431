//! Imports, on SQLite and PostgreSQL: preview, duplicates, atomic commit.

use keqing_core::import::OnDuplicate;
use keqing_core::model::UserDraft;
use keqing_core::{PersonId, Scope, UserId};
use keqing_store::import::{CommitPlan, DuplicateBy, ImportOptions};
use keqing_store::people::PersonFilter;
use keqing_store::{Actor, Store, StoreError, StoreOptions};
use keqing_test_db::TestDb;

async fn open(db: &TestDb) -> Store {
    let store = Store::open(&db.url, &StoreOptions::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

async fn user(store: &Store, name: &str, roles: &[&str]) -> UserId {
    let draft = UserDraft {
        username: name.into(),
        display_name: format!("{name}名"),
        password: "correct horse battery".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    };
    store.create_user(&Actor::system("t"), &draft.parse().unwrap(), "$argon2id$fake", false).await.unwrap().id
}

fn no_progress(_: usize, _: usize) {}

fn plan(batch: i64, owner: UserId, on_duplicate: OnDuplicate) -> CommitPlan {
    CommitPlan { batch, scope: Scope::All, default_owner: owner, options: ImportOptions::default(), on_duplicate }
}

async fn people(store: &Store) -> Vec<(String, Option<String>, Option<String>)> {
    let (list, _) = store.list_people(&Scope::All, &PersonFilter::default(), 1000, 0).await.unwrap();
    list.into_iter().map(|p| (p.name, p.phone, p.organisation_name)).collect()
}

const GOOD: &str = "姓名,手机,单位,职务,生日,负责人\n\
张三,13812345678,佳佳超市,老板,农历8-15,\n\
李四,13900001111,佳佳超市,采购员,1980-03-08,rep_b\n\
王五,,新开的店,店长,,\n";

#[tokio::test]
async fn a_clean_file_previews_then_commits_with_new_organisations_and_one_audit_entry() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let rep = user(&store, "rep_a", &["rep"]).await;
        user(&store, "rep_b", &["rep"]).await;
        let actor = Actor { user_id: Some(rep), name: "rep_a".into(), ip: None };
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "people.csv", GOOD.as_bytes(), &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!((p.rows, p.valid_rows, p.error_count), (3, 3, 0), "{:?} {:?}", db.backend, p.errors);
        assert_eq!(p.new_organisations, ["佳佳超市", "新开的店"]);
        assert!(people(&store).await.is_empty(), "a preview writes nothing");
        store.start_import(p.batch_id, Some(rep), OnDuplicate::Skip).await.unwrap();
        let r = store.commit_import(&actor, &plan(p.batch_id, rep, OnDuplicate::Skip), &no_progress).await.unwrap();
        assert_eq!((r.created, r.organisations_created), (3, 2));
        let all = people(&store).await;
        assert!(all.contains(&("张三".into(), Some("13812345678".into()), Some("佳佳超市".into()))), "{all:?}");
        // Found by pinyin initials like anyone typed in by hand.
        let (found, _) = store
            .list_people(&Scope::All, &PersonFilter { q: Some("zs".into()), ..Default::default() }, 10, 0)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].birthday.map(|b| b.display()).as_deref(), Some("农历08-15"));
        let (li, _) = store
            .list_people(&Scope::All, &PersonFilter { q: Some("李四".into()), ..Default::default() }, 10, 0)
            .await
            .unwrap();
        assert_eq!(li[0].owner_name, "rep_b名");
        let batch = store.import_batch(p.batch_id, Some(rep)).await.unwrap();
        assert_eq!(batch.status, "done");
        // The file is gone once imported; a second commit is refused.
        assert!(store.start_import(p.batch_id, Some(rep), OnDuplicate::Skip).await.is_err());
        let filter = keqing_store::audit::AuditFilter { entity: Some("import_batch".into()), ..Default::default() };
        let entries = store.list_audit(&Scope::All, &filter, 10, 0).await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "import");
        assert!(entries[0].summary.contains("3 created"), "{}", entries[0].summary);
    }
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let rep = user(&store, "rep_a", &["rep"]).await;
        let file = "姓名,手机,生日,负责人,备注\n\
张三,12345,1980-01-01,,\n\
,13812345678,,,\n\
李四,13900001111,农历2026-闰6-10,nobody,\n\
王五,13700001111,,,=HYPERLINK(\"x\")\n";
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "bad.csv", file.as_bytes(), &ImportOptions::default())
            .await
            .unwrap();
        let got: Vec<(usize, &str, &str)> =
            p.errors.iter().map(|e| (e.row, e.column.as_str(), e.value.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "手机", "12345"),
                (3, "姓名", ""),
                (4, "生日", "农历2026-闰6-10"),
                (4, "负责人", "nobody"),
                (5, "备注", "=HYPERLINK(\"x\")"),
            ],
            "{:?}",
            db.backend
        );
        assert_eq!(p.valid_rows, 0);
        // Committing anyway fails as a whole.
        store.start_import(p.batch_id, Some(rep), OnDuplicate::Skip).await.unwrap();
        let err = store
            .commit_import(&Actor::system("t"), &plan(p.batch_id, rep, OnDuplicate::Skip), &no_progress)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert!(people(&store).await.is_empty());
        assert_eq!(store.import_batch(p.batch_id, None).await.unwrap().status, "failed");
    }
}

#[tokio::test]
async fn duplicates_are_found_by_phone_and_by_name_at_the_organisation_and_skipped_merged_or_created() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let rep = user(&store, "rep_a", &["rep"]).await;
        let actor = Actor::system("t");
        let first = "姓名,手机,单位,口味\n张三,13812345678,佳佳超市,普洱\n李四,13900001111,佳佳超市,\n";
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "a.csv", first.as_bytes(), &ImportOptions::default())
            .await
            .unwrap();
        store.start_import(p.batch_id, None, OnDuplicate::Skip).await.unwrap();
        store.commit_import(&actor, &plan(p.batch_id, rep, OnDuplicate::Skip), &no_progress).await.unwrap();

        let second = "姓名,电话,单位,口味,备注\n\
张三丰,+86 138-1234-5678,,白酒,\n\
李四,13600000000,佳佳超市,绿茶,春节送过茶\n\
赵六,13500000000,,,\n\
赵六,13500000000,,,\n";
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "b.csv", second.as_bytes(), &ImportOptions::default())
            .await
            .unwrap();
        let dups: Vec<(usize, DuplicateBy, Option<usize>)> =
            p.duplicates.iter().map(|d| (d.row, d.by, d.earlier_row)).collect();
        assert_eq!(
            dups,
            [
                (2, DuplicateBy::Phone, None),
                (3, DuplicateBy::NameAndOrganisation, None),
                (5, DuplicateBy::Phone, Some(4))
            ],
            "{:?}",
            db.backend
        );
        store.start_import(p.batch_id, None, OnDuplicate::Merge).await.unwrap();
        let r = store.commit_import(&actor, &plan(p.batch_id, rep, OnDuplicate::Merge), &no_progress).await.unwrap();
        assert_eq!((r.created, r.merged, r.skipped), (1, 2, 1));
        let (found, _) = store
            .list_people(&Scope::All, &PersonFilter { q: Some("李四".into()), ..Default::default() }, 10, 0)
            .await
            .unwrap();
        let li = store.person(&Scope::All, PersonId(found[0].id.0)).await.unwrap();
        assert_eq!(li.tastes.as_deref(), Some("绿茶"), "a blank is filled");
        assert_eq!(li.other_phones, ["13600000000"]);
        assert_eq!(li.notes.as_deref(), Some("春节送过茶"));
        let (zhang, _) = store
            .list_people(&Scope::All, &PersonFilter { q: Some("张三".into()), ..Default::default() }, 10, 0)
            .await
            .unwrap();
        assert_eq!(zhang.len(), 1, "张三丰 merged into 张三 by phone");
        assert_eq!(zhang[0].tastes.as_deref(), Some("普洱"), "nothing saved is overwritten");
    }
}

#[tokio::test]
async fn gbk_csv_and_xlsx_import_the_same_people() {
    for db in TestDb::all().await {
        let store = open(&db).await;
        let rep = user(&store, "rep_a", &["rep"]).await;
        user(&store, "rep_b", &["rep"]).await;
        let (gbk, _, _) = encoding_rs::GBK.encode(GOOD);
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "gbk.csv", &gbk, &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(p.encoding, Some(keqing_core::table::Encoding::Gb18030));
        assert_eq!(p.valid_rows, 3, "{:?}", p.errors);
        let rows: Vec<Vec<String>> = GOOD.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
        let headers: Vec<&str> = GOOD.lines().next().unwrap().split(',').collect();
        let xlsx = keqing_core::table::xlsx_file("联系人", &headers, &rows).unwrap();
        let p = store
            .preview_import(Some(rep), &Scope::All, rep, "x.xlsx", &xlsx, &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(p.encoding, None);
        assert_eq!((p.valid_rows, p.error_count), (3, 0), "{:?}", p.errors);
    }
}
