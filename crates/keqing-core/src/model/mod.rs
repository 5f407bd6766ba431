//! The records Keqing keeps, as valid values.
//!
//! Each record has a *draft* (what a form or an import row holds: text) and
//! a *data* type that only exists when every field is valid. `parse` turns
//! one into the other and reports every problem at once.

pub mod archive;
pub mod interaction;
pub mod organisation;
pub mod person;
pub mod user;

pub use archive::{
    Birthday, CustomerClass, FamilyRelation, LegalBasis, MilestoneKind, OrgStatus, Position, RelationKind, Stage,
};
pub use interaction::{InteractionData, InteractionDraft, InteractionKind, MessageChannel, VisitPurpose};
pub use organisation::{OrgKind, OrganisationData, OrganisationDraft};
pub use person::{Gender, PersonData, PersonDraft};
pub use user::{NewUser, UserDraft};

/// Declares a closed set of values stored as text, with Chinese and English
/// labels, and parsing that reports the allowed values on a mismatch.
macro_rules! labelled_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $id:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $id)] $variant,)+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The identifier stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }

            /// The label shown to users: Chinese (`zh == true`) or English.
            pub fn label(self, zh: bool) -> &'static str {
                match self { $($name::$variant => if zh { $zh } else { $en },)+ }
            }

            /// Parses an identifier, or a Chinese or English label (imports
            /// carry labels), reporting the allowed identifiers otherwise.
            pub fn parse(value: &str) -> Result<Self, $crate::validate::Problem> {
                let v = value.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|k| k.as_str() == v || k.label(true) == v || k.label(false).eq_ignore_ascii_case(v))
                    .ok_or_else(|| $crate::validate::Problem::NotOneOf {
                        allowed: $name::ALL.iter().map(|k| k.as_str().to_owned()).collect(),
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use labelled_enum;
