//! Occasions (节点): the dates worth a greeting, a gift or a call, each
//! with a lead time (a gift needs a week; a message needs the day) and a
//! suggested action.

use crate::calendar::festival::Festival;
use crate::model::{CustomerClass, InteractionKind};
use crate::validate::Problem;
use serde::{Deserialize, Serialize};

/// What to do about an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Visit.
    Visit,
    /// A work call.
    WorkCall,
    /// A care call — nothing about business.
    CareCall,
    /// Choose and send a gift (it needs a week).
    Gift,
    /// A personal message on the day.
    Message,
    /// Call at once, briefly: "don't worry about business".
    CallNow,
    /// Offer promotion or giveaway support (store anniversary, opening).
    OfferSupport,
    /// Do the next step that was promised.
    FollowUp,
}

impl Action {
    /// The interaction logged when the item is marked done.
    pub fn logs(self) -> InteractionKind {
        match self {
            Action::Visit | Action::OfferSupport | Action::FollowUp => InteractionKind::Visit,
            Action::WorkCall => InteractionKind::WorkCall,
            Action::CareCall | Action::CallNow => InteractionKind::CareCall,
            Action::Gift => InteractionKind::Gift,
            Action::Message => InteractionKind::Message,
        }
    }

    /// What to do, in words.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Action::Visit, true) => "拜访",
            (Action::Visit, false) => "Visit",
            (Action::WorkCall, true) => "打工作电话",
            (Action::WorkCall, false) => "Work call",
            (Action::CareCall, true) => "打情感电话（不谈业务）",
            (Action::CareCall, false) => "Care call (no business)",
            (Action::Gift, true) => "准备礼品",
            (Action::Gift, false) => "Prepare a gift",
            (Action::Message, true) => "发一条专属祝福",
            (Action::Message, false) => "Send a personal greeting",
            (Action::CallNow, true) => "立即致电慰问：“生意的事不用操心，先照顾好家人”",
            (Action::CallNow, false) => "Call at once: “don't worry about business, take care of your family”",
            (Action::OfferSupport, true) => "提供促销或赠品支持，帮忙做事",
            (Action::OfferSupport, false) => "Offer promotion or giveaway support and help with the work",
            (Action::FollowUp, true) => "落实约定的下一步",
            (Action::FollowUp, false) => "Do the promised next step",
        }
    }
}

/// Lead times in days (an item shows this many days before its date), who
/// gets gifts rather than messages, and the festivals the company greets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OccasionRules {
    /// A gift needs choosing and delivering: a week.
    pub gift_lead_days: u16,
    /// A message needs the day.
    pub message_lead_days: u16,
    /// A family milestone still to come (高考, a wedding, a birth).
    pub milestone_lead_days: u16,
    /// A store anniversary (店庆) or an opening: support needs planning.
    pub store_lead_days: u16,
    /// Illness in the family is shown at once and for this many days,
    /// until a care contact is logged.
    pub illness_days: u16,
    /// Classes whose birthdays get a gift (others a message).
    pub birthday_gifts_for: Vec<CustomerClass>,
    /// Classes who get a festival gift (others a message).
    pub festival_gifts_for: Vec<CustomerClass>,
    /// The festivals greeted.
    pub festivals: Vec<Festival>,
}

impl Default for OccasionRules {
    fn default() -> Self {
        OccasionRules {
            gift_lead_days: 7,
            message_lead_days: 1,
            milestone_lead_days: 7,
            store_lead_days: 14,
            illness_days: 14,
            birthday_gifts_for: vec![CustomerClass::Key, CustomerClass::Secondary],
            festival_gifts_for: vec![CustomerClass::Key],
            festivals: vec![
                Festival::NewYear,
                Festival::SpringFestival,
                Festival::Lantern,
                Festival::LabourDay,
                Festival::DragonBoat,
                Festival::MidAutumn,
                Festival::NationalDay,
                Festival::DoubleNinth,
            ],
        }
    }
}

impl OccasionRules {
    /// Checks the lead times (at most 60 days); names the first at fault.
    pub fn check(&self) -> Result<(), (String, Problem)> {
        let leads = [
            ("gift_lead_days", self.gift_lead_days),
            ("message_lead_days", self.message_lead_days),
            ("milestone_lead_days", self.milestone_lead_days),
            ("store_lead_days", self.store_lead_days),
            ("illness_days", self.illness_days),
        ];
        for (field, v) in leads {
            if v > 60 {
                return Err((field.to_owned(), Problem::OutOfRange { min: 0, max: 60 }));
            }
        }
        Ok(())
    }

    /// The longest lead time, to know how far ahead to look.
    pub fn longest_lead(&self) -> u16 {
        [self.gift_lead_days, self.message_lead_days, self.milestone_lead_days, self.store_lead_days]
            .into_iter()
            .max()
            .unwrap_or(0)
    }

    /// A birthday's action and lead time for a person of `class`.
    pub fn birthday(&self, class: CustomerClass) -> (Action, u16) {
        if self.birthday_gifts_for.contains(&class) {
            (Action::Gift, self.gift_lead_days)
        } else {
            (Action::Message, self.message_lead_days)
        }
    }

    /// A festival's action and lead time for a person of `class`.
    pub fn festival(&self, class: CustomerClass) -> (Action, u16) {
        if self.festival_gifts_for.contains(&class) {
            (Action::Gift, self.gift_lead_days)
        } else {
            (Action::Message, self.message_lead_days)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gift_needs_a_week_and_a_message_the_day() {
        let r = OccasionRules::default();
        assert_eq!(r.birthday(CustomerClass::Key), (Action::Gift, 7));
        assert_eq!(r.birthday(CustomerClass::Normal), (Action::Message, 1));
        assert_eq!(r.festival(CustomerClass::Secondary), (Action::Message, 1));
        assert_eq!(Action::Gift.logs(), InteractionKind::Gift);
        assert_eq!(Action::CallNow.logs(), InteractionKind::CareCall);
        r.check().unwrap();
    }

    #[test]
    fn a_lead_time_over_two_months_is_refused_by_name() {
        let r = OccasionRules { store_lead_days: 90, ..Default::default() };
        assert_eq!(r.check().unwrap_err().0, "store_lead_days");
    }

    #[test]
    fn stored_rules_missing_a_field_take_its_default() {
        let r: OccasionRules = serde_json::from_str(r#"{"gift_lead_days": 10}"#).unwrap();
        assert_eq!(r.gift_lead_days, 10);
        assert_eq!(r.festivals, OccasionRules::default().festivals);
    }
}
