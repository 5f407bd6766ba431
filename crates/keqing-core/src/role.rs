//! Roles and the permission matrix: the single place that decides which
//! role may attempt which kind of action. *Which records* a permitted action
//! may touch is decided by [`crate::scope`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A role held by a user. A user may hold several (a sales manager who is
/// also the admin of a small branch is common).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 销售代表 / 业务员: owns customers, logs contacts, files statements.
    Rep,
    /// 销售文员: receives the reps' monthly statements; first check.
    Clerk,
    /// 销售部经理: owns a team; second check; reassigns customers.
    Manager,
    /// 财务部: third check; keeps the ledger. Sees money, not family details.
    Finance,
    /// 管理员: users, teams, reference data.
    Admin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 5] = [Role::Rep, Role::Clerk, Role::Manager, Role::Finance, Role::Admin];

    /// The stable identifier used in the database, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Clerk => "clerk",
            Role::Manager => "manager",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `rep`, `clerk`, `manager`, `finance`, `admin`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected one of rep, clerk, manager, finance, admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The set of roles a user holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Roles(u8);

impl Roles {
    /// No roles at all: such a user can log in but reach nothing.
    pub const NONE: Roles = Roles(0);

    /// Whether the set contains `role`.
    pub fn has(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// The set with `role` added.
    pub fn with(self, role: Role) -> Roles {
        Roles(self.0 | role.bit())
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles in display order.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.has(*r))
    }

    /// Whether any role in the set grants `permission`.
    pub fn can(self, permission: Permission) -> bool {
        self.iter().any(|r| permission.granted_to(r))
    }
}

impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        iter.into_iter().fold(Roles::NONE, Roles::with)
    }
}

impl Serialize for Roles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Vec<Role> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// A kind of action. Handlers ask `roles.can(permission)` and answer 403
/// when it is false; the matrix below is the only place that decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create, edit, disable users; change roles; edit teams.
    ManageUsers,
    /// See the user directory and the team tree (to assign owners).
    ViewUsers,
    /// Read the audit log (managers: their team's entries).
    ViewAudit,
    /// Read customers (organisations, people) in scope.
    ReadCustomers,
    /// Create and edit customers in scope.
    WriteCustomers,
    /// Delete customers in scope.
    DeleteCustomers,
    /// Give customers to another owner (orphans, territory changes).
    ReassignCustomers,
    /// Set a customer's class by hand, apply a territory's suggestion.
    ClassifyCustomers,
    /// See personal detail fields (family, tastes, birthday, notes).
    /// Finance sees money, not family details.
    ViewPersonalDetails,
    /// Edit the statutory-holiday table and other reference data
    /// (product lines, expense rules).
    ManageReferenceData,
    /// Read expense statements, ledgers and reports in scope.
    ViewExpenses,
    /// Enter one's own expenses, file one's statement, apply for
    /// new-customer expenses, draw advances and record payouts.
    FileExpenses,
    /// Sign or return statements and applications (each role its step).
    CheckExpenses,
    /// Keep the sales and collections ledger; override flagged cash.
    KeepLedger,
    /// Spot-check a rep's customers after payout.
    SpotCheck,
}

impl Permission {
    /// Every permission, for exhaustive tests and the admin overview.
    pub const ALL: [Permission; 15] = [
        Permission::ManageUsers,
        Permission::ViewUsers,
        Permission::ViewAudit,
        Permission::ReadCustomers,
        Permission::WriteCustomers,
        Permission::DeleteCustomers,
        Permission::ReassignCustomers,
        Permission::ClassifyCustomers,
        Permission::ViewPersonalDetails,
        Permission::ManageReferenceData,
        Permission::ViewExpenses,
        Permission::FileExpenses,
        Permission::CheckExpenses,
        Permission::KeepLedger,
        Permission::SpotCheck,
    ];

    /// The matrix. Exhaustive on both sides: adding a role or a permission
    /// does not compile until every cell is decided.
    pub fn granted_to(self, role: Role) -> bool {
        use Permission as P;
        use Role as R;
        match (self, role) {
            (P::ManageUsers | P::ManageReferenceData, R::Admin) => true,
            (P::ManageUsers | P::ManageReferenceData, R::Rep | R::Clerk | R::Manager | R::Finance) => false,
            (P::ViewUsers, R::Clerk | R::Manager | R::Finance | R::Admin) => true,
            (P::ViewUsers, R::Rep) => false,
            (P::ViewAudit, R::Manager | R::Admin) => true,
            (P::ViewAudit, R::Rep | R::Clerk | R::Finance) => false,
            (P::ReadCustomers, _) => true,
            (P::WriteCustomers, R::Rep | R::Manager | R::Admin) => true,
            (P::WriteCustomers, R::Clerk | R::Finance) => false,
            (P::DeleteCustomers | P::ReassignCustomers | P::ClassifyCustomers, R::Manager | R::Admin) => true,
            (P::DeleteCustomers | P::ReassignCustomers | P::ClassifyCustomers, R::Rep | R::Clerk | R::Finance) => false,
            (P::ViewPersonalDetails, R::Rep | R::Clerk | R::Manager | R::Admin) => true,
            (P::ViewPersonalDetails, R::Finance) => false,
            (P::ViewExpenses, _) => true,
            (P::FileExpenses, R::Rep) => true,
            (P::FileExpenses, R::Clerk | R::Manager | R::Finance | R::Admin) => false,
            (P::CheckExpenses, R::Clerk | R::Manager | R::Finance) => true,
            (P::CheckExpenses, R::Rep | R::Admin) => false,
            (P::KeepLedger, R::Finance) => true,
            (P::KeepLedger, R::Rep | R::Clerk | R::Manager | R::Admin) => false,
            (P::SpotCheck, R::Manager) => true,
            (P::SpotCheck, R::Rep | R::Clerk | R::Finance | R::Admin) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_print_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn a_user_with_several_roles_gets_the_union() {
        let rep_finance: Roles = [Role::Rep, Role::Finance].into_iter().collect();
        assert!(rep_finance.can(Permission::WriteCustomers));
        assert!(rep_finance.can(Permission::ViewPersonalDetails));
        let finance: Roles = [Role::Finance].into_iter().collect();
        assert!(!finance.can(Permission::ViewPersonalDetails));
        assert!(!finance.can(Permission::WriteCustomers));
        assert!(finance.can(Permission::ReadCustomers));
    }

    #[test]
    fn no_roles_grants_nothing() {
        for p in Permission::ALL {
            assert!(!Roles::NONE.can(p), "{p:?}");
        }
    }

    #[test]
    fn only_admin_manages_users() {
        for r in Role::ALL {
            assert_eq!(Permission::ManageUsers.granted_to(r), r == Role::Admin);
        }
    }

    #[test]
    fn roles_serialize_as_a_list_of_names() {
        let roles: Roles = [Role::Manager, Role::Rep].into_iter().collect();
        assert_eq!(serde_json::to_string(&roles).unwrap(), r#"["rep","manager"]"#);
        let back: Roles = serde_json::from_str(r#"["manager","rep"]"#).unwrap();
        assert_eq!(back, roles);
    }
}
