//! Typed identifiers: an `OrganisationId` can never be passed where a
//! `UserId` is expected. All are the database's 64-bit integer keys.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(
    /// A Keqing user (rep, clerk, manager, finance, admin).
    UserId
);
id_type!(
    /// A team in the sales organisation's tree.
    TeamId
);
id_type!(
    /// A customer organisation (distributor, store, pharmacy, …).
    OrganisationId
);
id_type!(
    /// A person at a customer organisation.
    PersonId
);
