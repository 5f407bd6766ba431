//! Loads the demo company ([`keqing_core::demo`]) in one transaction,
//! through the same insert paths as the API (derived fields, audit entries).

use crate::audit::Actor;
use crate::db::{exec, run};
use crate::error::Result;
use crate::people::FamilyData;
use crate::regions::TerritoryData;
use crate::{Store, now, settings};
use keqing_core::classify::Rules;
use keqing_core::model::RelationKind;
use keqing_core::{Scope, UserId, demo};
use serde_json::json;

/// What loading the demo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    /// The demo was loaded.
    Loaded {
        /// Users created.
        users: usize,
        /// Organisations created.
        organisations: usize,
        /// People created.
        people: usize,
        /// Interactions logged.
        interactions: usize,
    },
    /// The demo users exist already; nothing was changed.
    AlreadyLoaded,
}

impl Store {
    /// Loads the demo company, unless it is there already. Every record gets
    /// its audit entry, as if typed in by `actor`.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo(
        &self,
        actor: &Actor,
        company: &demo::DemoCompany,
        password_hash: &str,
        today: chrono::NaiveDate,
    ) -> Result<DemoOutcome> {
        let first = company.users.first().map(|u| u.username).unwrap_or_default();
        if self.user_by_username(first).await?.is_some() {
            return Ok(DemoOutcome::AlreadyLoaded);
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        let mut user_ids = Vec::with_capacity(company.users.len());
        for u in &company.users {
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO app_user (username, display_name, password_hash, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $4) RETURNING user_id",
                )
                .bind(u.username)
                .bind(u.display_name)
                .bind(password_hash)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            for r in u.roles {
                run!(tx.exec(), |c| sqlx::query("INSERT INTO user_role (user_id, role) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*r)
                    .execute(c)
                    .await)?;
            }
            let snapshot = json!({"username": u.username, "display_name": u.display_name, "roles": u.roles});
            crate::audit::record(&mut tx, actor, at, "user", id, None, u.username, None, Some(&snapshot)).await?;
            user_ids.push(id);
        }
        let mut team_ids: Vec<i64> = Vec::with_capacity(company.teams.len());
        for t in &company.teams {
            let parent = t.parent.map(|p| team_ids[p]);
            let manager = user_ids[t.manager];
            let id: i64 = exec!(tx.exec(), |c| {
                sqlx::query_scalar(
                    "INSERT INTO team (name, parent_team_id, manager_user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING team_id",
                )
                .bind(t.name)
                .bind(parent)
                .bind(manager)
                .bind(at)
                .fetch_one(c)
                .await
            })?;
            let snapshot = json!({"name": t.name, "parent_team_id": parent, "manager_user_id": manager});
            crate::audit::record(&mut tx, actor, at, "team", id, None, t.name, None, Some(&snapshot)).await?;
            team_ids.push(id);
        }
        for (u, id) in company.users.iter().zip(&user_ids) {
            if let Some(team) = u.team {
                run!(tx.exec(), |c| {
                    sqlx::query("UPDATE app_user SET team_id = $1 WHERE user_id = $2")
                        .bind(team_ids[team])
                        .bind(*id)
                        .execute(c)
                        .await
                })?;
            }
        }
        tx.commit().await?;
        for t in &company.territories {
            let data = TerritoryData {
                name: t.name.to_owned(),
                manager: Some(UserId(user_ids[t.manager])),
                regions: t.regions.iter().map(|r| (*r).to_owned()).collect(),
                members: t.members.iter().map(|m| UserId(user_ids[*m])).collect(),
            };
            self.create_territory(actor, &data).await?;
        }
        let mut tx = self.db.begin().await?;
        let rules = settings::read::<Rules>(&mut tx, settings::CLASSIFICATION).await?.value;
        let mut org_ids = Vec::with_capacity(company.organisations.len());
        let mut classes = Vec::with_capacity(company.organisations.len());
        for o in &company.organisations {
            let mut d = o.data.clone();
            d.owner = UserId(user_ids[d.owner.0 as usize]);
            let org = crate::organisations::insert(&mut tx, actor, at, &Scope::All, &d, &rules).await?;
            org_ids.push(org.id);
            classes.push(org.class);
        }
        let mut people = Vec::with_capacity(company.people.len());
        for p in &company.people {
            let mut d = p.data.clone();
            d.owner = UserId(user_ids[d.owner.0 as usize]);
            d.organisation = d.organisation.map(|o| org_ids[o.0 as usize]);
            let person = crate::people::insert(&mut tx, actor, at, &Scope::All, &d).await?;
            for f in &p.family {
                let member = crate::people::insert_family(
                    &mut tx,
                    actor,
                    at,
                    &person,
                    &FamilyData {
                        relation: f.relation,
                        name: f.name.clone(),
                        gender: f.gender,
                        birthday: f.birthday,
                        notes: None,
                    },
                )
                .await?;
                for (kind, on, note) in &f.milestones {
                    let milestone = crate::people::MilestoneData { kind: *kind, on: *on, notes: Some(note) };
                    crate::people::insert_milestone(&mut tx, actor, at, &person, &member, milestone).await?;
                }
            }
            if let Some(r) = p.referred_by {
                let referrer: &crate::people::Person = &people[r];
                crate::people::insert_relation(&mut tx, actor, at, &person, referrer, RelationKind::ReferredBy, None)
                    .await?;
            }
            people.push(person);
        }
        let contacts = demo::interactions(company, &classes, today);
        for c in &contacts {
            let person = &people[c.person];
            let mut d = c.data.clone();
            d.people = vec![person.id];
            crate::interactions::insert(&mut tx, actor, at, person.owner_id, &Scope::All, &d).await?;
        }
        tx.commit().await?;
        Ok(DemoOutcome::Loaded {
            users: company.users.len(),
            organisations: company.organisations.len(),
            people: company.people.len(),
            interactions: contacts.len(),
        })
    }
}

