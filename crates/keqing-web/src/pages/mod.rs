//! Server-rendered pages (askama templates + htmx), phone-first, Chinese by
//! default. Every page embeds [`Chrome`]: language, CSRF token, the user and
//! the menu. Forms post back with the CSRF token in a hidden field (and in a
//! header for htmx requests); validation problems are shown next to the field.

mod account;
mod admin;
mod audit;
mod calendar;
mod classification;
mod customers;
mod expenses;
mod greetings;
mod home;
mod ical;
pub(crate) use ical::feed_url;
mod import;
mod login;
mod orphans;
mod people;
mod reminders;
mod territories;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{Error, ErrorReport, Result};
use crate::i18n::{self, Lang};
use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use keqing_core::Permission;
use keqing_core::validate::FieldErrors;

/// What every page shows around its content.
pub struct Chrome {
    /// Language.
    pub lang: Lang,
    /// CSRF token for forms.
    pub csrf: String,
    /// Current path (active menu item).
    pub path: String,
    /// The logged-in user's name, if any.
    pub user_name: Option<String>,
    /// Whether to show the admin menu.
    pub can_admin: bool,
    /// Whether to show the audit log menu.
    pub can_audit: bool,
    /// Whether to show import (people who write customers).
    pub can_write: bool,
    /// Whether to show classification (managers, admins).
    pub can_classify: bool,
    /// Whether to show orphans (managers, admins).
    pub can_reassign: bool,
    /// Whether to show personal pages (referrals); not finance.
    pub can_personal: bool,
    /// Whether to show reference data (territories).
    pub can_reference: bool,
    /// Whether to show the checkers' expense queue (clerk, manager, finance).
    pub can_check: bool,
    /// A message to show once ("saved").
    pub notice: Option<&'static str>,
}

impl Chrome {
    /// The chrome for a request.
    pub fn new(ctx: &Ctx) -> Chrome {
        let user = ctx.identity.as_ref().map(|i| &i.user);
        Chrome {
            lang: ctx.lang,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user_name: user.map(|u| u.display_name.clone()),
            can_admin: user.is_some_and(|u| u.roles.can(Permission::ManageUsers)),
            can_audit: user.is_some_and(|u| u.roles.can(Permission::ViewAudit)),
            can_write: user.is_some_and(|u| u.roles.can(Permission::WriteCustomers)),
            can_classify: user.is_some_and(|u| u.roles.can(Permission::ClassifyCustomers)),
            can_reassign: user.is_some_and(|u| u.roles.can(Permission::ReassignCustomers)),
            can_personal: user.is_some_and(|u| u.roles.can(Permission::ViewPersonalDetails)),
            can_reference: user.is_some_and(|u| u.roles.can(Permission::ManageReferenceData)),
            can_check: user.is_some_and(|u| u.roles.can(Permission::CheckExpenses)),
            notice: None,
        }
    }

    /// With a one-time message (a catalog key).
    pub fn with_notice(mut self, key: &'static str) -> Chrome {
        self.notice = Some(self.lang.t(key));
        self
    }

    /// Text for `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The `<html lang>` value.
    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The other language's tag, for the switch link.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh-CN",
        }
    }

    /// Whether the menu item for `prefix` is the current page.
    pub fn active(&self, prefix: &str) -> bool {
        if prefix == "/" { self.path == "/" } else { self.path.starts_with(prefix) }
    }

    /// A role's label.
    pub fn role_label(&self, role: &str) -> &'static str {
        self.lang.t(&format!("role.{role}"))
    }
}

/// Field messages for a form, in the page's language.
#[derive(Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// Words the problems of `e` in `lang`.
    pub fn from(lang: Lang, e: &FieldErrors) -> FormErrors {
        FormErrors(e.0.iter().map(|fe| (fe.field.clone(), i18n::problem(lang, &fe.problem))).collect())
    }

    /// The message for `field`, or "".
    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|(f, _)| f == field).map_or("", |(_, m)| m.as_str())
    }

    /// Whether there is a message for `field`.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    /// The first message for `field` or any of its elements (`roles[1]`).
    pub fn get_any(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|(f, _)| f == field || f.strip_prefix(field).is_some_and(|rest| rest.starts_with('[')))
            .map_or("", |(_, m)| m.as_str())
    }

    /// Every field and message.
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Renders a template into a response.
pub fn render<T: Template>(t: &T) -> Result<Response> {
    Ok(Html(t.render().map_err(|e| Error::Internal(e.into()))?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: &'static str,
    fields: Vec<(String, String)>,
}

/// The page for an error (called by the context middleware).
pub(crate) fn error_page(lang: Lang, report: &ErrorReport, ctx: Option<&Ctx>) -> Html<String> {
    let c = match ctx {
        Some(ctx) => Chrome::new(ctx),
        None => Chrome {
            lang,
            csrf: String::new(),
            path: String::new(),
            user_name: None,
            can_admin: false,
            can_audit: false,
            can_write: false,
            can_classify: false,
            can_reassign: false,
            can_personal: false,
            can_reference: false,
            can_check: false,
            notice: None,
        },
    };
    let page = ErrorPage {
        status: report.status.as_u16(),
        message: lang.t(report.key),
        fields: report.fields.iter().map(|(f, t)| (f.clone(), report.field_text(lang, t))).collect(),
        c,
    };
    Html(
        page.render()
            .unwrap_or_else(|e| format!("<!doctype html><title>error</title><p>{}</p><!-- {e} -->", report.code)),
    )
}

/// Every page route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(home::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(calendar::router())
        .merge(customers::router())
        .merge(classification::router())
        .merge(people::router())
        .merge(orphans::router())
        .merge(territories::router())
        .merge(import::router())
        .merge(greetings::router())
        .merge(ical::router())
        .merge(reminders::router())
        .merge(expenses::router())
        .merge(expenses::admin_router())
}

/// One contact on a customer's timeline.
pub(crate) struct TimelineLine {
    /// Day.
    pub on: chrono::NaiveDate,
    /// Kind, in words.
    pub kind: String,
    /// The rep.
    pub by: String,
    /// Gift and value, minutes, notes (personal), next step.
    pub text: String,
}

/// A customer's contacts as the timeline shows them (notes only with the
/// personal-details permission).
pub(crate) fn timeline(
    items: &[keqing_store::interactions::Interaction],
    personal: bool,
    zh: bool,
) -> Vec<TimelineLine> {
    items
        .iter()
        .map(|i| {
            let mut parts: Vec<String> = Vec::new();
            if let (Some(item), Some(v)) = (&i.gift_item, i.gift_value_fen) {
                parts.push(format!("{item} ¥{}", keqing_core::money::format_yuan(v)));
            }
            if let Some(m) = i.duration_minutes {
                parts.push(if zh { format!("{m}分钟") } else { format!("{m} min") });
            }
            if personal && let Some(n) = &i.notes {
                parts.push(n.clone());
            }
            if let Some(step) = &i.next_step {
                let done = if i.next_step_done { "✓" } else { "→" };
                parts.push(format!("{done} {step} {}", i.next_step_on.map(|d| d.to_string()).unwrap_or_default()));
            }
            let who: Vec<&str> = i.people.iter().map(|p| p.name.as_str()).collect();
            if !who.is_empty() {
                parts.push(format!("（{}）", who.join("、")));
            }
            TimelineLine {
                on: i.on,
                kind: i.kind.label(zh).to_owned(),
                by: i.user_name.clone(),
                text: parts.join(" · "),
            }
        })
        .collect()
}

/// Escapes text for HTML built by hand (the small option lists of pickers).
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
