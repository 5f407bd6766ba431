//! Keqing's own users (not customers).

use crate::validate::{self, FieldErrors, limits};
use crate::{Role, Roles, TeamId};
use serde::{Deserialize, Serialize};

/// A user as the admin form or the CLI holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDraft {
    /// Login name.
    pub username: String,
    /// Name shown to colleagues, e.g. 张伟.
    pub display_name: String,
    /// E-mail (for digests and password resets).
    pub email: String,
    /// Initial password.
    pub password: String,
    /// Role identifiers.
    pub roles: Vec<String>,
    /// The team the user belongs to.
    pub team: Option<TeamId>,
}

/// A valid new user. The password is still plain here: the caller hashes it
/// with a fresh salt before it goes anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Case-folded login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Plain password, checked against the policy.
    pub password: String,
    /// Roles.
    pub roles: Roles,
    /// Team.
    pub team: Option<TeamId>,
}

/// Parses role identifiers, naming the position of a bad one (`roles[1]`).
pub fn parse_roles(values: &[String], errors: &mut FieldErrors) -> Roles {
    let mut roles = Roles::NONE;
    for (i, v) in values.iter().enumerate() {
        match v.parse::<Role>() {
            Ok(r) => roles = roles.with(r),
            Err(_) => errors.push(
                format!("roles[{i}]"),
                validate::Problem::NotOneOf { allowed: Role::ALL.iter().map(|r| r.as_str().to_owned()).collect() },
            ),
        }
    }
    roles
}

impl UserDraft {
    /// Checks every field; reports all problems at once.
    pub fn parse(&self) -> Result<NewUser, FieldErrors> {
        let mut e = FieldErrors::default();
        let username = e.take("username", validate::username(&self.username));
        let display_name = e.take("display_name", validate::required_line(&self.display_name, limits::DISPLAY_NAME));
        let email = e.take("email", validate::email(&self.email));
        let password = e.take("password", validate::new_password(&self.password, self.username.trim()));
        let roles = parse_roles(&self.roles, &mut e);
        match (username, display_name, email, password) {
            (Some(username), Some(display_name), Some(email), Some(password)) if e.is_empty() => {
                Ok(NewUser { username, display_name, email, password, roles, team: self.team })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_draft_names_every_bad_field() {
        let d = UserDraft {
            username: "张伟".into(),
            display_name: "".into(),
            password: "short".into(),
            roles: vec!["rep".into(), "king".into()],
            ..Default::default()
        };
        let e = d.parse().unwrap_err();
        for f in ["username", "display_name", "password", "roles[1]"] {
            assert!(e.get(f).is_some(), "{f} missing from {e}");
        }
    }

    #[test]
    fn a_good_user_draft_parses() {
        let d = UserDraft {
            username: "ZhangWei".into(),
            display_name: "张伟".into(),
            password: "长城长城长城长城长城".into(),
            roles: vec!["rep".into(), "manager".into()],
            ..Default::default()
        };
        let u = d.parse().unwrap();
        assert_eq!(u.username, "zhangwei");
        assert!(u.roles.has(Role::Manager) && u.roles.has(Role::Rep));
    }
}
