//! Customer classification (客户分级).
//!
//! A terminal's weight comes from four factors the sources name: turnover
//! (营业额), consumer reach (终端消费者资源), financial strength (经济实力) and
//! management level (经营水平). Each becomes a 1–5 rating (turnover through
//! configurable bands), the weighted mean is scaled to a 0–100 score, and
//! thresholds turn the score into a class. A class set by hand always wins
//! (with its reason recorded); the score is still shown next to it.
//!
//! The sources also describe a manager's way: in a county market of
//! 200–400 terminals pick about **20 key, 20 secondary and 30 normal**
//! partners. [`suggest`] ranks a territory's customers by score and
//! proposes exactly that; [`pareto`] shows what share of turnover the top
//! 20% of customers bring (the sources' 80/20).

use crate::model::CustomerClass;
use serde::{Deserialize, Serialize};

/// The company's classification rules (admin-configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Weight of turnover (percent points; the four weights are relative).
    pub weight_turnover: u32,
    /// Weight of consumer reach.
    pub weight_reach: u32,
    /// Weight of financial strength.
    pub weight_strength: u32,
    /// Weight of management level.
    pub weight_management: u32,
    /// Yearly turnover (yuan) from which a customer rates 2, 3, 4, 5.
    pub turnover_bands_yuan: [i64; 4],
    /// Score from which a customer is key.
    pub key_from: u32,
    /// Score from which a customer is secondary.
    pub secondary_from: u32,
    /// Per territory: how many key, secondary and normal partners to suggest.
    pub quota: [usize; 3],
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            weight_turnover: 40,
            weight_reach: 20,
            weight_strength: 20,
            weight_management: 20,
            turnover_bands_yuan: [200_000, 1_000_000, 5_000_000, 20_000_000],
            key_from: 70,
            secondary_from: 45,
            quota: [20, 20, 30],
        }
    }
}

impl Rules {
    /// Checks the rules make sense; names the setting at fault.
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        if self.weight_turnover + self.weight_reach + self.weight_strength + self.weight_management == 0 {
            return Err(("weights", "at least one weight must be above zero"));
        }
        if !self.turnover_bands_yuan.windows(2).all(|w| w[0] < w[1]) || self.turnover_bands_yuan[0] < 0 {
            return Err(("turnover_bands_yuan", "bands must be positive and increasing"));
        }
        if self.key_from > 100 || self.secondary_from > self.key_from {
            return Err(("thresholds", "need 0 ≤ secondary_from ≤ key_from ≤ 100"));
        }
        Ok(())
    }

    /// Turnover (fen per year) as a 1–5 rating.
    pub fn turnover_rating(&self, fen: i64) -> u8 {
        let yuan = fen / 100;
        1 + self.turnover_bands_yuan.iter().filter(|b| yuan >= **b).count() as u8
    }
}

/// What is known about a customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Factors {
    /// Yearly turnover in fen.
    pub turnover_fen: Option<i64>,
    /// Consumer reach, 1–5.
    pub reach: Option<u8>,
    /// Financial strength, 1–5.
    pub strength: Option<u8>,
    /// Management level, 1–5.
    pub management: Option<u8>,
}

/// The 0–100 score, over the factors that are known (weights of unknown
/// factors are left out); `None` when nothing is known.
pub fn score(rules: &Rules, f: &Factors) -> Option<u32> {
    let parts = [
        (rules.weight_turnover, f.turnover_fen.map(|t| rules.turnover_rating(t))),
        (rules.weight_reach, f.reach),
        (rules.weight_strength, f.strength),
        (rules.weight_management, f.management),
    ];
    let (mut sum, mut weights) = (0u32, 0u32);
    for (w, rating) in parts {
        if let Some(r) = rating {
            sum += w * u32::from(r.clamp(1, 5) - 1) * 25; // rating 1..5 → 0..100
            weights += w;
        }
    }
    (weights > 0).then(|| (sum + weights / 2) / weights)
}

/// The class a score earns; no score is normal.
pub fn class_for(rules: &Rules, score: Option<u32>) -> CustomerClass {
    match score {
        Some(s) if s >= rules.key_from => CustomerClass::Key,
        Some(s) if s >= rules.secondary_from => CustomerClass::Secondary,
        _ => CustomerClass::Normal,
    }
}

/// The class in force: set by hand wins over the score.
pub fn effective(rules: &Rules, by_hand: Option<CustomerClass>, score: Option<u32>) -> CustomerClass {
    by_hand.unwrap_or_else(|| class_for(rules, score))
}

/// A territory's suggestion: rank by score (turnover breaks ties, then id,
/// so the result is stable), the first `quota[0]` key, the next `quota[1]`
/// secondary, the next `quota[2]` normal; the rest get no suggestion.
pub fn suggest<Id: Copy + Ord>(
    rules: &Rules,
    customers: &[(Id, Option<u32>, Option<i64>)],
) -> Vec<(Id, CustomerClass)> {
    let mut ranked: Vec<&(Id, Option<u32>, Option<i64>)> = customers.iter().filter(|c| c.1.is_some()).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let [k, s, n] = rules.quota;
    ranked
        .into_iter()
        .take(k + s + n)
        .enumerate()
        .map(|(i, c)| {
            let class = if i < k {
                CustomerClass::Key
            } else if i < k + s {
                CustomerClass::Secondary
            } else {
                CustomerClass::Normal
            };
            (c.0, class)
        })
        .collect()
}

