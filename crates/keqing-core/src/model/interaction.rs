//! Interactions (联系记录): the log every cadence and occasion rule reads.
//!
//! A visit, a call, a message, a gift, a meal, a training session, a greeting
//! relayed from a leader, help beyond business. Each has a day, the people
//! and/or the organisation it was with, a cost, notes and an optional next
//! step. The rep is whoever logs it.

use super::labelled_enum;
use super::organisation::date;
use crate::money;
use crate::validate::{self, FieldErrors, Problem, limits};
use crate::{OrganisationId, PersonId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

labelled_enum! {
    /// What kind of contact it was.
    InteractionKind {
        /// 拜访: a visit, for work or for care.
        Visit = "visit", "拜访", "Visit";
        /// 蹲点: a deep visit, an hour or two solving their problems.
        DeepVisit = "deep_visit", "蹲点", "Deep visit";
        /// 工作电话: regular, about business.
        WorkCall = "work_call", "工作电话", "Work call";
        /// 情感电话: irregular, caring, never about business.
        CareCall = "care_call", "情感电话", "Care call";
        /// 短信 / 微信 / 贺卡.
        Message = "message", "短信/微信/贺卡", "Message";
        /// 送礼.
        Gift = "gift", "送礼", "Gift";
        /// 宴请.
        Meal = "meal", "宴请", "Meal";
        /// 培训: a small session for the customer's staff.
        Training = "training", "培训", "Training";
        /// 领导问候: a greeting relayed from a company leader.
        LeaderGreeting = "leader_greeting", "转达领导问候", "Greeting from a leader";
        /// 多管闲事: help with a private trouble — the strongest bond.
        Help = "help", "多管闲事", "Help beyond business";
    }
}

impl InteractionKind {
    /// Whether it is an in-person visit (resets the visit clock).
    pub fn is_visit(self) -> bool {
        matches!(self, InteractionKind::Visit | InteractionKind::DeepVisit | InteractionKind::Training)
    }

    /// Whether it resets the work-call clock: a work call, or any visit
    /// (a rep who stood in the shop yesterday need not phone about stock).
    pub fn is_work_contact(self) -> bool {
        self == InteractionKind::WorkCall || self.is_visit()
    }
}

labelled_enum! {
    /// Why a visit was made.
    VisitPurpose {
        /// 工作拜访: orders, stock, display, collections.
        Work = "work", "工作", "Work";
        /// 情感拜访: no business on the table.
        Care = "care", "情感", "Care";
    }
}

labelled_enum! {
    /// How a message went out.
    MessageChannel {
        /// 短信
        Sms = "sms", "短信", "SMS";
        /// 微信
        Wechat = "wechat", "微信", "WeChat";
        /// 企业微信
        Wecom = "wecom", "企业微信", "WeCom";
        /// 贺卡
        Card = "card", "贺卡", "Card";
    }
}

/// The longest a deep visit can be logged for, in minutes (a working day).
pub const MAX_DURATION_MINUTES: i64 = 12 * 60;
/// The most people one interaction can name (a training for a whole shop).
pub const MAX_PEOPLE: usize = 50;
/// The earliest day an interaction can be logged for.
pub fn earliest_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// An interaction as a form or an API client sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InteractionDraft {
    /// Kind identifier or label.
    pub kind: String,
    /// Day, YYYY-MM-DD; blank is today.
    pub on: String,
    /// The organisation (filled from the first person's when blank).
    pub organisation_id: Option<OrganisationId>,
    /// The people.
    pub people: Vec<PersonId>,
    /// Visits: work or care.
    pub purpose: String,
    /// Deep visits: minutes spent.
    pub duration_minutes: String,
    /// Messages: the channel.
    pub channel: String,
    /// Gifts: what was given.
    pub gift_item: String,
    /// Gifts: its value in yuan ("300", "1.5万").
    pub gift_value: String,
    /// Gifts, messages: the occasion ("中秋", "生日").
    pub occasion: String,
    /// What it cost in yuan (a meal's bill, travel).
    pub cost: String,
    /// Notes.
    pub notes: String,
    /// The next step, if any.
    pub next_step: String,
    /// When the next step is due.
    pub next_step_on: String,
    /// The agenda item this completes (set by "done" on Today).
    pub agenda_key: String,
}

/// A valid interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionData {
    /// Kind.
    pub kind: InteractionKind,
    /// Day.
    pub on: NaiveDate,
    /// Organisation.
    pub organisation_id: Option<OrganisationId>,
    /// People (no duplicates).
    pub people: Vec<PersonId>,
    /// Visits: purpose.
    pub purpose: Option<VisitPurpose>,
    /// Deep visits: minutes.
    pub duration_minutes: Option<i64>,
    /// Messages: channel.
    pub channel: Option<MessageChannel>,
    /// Gifts: item.
    pub gift_item: Option<String>,
    /// Gifts: value in fen.
    pub gift_value_fen: Option<i64>,
    /// Occasion.
    pub occasion: Option<String>,
    /// Cost in fen.
    pub cost_fen: Option<i64>,
    /// Notes.
    pub notes: Option<String>,
    /// Next step.
    pub next_step: Option<String>,
    /// Its due day.
    pub next_step_on: Option<NaiveDate>,
    /// The agenda item it completes.
    pub agenda_key: Option<String>,
}

