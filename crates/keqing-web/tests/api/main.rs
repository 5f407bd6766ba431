//! Black-box tests of the HTTP API and pages, over a real socket.

mod archive;
mod archive_pages;
mod authz;
mod bad_input;
mod calendar;
mod day;
mod expenses;
mod helpers;
mod import;
mod jobs;
mod openapi;
mod records;
mod reminders;
mod security;