/// A demo shop and its first person.
type Shop = (i64, Option<i64>);

/// What the expense demo did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpenseDemo {
    /// Ledger lines written.
    pub ledger_lines: usize,
    /// Statements started.
    pub statements: usize,
}

impl Store {
    /// Adds four months of the expense regime to the demo company: two
    /// product lines, the ledger of the reps' customers, entries (one of
    /// them cash to a person), and statements in every state — approved
    /// and paid out with a spot check, signed by the clerk or the manager,
    /// returned with a reason, filed, still a draft, missing — plus
    /// new-customer applications. Skipped when the products exist.
    pub async fn load_expense_demo(&self, today: chrono::NaiveDate) -> Result<Option<ExpenseDemo>> {
        use crate::expenses::{Document, LedgerInput, NewApplication, NewProductLine};
        use keqing_core::expense::{ExpenseDraft, Figures, LedgerFigures, Month, Standard, Use};
        use keqing_core::rng::SplitMix64;
        if self.product_lines().await?.iter().any(|p| p.code == "JK-01") {
            return Ok(None);
        }
        let Some(finance) = self.user_by_username("gaofeng").await? else {
            return Ok(None);
        };
        let actor = |u: &crate::users::User| Actor { user_id: Some(u.id), name: u.username.clone(), ip: None };
        let sys = Actor::system("demo");
        let jk = self
            .save_product_line(
                &sys,
                None,
                &NewProductLine {
                    code: "JK-01".into(),
                    name: "进口模块".into(),
                    unit: "盒".into(),
                    standard: Standard::PerUnit { fen_per_unit: 200 },
                    uses: Use::ALL.to_vec(),
                    active: true,
                },
            )
            .await?;
        let pe = self
            .save_product_line(
                &sys,
                None,
                &NewProductLine {
                    code: "PE-02".into(),
                    name: "云南普洱".into(),
                    unit: "饼".into(),
                    standard: Standard::Percent { basis_points: 150 },
                    uses: vec![Use::Buyer, Use::PurchasingLeader, Use::Executive, Use::Event],
                    active: true,
                },
            )
            .await?;
        // (rep, clerk, manager) by team.
        let cast = [
            ("zhangwei", "wuxia", "lihaitao"),
            ("liuyang", "wuxia", "lihaitao"),
            ("chenjing", "wuxia", "lihaitao"),
            ("zhaolei", "sunhong", "zhoumin"),
        ];
        let this = Month::of(today);
        let months = [this.prev().prev().prev().prev(), this.prev().prev().prev(), this.prev().prev(), this.prev()];
        let mut lines = Vec::new();
        // Each rep's shops with their first person (the gift's recipient).
        let mut shops: Vec<(String, Vec<Shop>)> = Vec::new();
        for (rep, _, _) in cast {
            let Some(u) = self.user_by_username(rep).await? else { continue };
            let scope = Scope::Owners([u.id].into_iter().collect());
            let filter = crate::organisations::OrganisationFilter { owner: Some(u.id), ..Default::default() };
            let (orgs, _) = self.list_organisations(&scope, &filter, 8, 0).await?;
            let mut mine = Vec::new();
            for o in orgs {
                let pf = crate::people::PersonFilter { organisation: Some(o.id), ..Default::default() };
                let (people, _) = self.list_people(&scope, &pf, 1, 0).await?;
                mine.push((o.id.0, people.first().map(|p| p.id.0)));
                for (mi, m) in months.iter().enumerate() {
                    let mut rng = SplitMix64::from_parts(&[o.id.0 as u64, mi as u64, 0xe7]);
                    let units = rng.between(200, 2_000);
                    let sales = units * 3_000;
                    // Mostly paid in full; some customers pay half, a few nothing yet.
                    let collected = match rng.below(10) {
                        0 => 0,
                        1 | 2 => sales / 2,
                        _ => sales,
                    };
                    for (p, k) in [(jk.id, 1), (pe.id, 2)] {
                        let f =
                            Figures { net_units: units / k, net_sales_fen: sales / k, collected_fen: collected / k };
                        lines.push(LedgerInput {
                            organisation_id: o.id.0,
                            product_line_id: p,
                            figures: LedgerFigures { month: *m, shipped_units: units / k + 50, figures: f },
                        });
                    }
                }
            }
            shops.push((rep.to_owned(), mine));
        }
        self.write_ledger(&actor(&finance), &lines, Some("演示台账")).await?;
        let png: &[u8] = b"\x89PNG\r\n\x1a\n demo receipt";
        let mut statements = 0;
        for (mi, m) in months.iter().enumerate() {
            for (ri, (rep, clerk, manager)) in cast.iter().enumerate() {
                let (Some(u), Some(c), Some(mg)) = (
                    self.user_by_username(rep).await?,
                    self.user_by_username(clerk).await?,
                    self.user_by_username(manager).await?,
                ) else {
                    continue;
                };
                let scope = Scope::Owners([u.id].into_iter().collect());
                let mine = shops.iter().find(|(r, _)| r == rep).map(|(_, s)| s.clone()).unwrap_or_default();
                // What each shop may receive this month (JK-01 only, to keep it short).
                let view = self.month_view(&scope, u.id, *m).await?;
                let mut entered = 0;
                for (si, (org, person)) in mine.iter().enumerate() {
                    let payable: i64 = view
                        .lines
                        .iter()
                        .filter(|l| l.organisation_id == *org && l.product_line_id == jk.id)
                        .map(|l| l.payable_fen)
                        .sum();
                    if payable < 10_000 || entered >= 3 {
                        continue;
                    }
                    // A gift to the buyer; once, cash to the person (flagged).
                    let cash = mi == 0 && ri == 0 && si == 0;
                    let amount = (payable / 3).min(30_000) / 100 * 100;
                    let d = ExpenseDraft {
                        month: m.to_string(),
                        organisation_id: Some(*org),
                        person_id: *person,
                        product_line_id: Some(jk.id),
                        use_: "buyer".into(),
                        form: if cash {
                            "cash"
                        } else if person.is_some() {
                            "gift"
                        } else {
                            "transfer"
                        }
                        .into(),
                        purpose: if cash { "门店主管代领促销奖励" } else { "节日维护：茶叶礼盒" }.into(),
                        occasion: format!("{m}维护"),
                        amount: keqing_core::money::format_yuan(amount),
                        corrects_expense_id: None,
                        attachment_id: None,
                    };
                    if let Ok(d) = d.parse()
                        && self.add_expense(&actor(&u), &scope, &d).await.is_ok()
                    {
                        entered += 1;
                    }
                }
                // Which state this rep's statement of this month ends in.
                let steps = match (mi, ri) {
                    (3, 0) => 0,        // filed, awaiting the clerk
                    (3, _) => continue, // a draft (liuyang has entries) or missing
                    (2, 1) => 2,        // manager signed
                    (2, 2) => 1,        // clerk signed
                    (2, 3) => 9,        // returned with a reason
                    _ => 3,             // approved
                };
                if entered == 0 && steps != 9 && mi == 3 {
                    continue;
                }
                let filed = self.file_statement(&actor(&u), *m, mi == 2 && ri == 3).await?;
                statements += 1;
                let Some(s) = filed.statement else { continue };
                let id = s.statement_id;
                let roles = |r: keqing_core::Role| [r].into_iter().collect::<keqing_core::Roles>();
                if steps == 9 {
                    let v = self.statement_version(id).await?;
                    self.sign(
                        &actor(&c),
                        roles(keqing_core::Role::Clerk),
                        &Scope::All,
                        Document::Statement,
                        id,
                        v,
                        false,
                    )
                    .await?;
                    let v = self.statement_version(id).await?;
                    self.reject(
                        &actor(&mg),
                        roles(keqing_core::Role::Manager),
                        &Scope::All,
                        Document::Statement,
                        id,
                        v,
                        "惠民药店回款未到账，请核对后重新提交",
                    )
                    .await?;
                    continue;
                }
                let signers = [
                    (&c, keqing_core::Role::Clerk),
                    (&mg, keqing_core::Role::Manager),
                    (&finance, keqing_core::Role::Finance),
                ];
                for (who, role) in signers.iter().take(steps) {
                    if *role == keqing_core::Role::Finance {
                        for e in self.statement(&Scope::All, id).await?.expenses.iter().filter(|e| e.flagged) {
                            self.override_expense(&actor(&finance), e.expense_id, "门店主管代领，附签收单").await?;
                        }
                    }
                    let v = self.statement_version(id).await?;
                    self.sign(&actor(who), roles(*role), &Scope::All, Document::Statement, id, v, false).await?;
                }
                // The oldest approved month is paid out and spot-checked.
                if steps == 3 && mi == 0 {
                    let v = self.statement(&Scope::All, id).await?;
                    let total: i64 = v.expenses.iter().map(|e| e.amount_fen).sum();
                    if total > 0 && total <= 300_000 {
                        self.draw_advance(&actor(&u), id, total, today, |_| None).await?;
                        let att = self.save_attachment(&actor(&u), "签收单.png", "image/png", png).await?;
                        for e in &v.expenses {
                            self.pay_expense(&actor(&u), e.expense_id, today, Some(att)).await?;
                        }
                        let picked = self.spot_check(&actor(&mg), &Scope::All, id).await?;
                        if let Some(first) = picked.first() {
                            self.confirm_spot_check(
                                &actor(&mg),
                                &Scope::All,
                                first.spot_check_id,
                                true,
                                Some("电话确认已收到"),
                            )
                            .await?;
                        }
                    }
                }
            }
        }
        // New customers: one approved application, one awaiting the clerk.
        for (rep, approve) in [("zhangwei", true), ("chenjing", false)] {
            let Some(u) = self.user_by_username(rep).await? else { continue };
            let Some((org, _)) = shops.iter().find(|(r, _)| r == rep).and_then(|(_, s)| s.last().copied()) else {
                continue;
            };
            let a = self
                .apply_for_new_customer(
                    &actor(&u),
                    &Scope::All,
                    &NewApplication {
                        organisation_id: org,
                        product_line_id: jk.id,
                        applied_on: today - chrono::Days::new(20),
                        amount_fen: 150_000,
                        purpose: "新店开业陈列与首单推广".into(),
                    },
                )
                .await?;
            if approve {
                let (c, mg) = (self.user_by_username("wuxia").await?, self.user_by_username("lihaitao").await?);
                if let (Some(c), Some(mg)) = (c, mg) {
                    for (who, role) in [
                        (&c, keqing_core::Role::Clerk),
                        (&mg, keqing_core::Role::Manager),
                        (&finance, keqing_core::Role::Finance),
                    ] {
                        let v = self.application(&Scope::All, a.application_id).await?.version;
                        let roles = [role].into_iter().collect::<keqing_core::Roles>();
                        self.sign(&actor(who), roles, &Scope::All, Document::Application, a.application_id, v, false)
                            .await?;
                    }
                }
            }
        }
        Ok(Some(ExpenseDemo { ledger_lines: lines.len(), statements }))
    }

    async fn statement_version(&self, id: i64) -> Result<i64> {
        Ok(self.statement(&Scope::All, id).await?.statement.map_or(0, |s| s.version))
    }
}
