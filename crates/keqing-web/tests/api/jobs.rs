//! The background worker: periodic jobs run once per slot however many
//! servers schedule them.

use crate::helpers::spawn_app;
use keqing_web::jobs::{Outcome, drain, schedule};
use keqing_web::{AppState, Settings};

#[tokio::test]
async fn two_servers_scheduling_the_same_slot_run_it_once() {
    let app = spawn_app().await;
    // Two application states over one database stand for two servers.
    let a = AppState::new(app.store.clone(), Settings::default());
    let b = AppState::new(app.store.clone(), Settings::default());
    schedule(&a).await.unwrap();
    schedule(&b).await.unwrap();
    schedule(&a).await.unwrap();
    let (ra, rb) = tokio::join!(drain(&a, "server-a"), drain(&b, "server-b"));
    let ran: Vec<_> = ra.unwrap().into_iter().chain(rb.unwrap()).collect();
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert_eq!(ran[0].0.kind, "purge");
    assert_eq!(ran[0].1, Outcome::Done);
    assert!(drain(&a, "server-a").await.unwrap().is_empty());
}

#[tokio::test]
async fn the_purge_job_removes_expired_sessions() {
    let app = spawn_app().await;
    let rep = app.user("rep_a", &["rep"], None).await;
    let past = keqing_store::now() - chrono::Duration::hours(1);
    app.store
        .create_session(&keqing_store::sessions::NewSession {
            user_id: rep.id,
            token_hash: "old",
            csrf_token: "c",
            expires_at: past,
            ip: None,
            user_agent: None,
        })
        .await
        .unwrap();
    let state = AppState::new(app.store.clone(), Settings::default());
    schedule(&state).await.unwrap();
    drain(&state, "w").await.unwrap();
    assert_eq!(app.store.purge_expired_sessions(keqing_store::now()).await.unwrap(), 0, "already purged");
}
