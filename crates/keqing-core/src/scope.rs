//! Whose records a user may reach.
//!
//! The rule from the domain: a rep reaches the customers they own and those
//! owned by reps under them; a manager reaches their team's (the teams they
//! manage and every team below those); a clerk their own team's; finance and
//! admin everything. The store takes a [`Scope`] on every query of owned
//! records, so no handler can forget it; a record outside the scope is simply
//! not found (404), which leaks nothing about its existence.

use crate::{Role, Roles, TeamId, UserId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The set of owners whose records a user may reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every record (admin, finance).
    All,
    /// Records owned by one of these users (never empty: it holds the user).
    Owners(BTreeSet<UserId>),
}

impl Scope {
    /// Whether a record owned by `owner` is inside the scope.
    pub fn contains(&self, owner: UserId) -> bool {
        match self {
            Scope::All => true,
            Scope::Owners(set) => set.contains(&owner),
        }
    }

    /// The owners, or `None` for [`Scope::All`].
    pub fn owners(&self) -> Option<&BTreeSet<UserId>> {
        match self {
            Scope::All => None,
            Scope::Owners(set) => Some(set),
        }
    }
}

/// A team as the scope rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamNode {
    /// The team.
    pub id: TeamId,
    /// The team above it (a regional team above city teams), if any.
    pub parent: Option<TeamId>,
    /// The user who manages it, if any.
    pub manager: Option<UserId>,
}

/// The sales organisation's tree: teams and which team each user is in.
#[derive(Debug, Clone, Default)]
pub struct OrgChart {
    teams: BTreeMap<TeamId, TeamNode>,
    children: BTreeMap<TeamId, Vec<TeamId>>,
    members: BTreeMap<TeamId, Vec<UserId>>,
    team_of: BTreeMap<UserId, TeamId>,
}

impl OrgChart {
    /// Builds the chart from teams and `(user, team)` memberships.
    pub fn new(
        teams: impl IntoIterator<Item = TeamNode>,
        memberships: impl IntoIterator<Item = (UserId, TeamId)>,
    ) -> Self {
        let mut chart = OrgChart::default();
        for t in teams {
            if let Some(p) = t.parent {
                chart.children.entry(p).or_default().push(t.id);
            }
            chart.teams.insert(t.id, t);
        }
        for (user, team) in memberships {
            chart.members.entry(team).or_default().push(user);
            chart.team_of.insert(user, team);
        }
        chart
    }

