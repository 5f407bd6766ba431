//! The search index: each record's [`keqing_core::search::keys`] as rows,
//! looked up by prefix range (`key >= query AND key < query + U+10FFFF`),
//! which both engines answer from the primary key's B-tree. Written in the
//! same transaction as the record, so a search never sees a stale key.

use crate::db::{Exec, Tx, exec, run};
use crate::error::Result;
use keqing_core::search;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;

/// Which index: people's own keys or organisations'.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Index {
    People,
    Organisations,
}

impl Index {
    fn table(self) -> &'static str {
        match self {
            Index::People => "person_search_key",
            Index::Organisations => "organisation_search_key",
        }
    }

    fn id_column(self) -> &'static str {
        match self {
            Index::People => "person_id",
            Index::Organisations => "organisation_id",
        }
    }
}

/// Keys written per statement: they travel as one parameter (a JSON array
/// on SQLite, two arrays on PostgreSQL), so a statement can carry many.
const ROWS_PER_STATEMENT: usize = 20_000;

/// Keys of a person from their own fields (their organisations have keys
/// of their own).
pub(crate) fn person_keys(
    name: &str,
    phone: Option<&str>,
    other_phones: &[String],
    wechat: Option<&str>,
    qq: Option<&str>,
    email: Option<&str>,
) -> Vec<String> {
    let mut plain: Vec<&str> = other_phones.iter().map(String::as_str).collect();
    plain.extend([phone, wechat, qq, email].into_iter().flatten());
    search::keys(&[name], &plain)
}

/// Keys of an organisation: its name, phone and tags.
pub(crate) fn organisation_keys(name: &str, phone: Option<&str>, tags: &[String]) -> Vec<String> {
    let mut plain: Vec<&str> = tags.iter().map(String::as_str).collect();
    plain.extend(phone);
    search::keys(&[name], &plain)
}

/// Replaces one record's keys.
pub(crate) async fn replace(tx: &mut Tx, index: Index, id: i64, keys: Vec<String>) -> Result<()> {
    remove(tx, index, id).await?;
    insert(tx, index, &[(id, keys)]).await
}

/// Removes one record's keys (an erased person is found by nothing).
pub(crate) async fn remove(tx: &mut Tx, index: Index, id: i64) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE {} = $1", index.table(), index.id_column());
    run!(tx.exec(), |c| sqlx::query(AssertSqlSafe(sql)).bind(id).execute(c).await)?;
    Ok(())
}

/// Adds the keys of records that have none.
pub(crate) async fn insert(tx: &mut Tx, index: Index, records: &[(i64, Vec<String>)]) -> Result<()> {
    let mut rows: Vec<(&str, i64)> =
        records.iter().flat_map(|(id, keys)| keys.iter().map(move |k| (k.as_str(), *id))).collect();
    // In key order the B-tree is written page after page, not all over.
    rows.sort_unstable();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let (table, id) = (index.table(), index.id_column());
        match tx.exec() {
            Exec::Sqlite(c) => {
                let sql = format!(
                    "INSERT INTO {table} (search_key, {id})
                     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1)"
                );
                sqlx::query(AssertSqlSafe(sql)).bind(Json(chunk)).execute(c).await?;
            }
            Exec::Postgres(c) => {
                let sql =
                    format!("INSERT INTO {table} (search_key, {id}) SELECT * FROM UNNEST($1::text[], $2::bigint[])");
                let keys: Vec<&str> = chunk.iter().map(|r| r.0).collect();
                let ids: Vec<i64> = chunk.iter().map(|r| r.1).collect();
                sqlx::query(AssertSqlSafe(sql)).bind(keys).bind(ids).execute(c).await?;
            }
        }
    }
    Ok(())
}

/// Records read at a time when keys are built for many.
const PAGE: i64 = 2_000;

type PersonKeyRow = (i64, String, Option<String>, Json<Vec<String>>, Option<String>, Option<String>, Option<String>);

