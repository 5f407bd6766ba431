//! The rep's day: from the archive and the interaction log to a list of
//! whom to see, call or congratulate, each with the rule and the dates that
//! put it there.
//!
//! [`Context::build`] is pure: the store gathers one rep's [`Inputs`] (their
//! organisations and people with the last contact of each kind, families,
//! open next steps, what was done or snoozed), and the same inputs always
//! give the same agenda — on every reload and every server.
//!
//! Order: overdue first (most overdue first), then visits, calls, occasions
//! within their lead time, and promised next steps.

pub mod cadence;
pub mod occasion;

use crate::calendar::festival::{self, Festival};
use crate::calendar::lunar::{Adjustment, MonthDay, Policy};
use crate::model::{Birthday, CustomerClass, FamilyRelation, MilestoneKind};
use crate::{OrganisationId, PersonId};
use cadence::{CadenceRules, Window, next_care_call, plus};
use chrono::{Datelike, NaiveDate};
use occasion::{Action, OccasionRules};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A record named in an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named<T> {
    /// Id.
    pub id: T,
    /// Name.
    pub name: String,
}

/// An organisation as the agenda needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgInput {
    /// Id and name.
    pub org: Named<OrganisationId>,
    /// Class in force.
    pub class: CustomerClass,
    /// The day it was added (the clocks' start before any contact).
    pub since: NaiveDate,
    /// Its own visit window, overriding the class's.
    pub visit_override: Option<Window>,
    /// Its own work-call rhythm in days (0 off), overriding the class's.
    pub work_call_override: Option<u16>,
    /// Last visit (visit, deep visit, training).
    pub last_visit: Option<NaiveDate>,
    /// Last work contact (work call or visit).
    pub last_work_contact: Option<NaiveDate>,
    /// Opening day.
    pub opened_on: Option<NaiveDate>,
    /// Store anniversary (店庆).
    pub anniversary: Option<MonthDay>,
    /// Whom to ask for on a work call (the owner or buyer).
    pub contact: Option<Named<PersonId>>,
}

/// A family member and their milestones.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyInput {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Relation to the person.
    pub relation: FamilyRelation,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Milestones: id, kind, day.
    pub milestones: Vec<(i64, MilestoneKind, NaiveDate)>,
}

/// A person as the agenda needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonInput {
    /// Id and name.
    pub person: Named<PersonId>,
    /// Main organisation.
    pub organisation: Option<Named<OrganisationId>>,
    /// The main organisation's class (normal without one).
    pub class: CustomerClass,
    /// The day they were added.
    pub since: NaiveDate,
    /// Birthday.
    pub birthday: Option<Birthday>,
    /// Last care contact (care call, care visit, help).
    pub last_care: Option<NaiveDate>,
    /// Last work call that named them.
    pub last_work_call: Option<NaiveDate>,
    /// Family.
    pub family: Vec<FamilyInput>,
}

/// A promised next step not yet done.
#[derive(Debug, Clone, PartialEq)]
pub struct NextStepInput {
    /// The interaction that promised it.
    pub interaction_id: i64,
    /// What.
    pub text: String,
    /// Due.
    pub due: NaiveDate,
    /// When it was promised.
    pub promised_on: NaiveDate,
    /// With whom.
    pub person: Option<Named<PersonId>>,
    /// Where.
    pub organisation: Option<Named<OrganisationId>>,
}

/// When a custom date falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "repeat", rename_all = "snake_case")]
pub enum CustomDate {
    /// Once, on this day.
    Once {
        /// The day.
        date: NaiveDate,
    },
    /// Every year (Gregorian or lunar, like a birthday).
    Yearly {
        /// The yearly date.
        date: Birthday,
    },
}

impl CustomDate {
    /// Parses what people type: a yearly date as a birthday is written
    /// ("12-20", "农历12-20", "2019-12-20"), a one-off day as YYYY-MM-DD.
    pub fn parse(text: &str, yearly: bool) -> Result<CustomDate, crate::validate::Problem> {
        use crate::validate::Problem;
        if yearly {
            Birthday::parse(text)?.map(|date| CustomDate::Yearly { date }).ok_or(Problem::Required)
        } else {
            crate::model::organisation::date(text)?.map(|date| CustomDate::Once { date }).ok_or(Problem::Required)
        }
    }