/// How concentrated turnover is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pareto {
    /// Customers with a known turnover.
    pub customers: usize,
    /// Their total turnover, fen.
    pub total_fen: i64,
    /// How many customers are the top 20%.
    pub top_20_count: usize,
    /// The share of turnover the top 20% bring, in percent (one decimal).
    pub top_20_share_pct: f64,
    /// The cumulative share of turnover after each decile of customers
    /// (10%, 20%, … 100%), in percent.
    pub curve_pct: Vec<f64>,
}

/// The Pareto view of a set of turnovers (fen).
pub fn pareto(turnovers: &[i64]) -> Pareto {
    let mut t: Vec<i64> = turnovers.iter().copied().filter(|x| *x > 0).collect();
    t.sort_unstable_by(|a, b| b.cmp(a));
    let total: i64 = t.iter().sum();
    let n = t.len();
    let share = |count: usize| -> f64 {
        if total == 0 {
            return 0.0;
        }
        let part: i64 = t.iter().take(count).sum();
        (part as f64 * 1000.0 / total as f64).round() / 10.0
    };
    let top = n.div_ceil(5);
    Pareto {
        customers: n,
        total_fen: total,
        top_20_count: top,
        top_20_share_pct: share(top),
        curve_pct: (1..=10).map(|d| share((n * d).div_ceil(10))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_weigh_the_known_factors() {
        let r = Rules::default();
        let all_top =
            Factors { turnover_fen: Some(50_000_000 * 100), reach: Some(5), strength: Some(5), management: Some(5) };
        assert_eq!(score(&r, &all_top), Some(100));
        let all_low =
            Factors { turnover_fen: Some(10_000 * 100), reach: Some(1), strength: Some(1), management: Some(1) };
        assert_eq!(score(&r, &all_low), Some(0));
        // Only reach known: the score is reach's alone.
        assert_eq!(score(&r, &Factors { reach: Some(3), ..Default::default() }), Some(50));
        assert_eq!(score(&r, &Factors::default()), None);
    }

    #[test]
    fn turnover_bands_rate_1_to_5() {
        let r = Rules::default();
        assert_eq!(r.turnover_rating(199_999 * 100), 1);
        assert_eq!(r.turnover_rating(200_000 * 100), 2);
        assert_eq!(r.turnover_rating(5_000_000 * 100), 4);
        assert_eq!(r.turnover_rating(i64::MAX), 5);
    }

    #[test]
    fn a_class_set_by_hand_wins() {
        let r = Rules::default();
        assert_eq!(class_for(&r, Some(70)), CustomerClass::Key);
        assert_eq!(class_for(&r, Some(69)), CustomerClass::Secondary);
        assert_eq!(class_for(&r, Some(44)), CustomerClass::Normal);
        assert_eq!(class_for(&r, None), CustomerClass::Normal);
        assert_eq!(effective(&r, Some(CustomerClass::Key), Some(10)), CustomerClass::Key);
    }

    #[test]
    fn a_territory_gets_20_key_20_secondary_30_normal() {
        let r = Rules::default();
        let customers: Vec<(i64, Option<u32>, Option<i64>)> =
            (0..100).map(|i| (i, Some(100 - (i as u32 % 101)), Some(1000 - i))).collect();
        let s = suggest(&r, &customers);
        assert_eq!(s.len(), 70);
        assert_eq!(s.iter().filter(|(_, c)| *c == CustomerClass::Key).count(), 20);
        assert_eq!(s[0], (0, CustomerClass::Key));
        assert_eq!(s[20].1, CustomerClass::Secondary);
        assert_eq!(s[69].1, CustomerClass::Normal);
        // Unscored customers are never suggested.
        assert!(suggest(&r, &[(1, None, Some(5))]).is_empty());
    }

    #[test]
    fn pareto_shows_the_top_fifth_s_share() {
        // 10 customers: two bring 800 of 1000.
        let t = [400, 400, 25, 25, 25, 25, 25, 25, 25, 25];
        let p = pareto(&t);
        assert_eq!((p.customers, p.top_20_count, p.top_20_share_pct), (10, 2, 80.0));
        assert_eq!(p.curve_pct.last(), Some(&100.0));
        assert_eq!(pareto(&[]).top_20_share_pct, 0.0);
    }

    #[test]
    fn silly_rules_are_refused() {
        let zero =
            Rules { weight_turnover: 0, weight_reach: 0, weight_strength: 0, weight_management: 0, ..Rules::default() };
        assert_eq!(zero.check().unwrap_err().0, "weights");
        let bands = Rules { turnover_bands_yuan: [5, 4, 3, 2], ..Rules::default() };
        assert_eq!(bands.check().unwrap_err().0, "turnover_bands_yuan");
        assert!(Rules::default().check().is_ok());
    }
}