    /// `roots` and every team below them. Cycles (which the store refuses to
    /// create) cannot make this loop: each team is visited once.
    fn subtree(&self, roots: impl IntoIterator<Item = TeamId>) -> BTreeSet<TeamId> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<TeamId> = roots.into_iter().collect();
        while let Some(t) = stack.pop() {
            if seen.insert(t) {
                stack.extend(self.children.get(&t).into_iter().flatten().copied());
            }
        }
        seen
    }

    /// The users in `teams`, and the managers of those teams.
    fn people_in(&self, teams: &BTreeSet<TeamId>) -> BTreeSet<UserId> {
        let mut out = BTreeSet::new();
        for t in teams {
            out.extend(self.members.get(t).into_iter().flatten().copied());
            if let Some(m) = self.teams.get(t).and_then(|n| n.manager) {
                out.insert(m);
            }
        }
        out
    }

    /// The teams `user` manages, and every team below them.
    pub fn managed_teams(&self, user: UserId) -> BTreeSet<TeamId> {
        let roots = self.teams.values().filter(|t| t.manager == Some(user)).map(|t| t.id);
        self.subtree(roots)
    }

    /// `user` and everyone under them in the tree.
    pub fn reach(&self, user: UserId) -> BTreeSet<UserId> {
        let mut out = self.people_in(&self.managed_teams(user));
        out.insert(user);
        out
    }

    /// Whether making `parent` the parent of `team` would close a loop.
    pub fn would_cycle(&self, team: TeamId, parent: TeamId) -> bool {
        self.subtree([team]).contains(&parent)
    }

    /// The team `user` belongs to, if any.
    pub fn team_of(&self, user: UserId) -> Option<TeamId> {
        self.team_of.get(&user).copied()
    }

    /// The scope of customer records (organisations, people, interactions).
    pub fn customer_scope(&self, user: UserId, roles: Roles) -> Scope {
        if roles.has(Role::Admin) || roles.has(Role::Finance) {
            return Scope::All;
        }
        let mut owners = self.reach(user);
        if roles.has(Role::Clerk)
            && let Some(team) = self.team_of(user)
        {
            owners.extend(self.people_in(&self.subtree([team])));
        }
        Scope::Owners(owners)
    }

    /// The scope of audit entries: admin all, a manager their reach. Others
    /// have no audit permission, but get their own entries if ever asked.
    pub fn audit_scope(&self, user: UserId, roles: Roles) -> Scope {
        if roles.has(Role::Admin) {
            Scope::All
        } else if roles.has(Role::Manager) {
            Scope::Owners(self.reach(user))
        } else {
            Scope::Owners(BTreeSet::from([user]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: i64) -> UserId {
        UserId(n)
    }
    fn t(n: i64) -> TeamId {
        TeamId(n)
    }
    fn roles(r: &[Role]) -> Roles {
        r.iter().copied().collect()
    }

    /// 华南大区 (team 1, managed by user 1) has two city teams: 广州 (team 2,
    /// manager 2, reps 21 22, clerk 29) and 深圳 (team 3, manager 3, rep 31).
    /// Managers 2 and 3 are members of team 1. User 9 is finance, no team.
    fn chart() -> OrgChart {
        OrgChart::new(
            [
                TeamNode { id: t(1), parent: None, manager: Some(u(1)) },
                TeamNode { id: t(2), parent: Some(t(1)), manager: Some(u(2)) },
                TeamNode { id: t(3), parent: Some(t(1)), manager: Some(u(3)) },
            ],
            [(u(2), t(1)), (u(3), t(1)), (u(21), t(2)), (u(22), t(2)), (u(29), t(2)), (u(31), t(3))],
        )
    }

    #[test]
    fn a_rep_reaches_only_their_own_records() {
        let s = chart().customer_scope(u(21), roles(&[Role::Rep]));
        assert_eq!(s, Scope::Owners(BTreeSet::from([u(21)])));
        assert!(!s.contains(u(22)));
    }

    #[test]
    fn a_city_manager_reaches_their_team_but_not_the_neighbours() {
        let s = chart().customer_scope(u(2), roles(&[Role::Manager]));
        for inside in [2, 21, 22, 29] {
            assert!(s.contains(u(inside)), "{inside}");
        }
        for outside in [1, 3, 31, 9] {
            assert!(!s.contains(u(outside)), "{outside}");
        }
    }

    #[test]
    fn a_regional_manager_reaches_every_team_below() {
        let s = chart().customer_scope(u(1), roles(&[Role::Manager]));
        for inside in [1, 2, 3, 21, 22, 29, 31] {
            assert!(s.contains(u(inside)), "{inside}");
        }
        assert!(!s.contains(u(9)));
    }

    #[test]
    fn a_clerk_reaches_their_own_team() {
        let s = chart().customer_scope(u(29), roles(&[Role::Clerk]));
        assert!(s.contains(u(21)) && s.contains(u(22)) && s.contains(u(2)));
        assert!(!s.contains(u(31)));
    }

    #[test]
    fn finance_and_admin_reach_everything() {
        assert_eq!(chart().customer_scope(u(9), roles(&[Role::Finance])), Scope::All);
        assert_eq!(chart().customer_scope(u(9), roles(&[Role::Admin])), Scope::All);
    }

    #[test]
    fn a_team_cannot_become_its_own_ancestor() {
        let c = chart();
        assert!(c.would_cycle(t(1), t(2)));
        assert!(c.would_cycle(t(1), t(1)));
        assert!(!c.would_cycle(t(2), t(3)));
    }

    #[test]
    fn audit_scope_follows_management() {
        let c = chart();
        assert_eq!(c.audit_scope(u(9), roles(&[Role::Admin])), Scope::All);
        assert!(c.audit_scope(u(2), roles(&[Role::Manager])).contains(u(21)));
        assert!(!c.audit_scope(u(21), roles(&[Role::Rep])).contains(u(22)));
    }
}