    /// As stored: "once:2026-12-20" or "yearly:农历12-20".
    pub fn display(&self) -> String {
        match self {
            CustomDate::Once { date } => format!("once:{date}"),
            CustomDate::Yearly { date } => format!("yearly:{}", date.display()),
        }
    }

    /// Reads [`CustomDate::display`] back.
    pub fn from_stored(text: &str) -> Option<CustomDate> {
        if let Some(d) = text.strip_prefix("once:") {
            return CustomDate::parse(d, false).ok();
        }
        text.strip_prefix("yearly:").and_then(|d| CustomDate::parse(d, true).ok())
    }
}

/// A date a rep asked to remember (an anniversary of a favour, a child's
/// exam, a promise).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomInput {
    /// Id.
    pub id: i64,
    /// What ("开业周年", "孩子研究生考试").
    pub label: String,
    /// When.
    pub date: CustomDate,
    /// Shown this many days before.
    pub lead_days: u16,
    /// The person.
    pub person: Named<PersonId>,
    /// Their organisation.
    pub organisation: Option<Named<OrganisationId>>,
}

/// Everything one rep's agenda is built from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Custom dates.
    pub custom: Vec<CustomInput>,
    /// Their active organisations.
    pub orgs: Vec<OrgInput>,
    /// Their people (not erased).
    pub people: Vec<PersonInput>,
    /// Open next steps.
    pub next_steps: Vec<NextStepInput>,
    /// Keys of items already done (logged from the agenda).
    pub done: HashSet<String>,
    /// Keys of items snoozed past the day.
    pub snoozed: HashSet<String>,
}

/// Where an item is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Past its deadline.
    Overdue,
    /// Visits due.
    Visits,
    /// Work and care calls due.
    Calls,
    /// Occasions within their lead time.
    Occasions,
    /// Promised next steps.
    FollowUps,
}

/// Why an item is on the agenda: the rule and its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Why {
    /// The visit window after the last visit.
    Visit {
        /// Class.
        class: CustomerClass,
        /// Window.
        window: Window,
        /// Set on the customer rather than by class.
        overridden: bool,
        /// Last visit (none yet: counted from `since`).
        last: Option<NaiveDate>,
        /// Added on.
        since: NaiveDate,
    },
    /// The work-call rhythm after the last work contact.
    WorkCall {
        /// Every this many days.
        every_days: u16,
        /// Set on the customer.
        overridden: bool,
        /// Last work contact.
        last: Option<NaiveDate>,
    },
    /// A care call on its irregular day.
    CareCall {
        /// Window.
        window: Window,
        /// Last care contact.
        last: Option<NaiveDate>,
    },
    /// A birthday.
    Birthday {
        /// The day this year.
        date: NaiveDate,
        /// As written ("农历八月十五").
        lunar: bool,
        /// Age reached, when the year is known.
        age: Option<i32>,
        /// Why the day moved (a missing day 30 or leap month).
        adjustment: Option<Adjustment>,
    },
    /// A family member's birthday.
    FamilyBirthday {
        /// Who.
        member: String,
        /// Relation.
        relation: FamilyRelation,
        /// The day.
        date: NaiveDate,
    },
    /// A family milestone still to come.
    Milestone {
        /// Who.
        member: String,
        /// What.
        kind: MilestoneKind,
        /// The day.
        date: NaiveDate,
    },
    /// Illness in the family, recently recorded.
    Illness {
        /// Who.
        member: String,
        /// Recorded for.
        date: NaiveDate,
    },
    /// A wedding anniversary.
    WeddingAnniversary {
        /// The day.
        date: NaiveDate,
        /// Years married.
        years: i32,
    },
    /// A store anniversary (店庆).
    StoreAnniversary {
        /// The day.
        date: NaiveDate,
        /// Years open, when the opening day is known.
        years: Option<i32>,
    },
    /// A store opening.
    Opening {
        /// The day.
        date: NaiveDate,
    },
    /// A festival the company greets.
    Festival {
        /// Which.
        festival: Festival,
        /// The day.
        date: NaiveDate,
    },
    /// A date the rep asked to remember.
    Custom {
        /// What.
        label: String,
        /// The day.
        date: NaiveDate,
    },
    /// A next step promised at an interaction.
    NextStep {
        /// What.
        text: String,
        /// Promised on.
        promised_on: NaiveDate,
    },
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Stable key: logging the item done or snoozing it names this.
    pub key: String,
    /// Where it is listed.
    pub section: Section,
    /// What to do.
    pub action: Action,
    /// Due (for an occasion: its day).
    pub due: NaiveDate,
    /// Days past its deadline (0: not overdue).
    pub overdue_days: i64,
    /// Shown this many days before `due` (an occasion's lead time; 0 for
    /// visits, calls and next steps, which are due on the day).
    pub lead_days: u16,
    /// The person.
    pub person: Option<Named<PersonId>>,
    /// The organisation.
    pub organisation: Option<Named<OrganisationId>>,
    /// Why.
    pub why: Why,
}

