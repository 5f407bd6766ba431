//! Writes a file of believable people to import (benchmarks, trials):
//! `cargo run --release --example people_file -- 100000 people.xlsx`
//! (the extension chooses CSV or xlsx).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().ok_or("usage: people_file COUNT FILE.{csv,xlsx}")?.parse()?;
    let path = args.next().ok_or("usage: people_file COUNT FILE.{csv,xlsx}")?;
    let (headers, rows) = keqing_core::demo::people_rows(n, 2026);
    if path.ends_with(".xlsx") {
        std::fs::write(&path, keqing_core::table::xlsx_file("联系人", &headers, &rows)?)?;
    } else {
        std::fs::write(&path, keqing_core::table::csv_file(&headers, &rows))?;
    }
    eprintln!("{n} people written to {path}");
    Ok(())
}