impl InteractionData {
    /// Whether this is a care contact for the people named: a care call, a
    /// care visit, or help beyond business (resets the care-call clock).
    pub fn is_care(&self) -> bool {
        is_care(self.kind, self.purpose)
    }
}

/// Whether a contact of `kind` (with `purpose`) resets the care-call clock.
pub fn is_care(kind: InteractionKind, purpose: Option<VisitPurpose>) -> bool {
    matches!(kind, InteractionKind::CareCall | InteractionKind::Help)
        || (kind == InteractionKind::Visit && purpose == Some(VisitPurpose::Care))
}

fn minutes(text: &str) -> Result<Option<i64>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n: i64 = t.parse().map_err(|_| Problem::Invalid { expected: "number of minutes" })?;
    if !(1..=MAX_DURATION_MINUTES).contains(&n) {
        return Err(Problem::OutOfRange { min: 1, max: MAX_DURATION_MINUTES });
    }
    Ok(Some(n))
}

fn agenda_key(text: &str) -> Result<Option<String>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > 100 || !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_')) {
        return Err(Problem::Invalid { expected: "agenda key" });
    }
    Ok(Some(t.to_owned()))
}

impl InteractionDraft {
    /// Checks every field against `today` (nothing can be logged for a day
    /// that has not come yet); reports every problem at once.
    pub fn parse(&self, today: NaiveDate) -> Result<InteractionData, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = if self.kind.trim().is_empty() {
            e.push("kind", Problem::Required);
            None
        } else {
            e.take("kind", InteractionKind::parse(&self.kind))
        };
        let on = match e.take("on", date(&self.on)) {
            Some(None) => Some(today),
            Some(Some(d)) if d > today => {
                e.push("on", Problem::Rule { rule: "in_the_future" });
                None
            }
            Some(Some(d)) if d < earliest_day() => {
                e.push("on", Problem::Rule { rule: "too_long_ago" });
                None
            }
            Some(Some(d)) => Some(d),
            None => None,
        };
        let mut people = Vec::new();
        for p in &self.people {
            if !people.contains(p) {
                people.push(*p);
            }
        }
        if people.len() > MAX_PEOPLE {
            e.push("people", Problem::OutOfRange { min: 0, max: MAX_PEOPLE as i64 });
        }
        if people.is_empty() && self.organisation_id.is_none() {
            e.push("people", Problem::Rule { rule: "person_or_organisation" });
        }
        let optional =
            |e: &mut FieldErrors, field: &str, v: &str| e.take(field, validate::optional_line(v, limits::NAME));
        let purpose = if self.purpose.trim().is_empty() {
            Some(None)
        } else {
            e.take("purpose", VisitPurpose::parse(&self.purpose)).map(Some)
        };
        let duration = e.take("duration_minutes", minutes(&self.duration_minutes));
        let channel = if self.channel.trim().is_empty() {
            Some(None)
        } else {
            e.take("channel", MessageChannel::parse(&self.channel)).map(Some)
        };
        let gift_item = optional(&mut e, "gift_item", &self.gift_item);
        let gift_value = e.take("gift_value", money::parse_non_negative_yuan(&self.gift_value));
        let occasion = optional(&mut e, "occasion", &self.occasion);
        let cost = e.take("cost", money::parse_non_negative_yuan(&self.cost));
        let notes = e.take("notes", validate::optional_notes(&self.notes, limits::NOTES));
        let next_step = e.take("next_step", validate::optional_line(&self.next_step, limits::ADDRESS));
        let next_step_on = e.take("next_step_on", date(&self.next_step_on));
        let key = e.take("agenda_key", agenda_key(&self.agenda_key));
        // Rules between fields, once each field is valid on its own.
        if let Some(kind) = kind {
            match kind {
                InteractionKind::DeepVisit if matches!(duration, Some(None)) => {
                    e.push("duration_minutes", Problem::Required);
                }
                InteractionKind::Message if matches!(channel, Some(None)) => e.push("channel", Problem::Required),
                InteractionKind::Gift => {
                    if matches!(gift_item, Some(None)) {
                        e.push("gift_item", Problem::Required);
                    }
                    if matches!(gift_value, Some(None)) {
                        e.push("gift_value", Problem::Required);
                    }
                }
                _ => {}
            }
        }
        if let (Some(Some(due)), Some(on)) = (next_step_on, on)
            && due < on
        {
            e.push("next_step_on", Problem::Rule { rule: "before_the_interaction" });
        }
        if matches!((&next_step, next_step_on), (Some(None), Some(Some(_)))) {
            e.push("next_step", Problem::Required);
        }
        e.finish(|| {
            let kind = kind.unwrap_or(InteractionKind::Visit);
            InteractionData {
                kind,
                on: on.unwrap_or(today),
                organisation_id: self.organisation_id,
                people,
                purpose: match kind {
                    InteractionKind::Visit => Some(purpose.flatten().unwrap_or(VisitPurpose::Work)),
                    InteractionKind::DeepVisit => Some(VisitPurpose::Work),
                    _ => None,
                },
                duration_minutes: duration.flatten(),
                channel: channel.flatten(),
                gift_item: gift_item.flatten(),
                gift_value_fen: gift_value.flatten(),
                occasion: occasion.flatten(),
                cost_fen: cost.flatten(),
                notes: notes.flatten(),
                // A next step without a day is due a week after the contact.
                next_step_on: match (&next_step, next_step_on) {
                    (Some(Some(_)), Some(None)) => on.and_then(|d| d.checked_add_days(chrono::Days::new(7))),
                    (_, due) => due.flatten(),
                },
                next_step: next_step.flatten(),
                agenda_key: key.flatten(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn draft(kind: &str) -> InteractionDraft {
        InteractionDraft { kind: kind.into(), people: vec![PersonId(1)], ..Default::default() }
    }

    #[test]
    fn a_visit_defaults_to_today_and_a_work_purpose() {
        let d = draft("visit").parse(today()).unwrap();
        assert_eq!(d.on, today());
        assert_eq!(d.purpose, Some(VisitPurpose::Work));
        let d = InteractionDraft { purpose: "情感".into(), ..draft("拜访") }.parse(today()).unwrap();
        assert_eq!((d.kind, d.purpose), (InteractionKind::Visit, Some(VisitPurpose::Care)));
        assert!(d.is_care());
    }

    #[test]
    fn an_interaction_cannot_be_logged_for_a_day_still_to_come() {
        let e = InteractionDraft { on: "2026-11-30".into(), ..draft("visit") }.parse(today()).unwrap_err();
        assert_eq!(e.get("on"), Some(&Problem::Rule { rule: "in_the_future" }));
        assert!(InteractionDraft { on: "2026-11-29".into(), ..draft("visit") }.parse(today()).is_ok());
    }

    #[test]
    fn a_gift_needs_what_and_a_value_that_is_not_negative() {
        let e = draft("gift").parse(today()).unwrap_err();
        assert_eq!(e.get("gift_item"), Some(&Problem::Required));
        assert_eq!(e.get("gift_value"), Some(&Problem::Required));
        let e = InteractionDraft { gift_item: "茶叶".into(), gift_value: "-300".into(), ..draft("gift") }
            .parse(today())
            .unwrap_err();
        assert!(matches!(e.get("gift_value"), Some(Problem::OutOfRange { .. })), "{e:?}");
        let d = InteractionDraft { gift_item: "茶叶".into(), gift_value: "300".into(), ..draft("gift") }
            .parse(today())
            .unwrap();
        assert_eq!(d.gift_value_fen, Some(30_000));
    }

    #[test]
    fn kinds_ask_for_their_own_fields() {
        let e = draft("deep_visit").parse(today()).unwrap_err();
        assert_eq!(e.get("duration_minutes"), Some(&Problem::Required));
        let e = InteractionDraft { duration_minutes: "2000".into(), ..draft("deep_visit") }.parse(today()).unwrap_err();
        assert!(matches!(e.get("duration_minutes"), Some(Problem::OutOfRange { .. })));
        let e = draft("message").parse(today()).unwrap_err();
        assert_eq!(e.get("channel"), Some(&Problem::Required));
        assert!(InteractionDraft { channel: "微信".into(), ..draft("message") }.parse(today()).is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = InteractionDraft {
            kind: "party".into(),
            on: "yesterday".into(),
            people: vec![],
            next_step_on: "2026-12-01".into(),
            ..Default::default()
        }
        .parse(today())
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["kind", "on", "people", "next_step"]);
    }

    #[test]
    fn a_next_step_cannot_be_due_before_the_contact() {
        let e = InteractionDraft {
            on: "2026-11-20".into(),
            next_step: "送样品".into(),
            next_step_on: "2026-11-19".into(),
            ..draft("visit")
        }
        .parse(today())
        .unwrap_err();
        assert_eq!(e.get("next_step_on"), Some(&Problem::Rule { rule: "before_the_interaction" }));
    }

    #[test]
    fn clocks_reset_by_the_right_kinds() {
        assert!(InteractionKind::DeepVisit.is_visit());
        assert!(!InteractionKind::WorkCall.is_visit());
        assert!(InteractionKind::Visit.is_work_contact());
        assert!(!InteractionKind::CareCall.is_work_contact());
        assert!(is_care(InteractionKind::Help, None));
        assert!(!is_care(InteractionKind::Visit, Some(VisitPurpose::Work)));
    }
}