/// The rules and the days an agenda is built for.
#[derive(Debug, Clone)]
pub struct Context {
    cadence: CadenceRules,
    occasions: OccasionRules,
    policy: Policy,
    today: NaiveDate,
    until: NaiveDate,
    festivals: Vec<(NaiveDate, Festival)>,
}

fn days(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

impl Context {
    /// An agenda for `today` listing what is due up to `until` (today for
    /// Today, six days on for the week view).
    pub fn new(
        cadence: CadenceRules,
        occasions: OccasionRules,
        policy: Policy,
        today: NaiveDate,
        until: NaiveDate,
    ) -> Context {
        let until = until.max(today);
        let horizon = plus(until, i64::from(occasions.longest_lead()));
        let festivals = festival::between(today, horizon)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, f)| occasions.festivals.contains(f))
            .collect();
        Context { cadence, occasions, policy, today, until, festivals }
    }

    /// The day the agenda is for.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Builds the agenda from one rep's inputs, in display order.
    pub fn build(&self, inputs: &Inputs) -> Vec<Item> {
        let mut items = Vec::new();
        let mut next_work_call: HashMap<OrganisationId, NaiveDate> = HashMap::new();
        for o in &inputs.orgs {
            self.org_items(o, &mut items, &mut next_work_call);
        }
        for p in &inputs.people {
            self.person_items(
                p,
                next_work_call.get(&p.organisation.as_ref().map_or(OrganisationId(0), |o| o.id)),
                &mut items,
            );
        }
        for n in &inputs.next_steps {
            if n.due <= self.until {
                items.push(Item {
                    key: format!("next:i{}", n.interaction_id),
                    section: Section::FollowUps,
                    action: Action::FollowUp,
                    due: n.due,
                    overdue_days: days(n.due, self.today).max(0),
                    lead_days: 0,
                    person: n.person.clone(),
                    organisation: n.organisation.clone(),
                    why: Why::NextStep { text: n.text.clone(), promised_on: n.promised_on },
                });
            }
        }
        for c in &inputs.custom {
            let date = match c.date {
                CustomDate::Once { date } => Some(date),
                CustomDate::Yearly { date } => date.next_on_or_after(self.today, &self.policy).map(|r| r.date),
            };
            if let Some(date) = date {
                self.occasion(
                    &mut items,
                    format!("custom:c{}:{date}", c.id),
                    date,
                    c.lead_days,
                    Action::Message,
                    Some(&c.person),
                    c.organisation.as_ref(),
                    Why::Custom { label: c.label.clone(), date },
                );
            }
        }
        items.retain(|i| !inputs.done.contains(&i.key) && !inputs.snoozed.contains(&i.key));
        for i in &mut items {
            if i.overdue_days > 0 {
                i.section = Section::Overdue;
            }
        }
        items.sort_by(|a, b| {
            (a.section, -a.overdue_days, a.due, name_of(a), &a.key).cmp(&(
                b.section,
                -b.overdue_days,
                b.due,
                name_of(b),
                &b.key,
            ))
        });
        items
    }

    fn org_items(&self, o: &OrgInput, items: &mut Vec<Item>, next_work_call: &mut HashMap<OrganisationId, NaiveDate>) {
        let rules = self.cadence.of(o.class);
        let gap = i64::from(self.cadence.min_gap_days);
        let mut visit_due = None;
        let window = o.visit_override.unwrap_or(rules.visit);
        if window.is_on() {
            let anchor = o.last_visit.unwrap_or(o.since);
            let due = if o.last_visit.is_some() { plus(anchor, i64::from(window.min_days).max(gap)) } else { anchor };
            let deadline = plus(anchor, i64::from(window.max_days));
            visit_due = Some(due);
            if due <= self.until {
                items.push(Item {
                    key: format!("visit:o{}:{anchor}", o.org.id),
                    section: Section::Visits,
                    action: Action::Visit,
                    due,
                    overdue_days: days(deadline, self.today).max(0),
                    lead_days: 0,
                    person: None,
                    organisation: Some(o.org.clone()),
                    why: Why::Visit {
                        class: o.class,
                        window,
                        overridden: o.visit_override.is_some(),
                        last: o.last_visit,
                        since: o.since,
                    },
                });
            }
        }
        let every = o.work_call_override.unwrap_or(rules.work_call_days);
        if every > 0 {
            let anchor = o.last_work_contact.unwrap_or(o.since);
            let due = plus(anchor, i64::from(every).max(gap));
            next_work_call.insert(o.org.id, due);
            // A visit due by then covers the call.
            let covered = visit_due.is_some_and(|v| v <= due);
            if due <= self.until && !covered {
                items.push(Item {
                    key: format!("wcall:o{}:{anchor}", o.org.id),
                    section: Section::Calls,
                    action: Action::WorkCall,
                    due,
                    overdue_days: days(due, self.today).max(0),
                    lead_days: 0,
                    person: o.contact.clone(),
                    organisation: Some(o.org.clone()),
                    why: Why::WorkCall {
                        every_days: every,
                        overridden: o.work_call_override.is_some(),
                        last: o.last_work_contact,
                    },
                });
            }
        }
        if let Some(md) = o.anniversary {
            let r = md.next_on_or_after(self.today, &self.policy);
            let years = o.opened_on.map(|d| r.date.year() - d.year()).filter(|y| *y > 0);
            // The opening itself is not an anniversary.
            if years.is_some() || o.opened_on.is_none() {
                self.occasion(
                    items,
                    format!("anniv:o{}:{}", o.org.id, r.date),
                    r.date,
                    self.occasions.store_lead_days,
                    Action::OfferSupport,
                    None,
                    Some(&o.org),
                    Why::StoreAnniversary { date: r.date, years },
                );
            }
        }
        if let Some(d) = o.opened_on.filter(|d| *d >= self.today) {
            self.occasion(
                items,
                format!("open:o{}:{d}", o.org.id),
                d,
                self.occasions.store_lead_days,
                Action::OfferSupport,
                None,
                Some(&o.org),
                Why::Opening { date: d },
            );
        }
    }

    fn person_items(&self, p: &PersonInput, org_next_work_call: Option<&NaiveDate>, items: &mut Vec<Item>) {
        let window = self.cadence.of(p.class).care_call;
        if window.is_on() {
            let anchor = p.last_care.unwrap_or(p.since);
            let window = Window::new(window.min_days.max(self.cadence.min_gap_days), window.max_days);
            let work: Vec<NaiveDate> = p.last_work_call.iter().chain(org_next_work_call).copied().collect();
            let due = next_care_call(p.person.id, anchor, window, &work, self.cadence.care_clear_of_work_call_days);
            if due <= self.until {
                let deadline = plus(anchor, i64::from(window.max_days)).max(due);
                items.push(Item {
                    key: format!("care:p{}:{anchor}", p.person.id),
                    section: Section::Calls,
                    action: Action::CareCall,
                    due,
                    overdue_days: days(deadline, self.today).max(0),
                    lead_days: 0,
                    person: Some(p.person.clone()),
                    organisation: p.organisation.clone(),
                    why: Why::CareCall { window, last: p.last_care },
                });
            }
        }
        if let Some(b) = p.birthday
            && let Some(r) = b.next_on_or_after(self.today, &self.policy)
        {
            let (action, lead) = self.occasions.birthday(p.class);
            self.occasion(
                items,
                format!("bday:p{}:{}", p.person.id, r.date),
                r.date,
                lead,
                action,
                Some(&p.person),
                p.organisation.as_ref(),
                Why::Birthday {
                    date: r.date,
                    lunar: matches!(b, Birthday::Lunar { .. }),
                    age: b.age_on_next(self.today, &self.policy),
                    adjustment: r.adjustment,
                },
            );
        }
        for f in &p.family {
            if let Some(r) = f.birthday.and_then(|b| b.next_on_or_after(self.today, &self.policy)) {
                self.occasion(
                    items,
                    format!("fbday:f{}:{}", f.id, r.date),
                    r.date,
                    self.occasions.message_lead_days,
                    Action::Message,
                    Some(&p.person),
                    p.organisation.as_ref(),
                    Why::FamilyBirthday { member: f.name.clone(), relation: f.relation, date: r.date },
                );
            }
            for &(id, kind, on) in &f.milestones {
                if kind == MilestoneKind::Illness {
                    let fresh = days(on, self.today) <= i64::from(self.occasions.illness_days);
                    let cared = p.last_care.is_some_and(|c| c >= on);
                    if on <= self.today && fresh && !cared {
                        items.push(Item {
                            key: format!("ill:m{id}"),
                            section: Section::Occasions,
                            action: Action::CallNow,
                            due: on,
                            // Due the day it is known: anything later is late.
                            overdue_days: days(on, self.today).max(0),
                            lead_days: 0,
                            person: Some(p.person.clone()),
                            organisation: p.organisation.clone(),
                            why: Why::Illness { member: f.name.clone(), date: on },
                        });
                    }
                } else if kind == MilestoneKind::Wedding && f.relation == FamilyRelation::Spouse && on < self.today {
                    let md = MonthDay { month: on.month() as u8, day: on.day() as u8 };
                    let r = md.next_on_or_after(self.today, &self.policy);
                    self.occasion(
                        items,
                        format!("wed:m{id}:{}", r.date),
                        r.date,
                        self.occasions.message_lead_days,
                        Action::Message,
                        Some(&p.person),
                        p.organisation.as_ref(),
                        Why::WeddingAnniversary { date: r.date, years: r.date.year() - on.year() },
                    );
                } else if on >= self.today {
                    let action = match kind {
                        MilestoneKind::Wedding | MilestoneKind::Newborn => Action::Gift,
                        _ => Action::Message,
                    };
                    self.occasion(
                        items,
                        format!("ms:m{id}"),
                        on,
                        self.occasions.milestone_lead_days,
                        action,
                        Some(&p.person),
                        p.organisation.as_ref(),
                        Why::Milestone { member: f.name.clone(), kind, date: on },
                    );
                }
            }
        }
        let (action, lead) = self.occasions.festival(p.class);
        for &(date, festival) in &self.festivals {
            self.occasion(
                items,
                format!("fest:{}:p{}:{date}", festival.as_str(), p.person.id),
                date,
                lead,
                action,
                Some(&p.person),
                p.organisation.as_ref(),
                Why::Festival { festival, date },
            );
        }
    }

    /// Adds an occasion on `date` when its lead time has begun by `until`.
    #[allow(clippy::too_many_arguments)]
    fn occasion(
        &self,
        items: &mut Vec<Item>,
        key: String,
        date: NaiveDate,
        lead: u16,
        action: Action,
        person: Option<&Named<PersonId>>,
        organisation: Option<&Named<OrganisationId>>,
        why: Why,
    ) {
        if date >= self.today && plus(date, -i64::from(lead)) <= self.until {
            items.push(Item {
                key,
                section: Section::Occasions,
                action,
                due: date,
                overdue_days: 0,
                lead_days: lead,
                person: person.cloned(),
                organisation: organisation.cloned(),
                why,
            });
        }
    }
}

