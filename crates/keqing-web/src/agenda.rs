//! One user's agenda, as both the API and the Today page need it: the
//! rules in force, the store's inputs, keqing-core's builder, and the
//! briefing of each person named.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use keqing_core::agenda::{Context, Item, Section};
use keqing_core::validate::{FieldErrors, Problem};
use keqing_core::{Permission, PersonId, UserId};
use keqing_store::agenda::Briefing;
use std::collections::HashMap;

/// The longest range an agenda covers (a month ahead).
pub const MAX_DAYS: u16 = 31;

/// A built agenda.
pub struct Agenda {
    /// Whose.
    pub user: UserId,
    /// Their display name.
    pub user_name: String,
    /// The day it is for.
    pub today: NaiveDate,
    /// The last day it covers.
    pub until: NaiveDate,
    /// The items in display order.
    pub items: Vec<Item>,
    /// The briefing of each person named.
    pub briefings: HashMap<PersonId, Briefing>,
}

impl Agenda {
    /// Items past their deadline.
    pub fn overdue(&self) -> usize {
        self.items.iter().filter(|i| i.section == Section::Overdue).count()
    }
}

/// Parses `date=` (blank: today in the company's zone).
pub fn parse_date(state: &AppState, text: Option<&str>) -> Result<NaiveDate> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(state.today()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::Validation(FieldErrors::one("date", Problem::Invalid { expected: "date" }))),
    }
}

/// Checks `days=` (1–31).
pub fn check_days(days: Option<u16>) -> Result<u16> {
    let d = days.unwrap_or(1);
    if (1..=MAX_DAYS).contains(&d) {
        Ok(d)
    } else {
        Err(Error::Validation(FieldErrors::one("days", Problem::OutOfRange { min: 1, max: i64::from(MAX_DAYS) })))
    }
}

/// The agenda of `user` (default: the caller) for `days` days from `today`.
/// Another user's agenda needs them in the caller's scope (a manager's
/// team); otherwise it is not found.
pub async fn build(state: &AppState, auth: &Auth, user: Option<UserId>, today: NaiveDate, days: u16) -> Result<Agenda> {
    auth.require(Permission::ReadCustomers)?;
    let user = user.unwrap_or(auth.user.id);
    let user_name = if user == auth.user.id {
        auth.user.display_name.clone()
    } else {
        let scope = auth.customer_scope(state).await?;
        if !scope.contains(user) {
            return Err(Error::NotFound);
        }
        state.store.user(user).await.map_err(|_| Error::NotFound)?.display_name
    };
    let until = today.checked_add_days(chrono::Days::new(u64::from(days.max(1) - 1))).unwrap_or(today);
    let items = items(state, user, today, until).await?;
    let mut people: Vec<PersonId> = items.iter().filter_map(|i| i.person.as_ref().map(|p| p.id)).collect();
    people.sort();
    people.dedup();
    let briefings =
        if auth.can(Permission::ViewPersonalDetails) { state.store.briefings(&people).await? } else { HashMap::new() };
    Ok(Agenda { user, user_name, today, until, items, briefings })
}

/// `user`'s agenda items from `today` to `until`, under the rules in force.
pub async fn items(state: &AppState, user: UserId, today: NaiveDate, until: NaiveDate) -> Result<Vec<Item>> {
    let ctx = context(state, today, until).await?;
    items_in(state, &ctx, user).await
}

/// The rules in force for agendas from `today` to `until`; build it once
/// when several users' agendas are needed (the team view, the digests).
pub async fn context(state: &AppState, today: NaiveDate, until: NaiveDate) -> Result<Context> {
    let cadence = state.store.cadence_rules().await?.value;
    let occasions = state.store.occasion_rules().await?.value;
    Ok(Context::new(cadence, occasions, state.settings.date_policy, today, until))
}

/// `user`'s agenda items under `ctx`.
pub async fn items_in(state: &AppState, ctx: &Context, user: UserId) -> Result<Vec<Item>> {
    Ok(ctx.build(&state.store.agenda_inputs(user, ctx.today()).await?))
}

