//! The real pages in headless Chromium (Debian's `chromium` and
//! `chromium-driver`; `scripts/test` installs them). Skipped when
//! chromedriver is missing, unless KEQING_REQUIRE_BROWSER=1.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Server;

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find(names: &[&str]) -> Option<String> {
    names.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

async fn start_driver() -> Option<Driver> {
    keqing_web::notify::install_tls();
    let Some(driver) = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]) else {
        assert!(
            std::env::var("KEQING_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "KEQING_REQUIRE_BROWSER=1 but chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("note: chromedriver not installed; skipping the browser test");
        return None;
    };
    let port = free_port();
    let child =
        Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{url}/status")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(Driver { child, url, _profile: tempfile::tempdir().unwrap() })
}

/// A headless Chromium with a phone-sized window.
async fn phone(driver: &Driver) -> Client {
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]).unwrap_or_else(|| "chromium".into());
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            // What a browser set up in China sends (headless ignores --lang).
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=390,844", "--lang=zh-CN",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone().into_iter().collect();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

async fn fill(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css)).await.unwrap().send_keys(text).await.unwrap();
}

/// The text of the first `css` element once the page has settled on it
/// (htmx swaps pages in place, so an element can go stale under us).
async fn text_of(c: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            return t;
        }
        assert!(Instant::now() < deadline, "no element {css}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the first `css` element reads `want`; returns what it read.
async fn wait_text(c: &Client, css: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = text_of(c, css).await;
        if got == want || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

#[tokio::test]
async fn a_rep_logs_in_through_the_real_form_and_sees_the_home_page() {
    let Some(driver) = start_driver().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let c = phone(&driver).await;
    c.goto(&server.url("/")).await.unwrap();
    // Not logged in: the login form, in Chinese.
    assert_eq!(wait_text(&c, "button[type=submit]", "登录").await, "登录");
    fill(&c, "input[name=username]", "zhangwei").await;
    fill(&c, "input[name=password]", keqing_core::demo::DEMO_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // Home is Today: the demo's overdue visits first, each with its reason.
    wait_for(&c, "今日待办").await;
    wait_for(&c, "您好，张伟").await;
    let overdue = text_of(&c, "#overdue-count").await;
    assert!(overdue.starts_with("逾期事项"), "{overdue}");
    let first = c.find(Locator::Css("li.item.overdue[data-key^='visit:']")).await.unwrap();
    let key = first.attr("data-key").await.unwrap().unwrap();
    let why = first.find(Locator::Css(".why")).await.unwrap().text().await.unwrap();
    assert!(why.contains("天拜访"), "{why}");
    screenshot(&c, "today-phone").await;
    // Done in two taps: a note (optional), then 完成; the item says so.
    let note = first.find(Locator::Css("input[name=notes]")).await.unwrap();
    note.send_keys("补了货，聊了春节备货").await.unwrap();
    first.find(Locator::Css("form.done button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "✓ 已记录 · 拜访").await;
    c.refresh().await.unwrap();
    wait_for(&c, "今日待办").await;
    let still = c.find(Locator::Css(&format!("li[data-key='{key}']"))).await;
    assert!(still.is_err(), "a logged visit leaves Today");
    // The week view groups by day.
    let week = c.find(Locator::Css("#week-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    c.goto(&server.url(&week)).await.unwrap();
    wait_for(&c, "本周").await;
    assert!(c.find(Locator::Css("li.item")).await.is_ok(), "the week has items");
    // The menu (a <details> on phones) leads to the account page via htmx.
    c.find(Locator::Css("details.menu summary")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("a[href='/account']")).await.unwrap().click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_url(&url::Url::parse(&server.url("/account")).unwrap())
        .await
        .unwrap();
    assert_eq!(wait_text(&c, "h1", "我的账户").await, "我的账户");
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_first_admin_replaces_the_one_time_password_and_switches_to_english() {
    let Some(driver) = start_driver().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    let one_time = server.admin_password().unwrap();
    let c = phone(&driver).await;
    c.goto(&server.url("/login")).await.unwrap();
    c.find(Locator::LinkText("English")).await.unwrap().click().await.unwrap();
    assert_eq!(wait_text(&c, "button[type=submit]", "Log in").await, "Log in");
    fill(&c, "input[name=username]", "admin").await;
    fill(&c, "input[name=password]", &one_time).await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    assert_eq!(wait_text(&c, "h1", "Change password").await, "Change password");
    fill(&c, "input[name=current_password]", &one_time).await;
    fill(&c, "input[name=new_password]", "a password only I know").await;
    fill(&c, "input[name=confirm]", "a password only I know").await;
    c.find(Locator::Css("form[action='/password'] button")).await.unwrap().click().await.unwrap();
    let done = url::Url::parse(&server.url("/account?notice=password")).unwrap();
    c.wait().at_most(Duration::from_secs(10)).for_url(&done).await.unwrap();
    assert_eq!(wait_text(&c, ".notice", "Your password has been changed.").await, "Your password has been changed.");
    c.goto(&server.url("/admin/users")).await.unwrap();
    assert_eq!(wait_text(&c, "h1", "Users").await, "Users");
    screenshot(&c, "admin-users").await;
    // The home page asks for next year's holiday notice (from 1 November),
    // and the calendar shows the National Day week and its make-up Saturday.
    c.goto(&server.url("/admin/calendar?year=2026")).await.unwrap();
    assert_eq!(wait_text(&c, "h1", "Holiday calendar 2026").await, "Holiday calendar 2026");
    let national_day = c.find(Locator::Css(".cell.holiday.festival[title='国庆节']")).await.unwrap();
    assert_eq!(national_day.find(Locator::Css("small")).await.unwrap().text().await.unwrap(), "National Day");
    let makeup = c.find(Locator::Css(".cell.makeup[title='国庆节（调休上班）'] b")).await.unwrap();
    assert_eq!(makeup.text().await.unwrap(), "10");
    screenshot(&c, "admin-calendar").await;
    c.close().await.unwrap();
}

/// Waits until the page's text contains `want`.
async fn wait_for(c: &Client, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(t) = body.text().await
            && t.contains(want)
        {
            return;
        }
        assert!(Instant::now() < deadline, "the page never showed {want:?}: {}", c.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_rep_searches_by_pinyin_opens_the_briefing_adds_a_child_and_imports_a_file() {
    let Some(driver) = start_driver().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let c = phone(&driver).await;
    c.goto(&server.url("/login")).await.unwrap();
    fill(&c, "input[name=username]", "zhangwei").await;
    fill(&c, "input[name=password]", keqing_core::demo::DEMO_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "您好，张伟").await;

    // The people list narrows as one types pinyin initials (htmx, no reload).
    c.goto(&server.url("/people")).await.unwrap();
    let first = text_of(&c, "#results .card-link b").await;
    let initials: String = keqing_core::search::initials(&first);
    fill(&c, "input[name=q]", &initials).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names: Vec<String> = {
            let mut out = Vec::new();
            for e in c.find_all(Locator::Css("#results .card-link b")).await.unwrap_or_default() {
                out.push(e.text().await.unwrap_or_default());
            }
            out
        };
        let narrowed = !names.is_empty() && names.iter().all(|n| keqing_core::search::initials(n).contains(&initials));
        if narrowed && names.contains(&first) {
            break;
        }
        assert!(Instant::now() < deadline, "search by {initials:?} never narrowed to {first}: {names:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    c.find(Locator::Css("#results .card-link")).await.unwrap().click().await.unwrap();
    wait_for(&c, "家庭").await;
    wait_for(&c, "最近联系").await;
    screenshot(&c, "person-briefing").await;

    // Add a child with a lunar birthday: the briefing shows the next one.
    c.find(Locator::XPath("//summary[text()='添加家庭成员']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("form[action$='/family'] select[name=relation]"))
        .await
        .unwrap()
        .select_by_value("child")
        .await
        .unwrap();
    fill(&c, "form[action$='/family'] input[name=name]", "小宝").await;
    fill(&c, "form[action$='/family'] input[name=birthday]", "农历2019-8-15").await;
    c.find(Locator::Css("form[action$='/family'] button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "子女 · 小宝").await;

    // A bad birthday is refused next to the field, in Chinese.
    c.find(Locator::XPath("//summary[text()='添加家庭成员']")).await.unwrap().click().await.unwrap();
    fill(&c, "form[action$='/family'] input[name=name]", "二宝").await;
    fill(&c, "form[action$='/family'] input[name=birthday]", "农历13-1").await;
    c.find(Locator::Css("form[action$='/family'] button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "不是有效的农历月日").await;

    // Import a GBK file through the page: preview, then import with progress.
    let file = dir.path().join("新客户.csv");
    let (gbk, _, _) =
        encoding_rs::GBK.encode("姓名,手机,单位\n测试甲,13011112222,浏览器测试店\n测试乙,13011113333,浏览器测试店\n");
    std::fs::write(&file, &gbk).unwrap();
    c.goto(&server.url("/import")).await.unwrap();
    c.find(Locator::Css("input[type=file]")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("form[enctype] button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "将新建的单位").await;
    screenshot(&c, "import-preview").await;
    c.find(Locator::Css("form[action$='/commit'] button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "导入完成").await;
    c.goto(&server.url("/people?q=csj")).await.unwrap();
    wait_for(&c, "测试甲").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_clerk_signs_a_filed_statement_from_the_queue_on_a_phone() {
    let Some(driver) = start_driver().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let c = phone(&driver).await;
    c.goto(&server.url("/login")).await.unwrap();
    fill(&c, "input[name=username]", "wuxia").await;
    fill(&c, "input[name=password]", keqing_core::demo::DEMO_PASSWORD).await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "您好，吴霞").await;

    // Last month's queue: 张伟 filed and awaits the clerk; the deadlines are dates.
    c.goto(&server.url("/expenses/queue")).await.unwrap();
    wait_for(&c, "各代表统计表").await;
    assert!(text_of(&c, "#queue-deadlines").await.contains("提交给文员截止"));
    let row = text_of(&c, "tr[data-rep='张伟']").await;
    assert!(row.contains("已提交，待文员检核"), "{row}");
    c.find(Locator::Css("tr[data-rep='张伟'] button.sign")).await.unwrap().click().await.unwrap();
    wait_for(&c, "已保存").await;
    let row = text_of(&c, "tr[data-rep='张伟']").await;
    assert!(row.contains("文员已签，待经理检核"), "{row}");
    assert!(c.find(Locator::Css("tr[data-rep='张伟'] button.sign")).await.is_err(), "one signature per person");

    // The rep's month as the clerk reads it: figures, state, her signature.
    c.find(Locator::Css("tr[data-rep='张伟'] a")).await.unwrap().click().await.unwrap();
    wait_for(&c, "本月概况").await;
    assert_eq!(wait_text(&c, "#statement-state", "文员已签，待经理检核").await, "文员已签，待经理检核");
    assert!(text_of(&c, "#accrued").await.starts_with('¥'));
    assert!(text_of(&c, "table.signatures").await.contains("吴霞"));
    screenshot(&c, "expense-month").await;
    c.close().await.unwrap();
}