fn name_of(i: &Item) -> &str {
    i.person.as_ref().map(|p| p.name.as_str()).or(i.organisation.as_ref().map(|o| o.name.as_str())).unwrap_or("")
}

fn md(d: NaiveDate, zh: bool) -> String {
    if zh { format!("{}月{}日", d.month(), d.day()) } else { d.format("%d %b").to_string() }
}

fn ago(last: NaiveDate, today: NaiveDate, zh: bool) -> String {
    let n = days(last, today);
    match (n, zh) {
        (0, true) => "今天".into(),
        (0, false) => "today".into(),
        (1, true) => "昨天".into(),
        (1, false) => "yesterday".into(),
        (n, true) => format!("{}（{n}天前）", md(last, true)),
        (n, false) => format!("{} ({n} days ago)", md(last, false)),
    }
}

impl Why {
    /// The rule and its dates, in words.
    pub fn explain(&self, today: NaiveDate, zh: bool) -> String {
        match self {
            Why::Visit { class, window, overridden, last, since } => {
                let rule = match (overridden, zh) {
                    (true, true) => format!("本客户设定每{}–{}天拜访", window.min_days, window.max_days),
                    (true, false) => {
                        format!("set for this customer: a visit every {}–{} days", window.min_days, window.max_days)
                    }
                    (false, true) => {
                        format!("{}客户每{}–{}天拜访", class.label(true), window.min_days, window.max_days)
                    }
                    (false, false) => format!(
                        "{} customers: a visit every {}–{} days",
                        class.label(false),
                        window.min_days,
                        window.max_days
                    ),
                };
                match (last, zh) {
                    (Some(l), true) => format!("{rule}；上次拜访{}", ago(*l, today, true)),
                    (Some(l), false) => format!("{rule}; last visit {}", ago(*l, today, false)),
                    (None, true) => format!("{rule}；{}建档后尚未拜访", md(*since, true)),
                    (None, false) => format!("{rule}; not visited since added on {}", md(*since, false)),
                }
            }
            Why::WorkCall { every_days, overridden: _, last } => match (last, zh) {
                (Some(l), true) => format!("每{every_days}天一次工作联系；上次{}", ago(*l, today, true)),
                (Some(l), false) => {
                    format!("a work call every {every_days} days; last work contact {}", ago(*l, today, false))
                }
                (None, true) => format!("每{every_days}天一次工作联系；尚无记录"),
                (None, false) => format!("a work call every {every_days} days; none yet"),
            },
            Why::CareCall { window, last } => {
                let rule = if zh {
                    format!("情感电话在{}–{}天内随机安排，避开工作电话", window.min_days, window.max_days)
                } else {
                    format!(
                        "care calls fall at random {}–{} days apart, clear of work calls",
                        window.min_days, window.max_days
                    )
                };
                match (last, zh) {
                    (Some(l), true) => format!("{rule}；上次关怀{}", ago(*l, today, true)),
                    (Some(l), false) => format!("{rule}; last care contact {}", ago(*l, today, false)),
                    (None, _) => rule,
                }
            }
            Why::Birthday { date, lunar, age, adjustment } => {
                let mut s = match (zh, lunar) {
                    (true, true) => format!("{}农历生日", md(*date, true)),
                    (true, false) => format!("{}生日", md(*date, true)),
                    (false, true) => format!("lunar birthday on {}", md(*date, false)),
                    (false, false) => format!("birthday on {}", md(*date, false)),
                };
                if let Some(a) = age {
                    s.push_str(&if zh { format!("（{a}岁）") } else { format!(" ({a})") });
                }
                if let Some(adj) = adjustment {
                    s.push_str(if zh { "；" } else { "; " });
                    s.push_str(adj.explain(zh));
                }
                s
            }
            Why::FamilyBirthday { member, relation, date } => {
                if zh {
                    format!("{}{}{}生日", md(*date, true), relation.label(true), member)
                } else {
                    format!(
                        "{} ({}) has a birthday on {}",
                        member,
                        relation.label(false).to_lowercase(),
                        md(*date, false)
                    )
                }
            }
            Why::Milestone { member, kind, date } => {
                if zh {
                    format!("{}：{}{}", md(*date, true), member, kind.label(true))
                } else {
                    format!("{}: {} — {}", md(*date, false), member, kind.label(false))
                }
            }
            Why::Illness { member, date } => {
                if zh {
                    format!("{}记录{}生病住院，尚未慰问", md(*date, true), member)
                } else {
                    format!("{member} fell ill ({}); no care contact since", md(*date, false))
                }
            }
            Why::WeddingAnniversary { date, years } => {
                if zh {
                    format!("{}结婚{years}周年", md(*date, true))
                } else {
                    format!("wedding anniversary ({years} years) on {}", md(*date, false))
                }
            }
            Why::StoreAnniversary { date, years } => match (years, zh) {
                (Some(y), true) => format!("{}店庆{y}周年", md(*date, true)),
                (Some(y), false) => format!("store anniversary ({y} years) on {}", md(*date, false)),
                (None, true) => format!("{}店庆", md(*date, true)),
                (None, false) => format!("store anniversary on {}", md(*date, false)),
            },
            Why::Opening { date } => {
                if zh {
                    format!("{}新店开业", md(*date, true))
                } else {
                    format!("opens on {}", md(*date, false))
                }
            }
            Why::Festival { festival, date } => {
                if zh {
                    format!("{}{}", md(*date, true), festival.label(true))
                } else {
                    format!("{} on {}", festival.label(false), md(*date, false))
                }
            }
            Why::Custom { label, date } => {
                if zh {
                    format!("{}：{label}", md(*date, true))
                } else {
                    format!("{}: {label}", md(*date, false))
                }
            }
            Why::NextStep { text, promised_on } => {
                if zh {
                    format!("{}约定：{text}", md(*promised_on, true))
                } else {
                    format!("promised on {}: {text}", md(*promised_on, false))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