/// Writes the keys of every person and organisation matching `filter`
/// (a condition on `person`/`organisation` with `$1` bound to `arg`),
/// reading them a page at a time. Erased people get none.
async fn index_where(tx: &mut Tx, filter: &str, arg: i64) -> Result<(usize, usize)> {
    let mut people = 0;
    let mut after = 0_i64;
    loop {
        let sql = format!(
            "SELECT person_id, name, phone, other_phones, wechat, qq, email FROM person
             WHERE {filter} AND erased_at IS NULL AND person_id > $2 ORDER BY person_id LIMIT $3"
        );
        let rows: Vec<PersonKeyRow> = exec!(tx.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(sql)).bind(arg).bind(after).bind(PAGE).fetch_all(c).await
        })?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        people += rows.len();
        let records: Vec<(i64, Vec<String>)> = rows
            .iter()
            .map(|(id, name, phone, others, wechat, qq, email)| {
                (*id, person_keys(name, phone.as_deref(), others, wechat.as_deref(), qq.as_deref(), email.as_deref()))
            })
            .collect();
        insert(tx, Index::People, &records).await?;
    }
    let mut orgs = 0;
    let mut after = 0_i64;
    loop {
        let sql = format!(
            "SELECT organisation_id, name, phone FROM organisation
             WHERE {filter} AND organisation_id > $2 ORDER BY organisation_id LIMIT $3"
        );
        let rows: Vec<(i64, String, Option<String>)> = exec!(tx.exec(), |c| {
            sqlx::query_as(AssertSqlSafe(sql)).bind(arg).bind(after).bind(PAGE).fetch_all(c).await
        })?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        orgs += rows.len();
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let tags = tags_of(tx, &ids).await?;
        let records: Vec<(i64, Vec<String>)> = rows
            .iter()
            .map(|(id, name, phone)| {
                let t = tags.iter().filter(|(o, _)| o == id).map(|(_, t)| t.clone()).collect::<Vec<_>>();
                (*id, organisation_keys(name, phone.as_deref(), &t))
            })
            .collect();
        insert(tx, Index::Organisations, &records).await?;
    }
    Ok((people, orgs))
}

async fn tags_of(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT organisation_id, tag FROM organisation_tag WHERE organisation_id IN ({})",
        crate::id_list(ids.iter().copied())
    );
    Ok(exec!(tx.exec(), |c| sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?)
}

/// Writes the keys of the people and organisations an import created.
pub(crate) async fn index_import(tx: &mut Tx, batch: i64) -> Result<()> {
    index_where(tx, "import_batch_id = $1", batch).await.map(|_| ())
}

/// Fills the index for every record if a migration asked for it (the
/// `search_key_rebuild` row); several servers starting at once do it once.
pub(crate) async fn rebuild_if_pending(tx: &mut Tx) -> Result<Option<(usize, usize)>> {
    let pending = run!(tx.exec(), |c| sqlx::query("DELETE FROM search_key_rebuild").execute(c).await)?;
    if pending == 0 {
        return Ok(None);
    }
    for index in [Index::People, Index::Organisations] {
        let sql = format!("DELETE FROM {}", index.table());
        run!(tx.exec(), |c| sqlx::query(AssertSqlSafe(sql)).execute(c).await)?;
    }
    index_where(tx, "$1 = $1", 0).await.map(Some)
}

/// The condition a search puts on a people query (`person p`): their own
/// keys or their organisations' in the range from `$n` (the normalised
/// query) to `$n` followed by U+10FFFF. Erased people are found by nothing.
pub(crate) fn people_condition(n: usize) -> String {
    let range = range(n);
    format!(
        " AND p.person_id IN (
            SELECT k.person_id FROM person_search_key k WHERE {range}
            UNION SELECT m.person_id FROM organisation_search_key k JOIN person m ON m.organisation_id = k.organisation_id WHERE {range}
            UNION SELECT a.person_id FROM organisation_search_key k JOIN person_affiliation a ON a.organisation_id = k.organisation_id WHERE {range})
          AND p.erased_at IS NULL"
    )
}

/// The condition on `o.organisation_id` for a search (see [`people_condition`]).
pub(crate) fn organisations_condition(n: usize) -> String {
    format!(" AND o.organisation_id IN (SELECT k.organisation_id FROM organisation_search_key k WHERE {})", range(n))
}

fn range(n: usize) -> String {
    format!("k.search_key >= ${n} AND k.search_key < ${n} || '{}'", char::MAX)
}