/// The briefing in one line, in the reader's language.
pub fn briefing_line(b: &Briefing, today: NaiveDate, zh: bool) -> String {
    let mut parts = Vec::new();
    let ago = |d: NaiveDate| {
        let n = (today - d).num_days();
        if zh { format!("{n}天前") } else { format!("{n} days ago") }
    };
    if let Some((k, on)) = b.last_contact {
        parts.push(if zh {
            format!("上次联系：{}，{}", k.label(true), ago(on))
        } else {
            format!("last contact: {}, {}", k.label(false).to_lowercase(), ago(on))
        });
    }
    if let Some((who, kind, on)) = &b.family_news {
        parts.push(if zh {
            format!("家事：{who}{}（{}）", kind.label(true), on.format("%Y-%m-%d"))
        } else {
            format!("family: {who} — {} ({})", kind.label(false).to_lowercase(), on.format("%Y-%m-%d"))
        });
    }
    if let Some(t) = &b.tastes {
        parts.push(if zh { format!("喜好：{t}") } else { format!("likes: {t}") });
    }
    if let Some((what, on)) = &b.last_gift {
        parts.push(if zh {
            format!("上次送礼：{what}（{}）", ago(*on))
        } else {
            format!("last gift: {what} ({})", ago(*on))
        });
    }
    if let Some((what, on)) = &b.last_help {
        parts.push(if zh {
            format!("曾帮忙：{what}（{}）", ago(*on))
        } else {
            format!("we helped: {what} ({})", ago(*on))
        });
    }
    parts.join(if zh { "；" } else { "; " })
}

/// How far ahead the calendar feed looks: occasions for a year (lunar ones
/// resolved to this year's or next year's day), cadence items once.
const FEED_DAYS: u64 = 366;

/// The `.ics` feed of `user`'s agenda: due visits and calls (overdue ones on
/// today), occasions with an alarm by their lead time, and each festival as
/// one event naming how many people to greet.
pub async fn ical(state: &AppState, user: &keqing_store::users::User, zh: bool) -> Result<String> {
    use keqing_core::agenda::Why;
    use keqing_core::ical::{Event, calendar};
    let today = state.today();
    let until = today.checked_add_days(chrono::Days::new(FEED_DAYS)).unwrap_or(today);
    let items = items(state, user.id, today, until).await?;
    let mut events = Vec::new();
    // Festival, day, the longest lead among its items, the people to greet.
    let mut festivals: Vec<(NaiveDate, keqing_core::calendar::festival::Festival, u16, Vec<String>)> = Vec::new();
    for i in &items {
        if let Why::Festival { festival, date } = &i.why {
            let who = i.person.as_ref().map(|p| p.name.clone()).unwrap_or_default();
            match festivals.iter_mut().find(|(d, f, _, _)| d == date && f == festival) {
                Some((_, _, lead, people)) => {
                    *lead = (*lead).max(i.lead_days);
                    people.push(who);
                }
                None => festivals.push((*date, *festival, i.lead_days, vec![who])),
            }
            continue;
        }
        let name = i.person.as_ref().map(|p| p.name.as_str()).or(i.organisation.as_ref().map(|o| o.name.as_str()));
        events.push(Event {
            uid: i.key.clone(),
            date: i.due.max(today),
            summary: format!("{}：{}", i.action.label(zh), name.unwrap_or("")),
            description: i.why.explain(today, zh),
            alarm_days_before: Some(i.lead_days),
        });
    }
    for (date, festival, lead, people) in festivals {
        let n = people.len();
        let shown: Vec<String> = people.into_iter().take(30).collect();
        events.push(Event {
            uid: format!("fest:{}:{date}:u{}", festival.as_str(), user.id),
            date,
            summary: if zh {
                format!("{}：问候 {n} 位客户", festival.label(true))
            } else {
                format!("{}: greet {n} customers", festival.label(false))
            },
            description: shown.join("、"),
            alarm_days_before: Some(lead),
        });
    }
    let name = if zh {
        format!("{}的客情日程", user.display_name)
    } else {
        format!("{}'s Keqing agenda", user.display_name)
    };
    Ok(calendar(&name, &events, keqing_store::now()))
}
