//! Writing CSV for spreadsheets: RFC 4180 quoting, and cells that Excel or
//! WPS would run as formulas (`=`, `+`, `-`, `@`, tab, CR) are prefixed with
//! an apostrophe, so an exported name like `=HYPERLINK(…)` stays text.

/// Appends one row.
pub fn row(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

fn cell(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = formula || value.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for ch in value.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if needs_quotes {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_escapes_and_defuses_formulas() {
        let mut s = String::new();
        super::row(&mut s, &["佳佳超市", "a,b", "say \"hi\"", "=1+1", "-5"]);
        assert_eq!(s, "佳佳超市,\"a,b\",\"say \"\"hi\"\"\",\"'=1+1\",\"'-5\"\r\n");
    }
}
