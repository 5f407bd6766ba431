//! Calendar throughput: building agendas for a million people must never
//! wait on the calendar. `cargo bench -p keqing-core --bench calendar`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use chrono::{Days, NaiveDate, NaiveTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keqing_core::calendar::holidays::{BUNDLED_CSV, parse_csv};
use keqing_core::calendar::lunar::{LunarDate, LunarMonthDay, Policy};
use keqing_core::calendar::workday::WorkCalendar;
use std::hint::black_box;

fn calendar() -> WorkCalendar {
    let days = parse_csv(BUNDLED_CSV, None).expect("bundled table");
    let years: Vec<i32> = days.iter().map(|d| d.year).collect();
    WorkCalendar::new(years, days, chrono_tz::Asia::Shanghai, NaiveTime::from_hms_opt(18, 0, 0).expect("18:00"))
}

fn working_days(c: &mut Criterion) {
    let cal = calendar();
    let mut g = c.benchmark_group("working days");
    g.throughput(Throughput::Elements(7 * 12 * 3));
    g.bench_function("nth working day (3rd, 8th, 9th of every month, 2020–2026)", |b| {
        b.iter(|| {
            for year in 2020..=2026 {
                for month in 1..=12 {
                    for n in [3, 8, 9] {
                        black_box(cal.nth_working_day(black_box(year), month, n).expect("exists"));
                    }
                }
            }
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("add 10 working days", |b| {
        let d = NaiveDate::from_ymd_opt(2026, 9, 28).expect("date");
        b.iter(|| black_box(cal.add_working_days(black_box(d), 10)))
    });
    g.finish();
}

fn lunar(c: &mut Criterion) {
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    let days: Vec<NaiveDate> = (0..1000).map(|i| start + Days::new(i * 3)).collect();
    let _ = LunarDate::from_solar(start); // build the table outside the measurement
    let mut g = c.benchmark_group("lunar");
    g.throughput(Throughput::Elements(days.len() as u64));
    g.bench_function("solar → lunar", |b| {
        b.iter(|| {
            for d in &days {
                black_box(LunarDate::from_solar(black_box(*d)).expect("in range"));
            }
        })
    });
    let birthdays: Vec<LunarMonthDay> = (0..1000u32)
        .map(|i| LunarMonthDay::new((i % 12) as u8 + 1, i % 50 == 0, (i % 30) as u8 + 1).expect("valid"))
        .collect();
    let policy = Policy::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
    g.bench_function("next lunar birthday on or after today", |b| {
        b.iter(|| {
            for m in &birthdays {
                black_box(m.next_on_or_after(black_box(today), &policy).expect("resolves"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, working_days, lunar);
criterion_main!(benches);
