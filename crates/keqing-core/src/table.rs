//! Spreadsheets in and out: reading CSV (UTF-8, UTF-16 or GBK/GB18030 —
//! what Chinese Excel and WPS save) and Excel workbooks row by row, and
//! writing CSV and xlsx that open cleanly in both.
//!
//! Reading works on bytes already in memory and keeps one row at a time in
//! its hands (an xlsx sheet is decompressed whole by calamine). Every row
//! carries its spreadsheet row number — the header is row 1 — so a problem
//! is reported where the user sees it in Excel.

use crate::validate::Problem;
use calamine::{Data, Range, Reader};
use std::io::Cursor;

/// A text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// GB18030, the superset of GBK and GB2312: Chinese Excel's "CSV".
    Gb18030,
    /// UTF-16 with a byte-order mark (Excel's "Unicode text").
    Utf16,
}

impl Encoding {
    /// Parses a user's choice: `utf-8`, `gbk`, `gb2312`, `gb18030`, `utf-16`;
    /// `auto` or blank is `None` (detect).
    pub fn parse(text: &str) -> Result<Option<Encoding>, Problem> {
        match text.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "" | "auto" => Ok(None),
            "utf8" => Ok(Some(Encoding::Utf8)),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(Some(Encoding::Gb18030)),
            "utf16" | "utf16le" | "unicode" => Ok(Some(Encoding::Utf16)),
            _ => Err(Problem::NotOneOf { allowed: vec!["auto".into(), "utf-8".into(), "gbk".into(), "utf-16".into()] }),
        }
    }

    /// Its name as shown and accepted back.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gbk",
            Encoding::Utf16 => "utf-16",
        }
    }
}

/// Decodes CSV bytes. Without a choice: a UTF-16 byte-order mark means
/// UTF-16, valid UTF-8 is UTF-8, anything else is read as GB18030 (which
/// decodes every GBK file); bytes that are not valid in the encoding are
/// refused rather than silently replaced.
pub fn decode(bytes: &[u8], choice: Option<Encoding>) -> Result<(String, Encoding), Problem> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let encoding = match choice {
        Some(e) => e,
        None if utf16 => Encoding::Utf16,
        None if std::str::from_utf8(bytes).is_ok() => Encoding::Utf8,
        None => Encoding::Gb18030,
    };
    let (text, had_errors) = match encoding {
        Encoding::Utf8 => {
            let (t, e) = encoding_rs::UTF_8.decode_with_bom_removal(bytes);
            (t, e)
        }
        Encoding::Gb18030 => {
            let (t, e) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            (t, e)
        }
        Encoding::Utf16 => {
            let (t, _, e) = encoding_rs::UTF_16LE.decode(bytes);
            (t, e)
        }
    };
    if had_errors {
        return Err(Problem::Invalid { expected: "text in the chosen encoding (UTF-8 or GBK)" });
    }
    Ok((text.into_owned(), encoding))
}

/// The kind of file, from its first bytes (a zip is a workbook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma- (or semicolon-, tab-) separated text.
    Csv,
    /// An Excel (xlsx, xls) or OpenDocument workbook.
    Workbook,
}

/// Tells a workbook from text by its magic bytes.
pub fn sniff(bytes: &[u8]) -> Format {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if zip || ole { Format::Workbook } else { Format::Csv }
}

/// One row of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    /// The spreadsheet row number (the header is 1).
    pub number: usize,
    /// The cells, as text, trimmed; as many as the header has columns.
    pub cells: Vec<String>,
    /// Columns holding a formula (workbooks) or text that looks like one
    /// (CSV): refused by imports, which take values only.
    pub formulas: Vec<usize>,
}

/// A sheet being read: the header, then [`Table::next_row`] until `None`.
pub struct Table {
    /// The header cells, trimmed.
    pub headers: Vec<String>,
    /// The encoding a CSV file was read in (`None` for workbooks).
    pub encoding: Option<Encoding>,
    inner: Inner,
}

enum Inner {
    /// Spreadsheet row numbers are counted from the text: `lines` line
    /// breaks lie before byte `scanned`; `folded` of them were inside quoted
    /// cells (one spreadsheet row spanning several lines).
    Csv {
        reader: csv::Reader<Cursor<Vec<u8>>>,
        record: csv::StringRecord,
        scanned: usize,
        lines: usize,
        folded: usize,
    },
    Workbook {
        values: Range<Data>,
        formulas: Option<Range<String>>,
        next: usize,
    },
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    /// Nothing in it, or no header row.
    #[error("the file is empty")]
    Empty,
    /// Not text in any known encoding.
    #[error("the file is not text in UTF-8 or GBK")]
    Encoding(Problem),
    /// A workbook calamine cannot open.
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    /// Broken CSV (an unclosed quote …), at a row.
    #[error("row {row}: {message}")]
    Csv {
        /// Spreadsheet row number.
        row: usize,
        /// What the parser said.
        message: String,
    },
}

impl Table {
    /// Opens `bytes` (CSV or a workbook's first sheet).
    pub fn open(bytes: &[u8], encoding: Option<Encoding>) -> Result<Table, TableError> {
        match sniff(bytes) {
            Format::Workbook => Self::open_workbook(bytes),
            Format::Csv => Self::open_csv(bytes, encoding),
        }
    }

    fn open_csv(bytes: &[u8], encoding: Option<Encoding>) -> Result<Table, TableError> {
        let (text, used) = decode(bytes, encoding).map_err(TableError::Encoding)?;
        let delimiter = guess_delimiter(&text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Cursor::new(text.into_bytes()));
        let mut record = csv::StringRecord::new();
        let headers = loop {
            match reader.read_record(&mut record) {
                Ok(false) => return Err(TableError::Empty),
                Ok(true) if record.iter().all(|c| c.trim().is_empty()) => continue,
                Ok(true) => break record.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>(),
                Err(e) => return Err(TableError::Csv { row: 1, message: e.to_string() }),
            }
        };
        let headers = trim_trailing_blanks(headers);
        let mut inner = Inner::Csv { reader, record, scanned: 0, lines: 0, folded: 0 };
        if let Inner::Csv { reader, record, scanned, lines, folded } = &mut inner {
            let byte = record.position().map_or(0, |p| p.byte() as usize);
            *lines += count_lines(reader, scanned, byte);
            *folded += line_breaks(record);
        }
        Ok(Table { headers, encoding: Some(used), inner })
    }

    fn open_workbook(bytes: &[u8]) -> Result<Table, TableError> {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| TableError::Workbook(e.to_string()))?;
        let name = book.sheet_names().first().cloned().ok_or(TableError::Empty)?;
        let values = book.worksheet_range(&name).map_err(|e| TableError::Workbook(e.to_string()))?;
        let formulas = book.worksheet_formula(&name).ok();
        let Some((first_row, _)) = values.start() else { return Err(TableError::Empty) };
        let mut table = Table {
            headers: Vec::new(),
            encoding: None,
            inner: Inner::Workbook { values, formulas, next: first_row as usize },
        };
        let header = loop {
            match table.workbook_row() {
                None => return Err(TableError::Empty),
                Some(row) if row.cells.iter().all(String::is_empty) => continue,
                Some(row) => break row,
            }
        };
        table.headers = trim_trailing_blanks(header.cells);
        Ok(table)
    }

    /// The next non-blank row, or `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<SourceRow, TableError>> {
        loop {
            let row = match &mut self.inner {
                Inner::Csv { reader, record, scanned, lines, folded } => match reader.read_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        let byte = record.position().map_or(0, |p| p.byte() as usize);
                        *lines += count_lines(reader, scanned, byte);
                        let row = csv_row(*lines + 1 - *folded, record, self.headers.len());
                        *folded += line_breaks(record);
                        row
                    }
                    Err(e) => {
                        let byte = e.position().map_or(0, |p| p.byte() as usize);
                        *lines += count_lines(reader, scanned, byte);
                        let row = *lines + 1 - *folded;
                        return Some(Err(TableError::Csv { row, message: e.to_string() }));
                    }
                },
                Inner::Workbook { .. } => self.workbook_row()?,
            };
            if row.cells.iter().any(|c| !c.is_empty()) {
                return Some(Ok(row));
            }
        }
    }

    fn workbook_row(&mut self) -> Option<SourceRow> {
        let Inner::Workbook { values, formulas, next } = &mut self.inner else { return None };
        let (last_row, last_col) = values.end()?;
        let row = u32::try_from(*next).ok()?;
        if row > last_row {
            return None;
        }
        *next += 1;
        let width = if self.headers.is_empty() { last_col as usize + 1 } else { self.headers.len() };
        let mut cells = Vec::with_capacity(width);
        let mut formula_cols = Vec::new();
        for col in 0..width as u32 {
            cells.push(values.get_value((row, col)).map(cell_text).unwrap_or_default());
            if formulas.as_ref().and_then(|f| f.get_value((row, col))).is_some_and(|f| !f.is_empty()) {
                formula_cols.push(col as usize);
            }
        }
        Some(SourceRow { number: row as usize + 1, cells, formulas: formula_cols })
    }
}

/// Line breaks from `scanned` up to and including `byte` (where the csv
/// reader says a record starts: its first byte, or the break before it).
fn count_lines(reader: &csv::Reader<Cursor<Vec<u8>>>, scanned: &mut usize, byte: usize) -> usize {
    let text = reader.get_ref().get_ref();
    let end = (byte + 1).min(text.len());
    let n = if end > *scanned { text[*scanned..end].iter().filter(|b| **b == b'\n').count() } else { 0 };
    *scanned = (*scanned).max(end);
    n
}

fn line_breaks(record: &csv::StringRecord) -> usize {
    record.iter().map(|c| c.matches('\n').count()).sum()
}

fn trim_trailing_blanks(mut cells: Vec<String>) -> Vec<String> {
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    cells
}

/// Comma, unless the header line has more semicolons or tabs.
fn guess_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    let (commas, semis, tabs) = (count(','), count(';'), count('\t'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// A CSV record as a row: cells trimmed and padded to the header's width;
/// a cell starting with `=` is taken for a formula. Keqing's own exports
/// prefix formula-like text with an apostrophe, removed here again.
fn csv_row(number: usize, record: &csv::StringRecord, width: usize) -> SourceRow {
    let mut cells: Vec<String> = Vec::with_capacity(width.max(record.len()));
    let mut formulas = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let c = raw.trim();
        if c.starts_with('=') && c.len() > 1 {
            formulas.push(i);
        }
        let c = match c.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => c,
        };
        cells.push(c.to_owned());
    }
    while cells.len() < width {
        cells.push(String::new());
    }
    SourceRow { number, cells, formulas }
}

/// A workbook cell as the text a person would type: whole numbers without
/// ".0" (phones are often stored as numbers), dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
            let date = base.checked_add_days(chrono::Days::new(serial.max(0.0).floor() as u64)).unwrap_or(base);
            date.format("%Y-%m-%d").to_string()
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Appends one CSV row. RFC 4180 quoting; cells that Excel or WPS would run
/// as formulas (`=`, `+`, `-`, `@`, tab, CR) get an apostrophe in front, so
/// an exported name like `=HYPERLINK(…)` stays text.
pub fn csv_line(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let formula = c.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quotes = formula || c.contains([',', '"', '\n', '\r']);
        if quotes {
            out.push('"');
        }
        if formula {
            out.push('\'');
        }
        for ch in c.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        if quotes {
            out.push('"');
        }
    }
    out.push_str("\r\n");
}

/// A whole CSV file for Excel: UTF-8 with a byte-order mark (without it,
/// Chinese Excel reads UTF-8 as GBK and shows mojibake).
pub fn csv_file(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    csv_line(&mut out, headers);
    for r in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        csv_line(&mut out, &cells);
    }
    out
}

/// An xlsx workbook with one sheet: a bold, frozen header row with a filter,
/// every cell written as text (phones keep their leading zeros and are not
/// turned into numbers).
pub fn xlsx_file(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| e.to_string())?;
        ws.write_string_with_format(0, col, *h, &bold).map_err(|e| e.to_string())?;
        let width = rows.iter().take(200).map(|r| r.get(c).map_or(0, |v| v.chars().count())).max().unwrap_or(0);
        ws.set_column_width(col, (width.max(h.chars().count() * 2) as f64 * 1.2).clamp(6.0, 60.0))
            .map_err(|e| e.to_string())?;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = u32::try_from(r + 1).map_err(|e| e.to_string())?;
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                let col = u16::try_from(c).map_err(|e| e.to_string())?;
                ws.write_string_with_format(line, col, v, &text).map_err(|e| e.to_string())?;
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    if !headers.is_empty() {
        let last_col = u16::try_from(headers.len() - 1).map_err(|e| e.to_string())?;
        let last_row = u32::try_from(rows.len()).map_err(|e| e.to_string())?;
        ws.autofilter(0, 0, last_row, last_col).map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// A paper form as a spreadsheet: a title, lines under it (who, which
/// month), a bordered table, and a footer (totals, the signature block).
/// The CSV and the xlsx hold the same cells; [`PaperForm::cells`] is the
/// sheet as rows, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaperForm {
    /// The form's title, merged across the table.
    pub title: String,
    /// Lines between the title and the table.
    pub preamble: Vec<String>,
    /// Column headers.
    pub headers: Vec<String>,
    /// The table.
    pub rows: Vec<Vec<String>>,
    /// Rows after the table (totals, signatures).
    pub footer: Vec<Vec<String>>,
}

impl PaperForm {
    /// Every row of the sheet, top to bottom.
    pub fn cells(&self) -> Vec<Vec<String>> {
        let mut out = vec![vec![self.title.clone()]];
        out.extend(self.preamble.iter().map(|l| vec![l.clone()]));
        out.push(self.headers.clone());
        out.extend(self.rows.iter().cloned());
        out.push(Vec::new());
        out.extend(self.footer.iter().cloned());
        out
    }

    /// As CSV for Excel (UTF-8 with BOM).
    pub fn csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        for r in self.cells() {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            csv_line(&mut out, &cells);
        }
        out
    }

    /// As an xlsx workbook laid out like the paper form: merged bold title,
    /// bordered table with bold headers, text cells (amounts keep their
    /// two decimals), printed landscape on one page wide.
    pub fn xlsx(&self, sheet: &str) -> Result<Vec<u8>, String> {
        use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
        let e = |x: rust_xlsxwriter::XlsxError| x.to_string();
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name(sheet).map_err(e)?;
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        let width = self.headers.len().max(1);
        let last_col = u16::try_from(width - 1).map_err(|x| x.to_string())?;
        let title = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
        let head =
            Format::new().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_text_wrap();
        let cell = Format::new().set_border(FormatBorder::Thin).set_num_format("@");
        let plain = Format::new().set_num_format("@");
        let mut row: u32 = 0;
        if last_col > 0 {
            ws.merge_range(row, 0, row, last_col, &self.title, &title).map_err(e)?;
        } else {
            ws.write_string_with_format(row, 0, &self.title, &title).map_err(e)?;
        }
        row += 1;
        for line in &self.preamble {
            ws.write_string_with_format(row, 0, line, &plain).map_err(e)?;
            row += 1;
        }
        for (c, h) in self.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(|x| x.to_string())?;
            ws.write_string_with_format(row, col, h, &head).map_err(e)?;
            let widest = self.rows.iter().map(|r| r.get(c).map_or(0, |v| v.chars().count())).max().unwrap_or(0);
            ws.set_column_width(col, (widest.max(h.chars().count()) as f64 * 2.0).clamp(8.0, 40.0)).map_err(e)?;
        }
        row += 1;
        for r in &self.rows {
            for c in 0..width {
                let col = u16::try_from(c).map_err(|x| x.to_string())?;
                ws.write_string_with_format(row, col, r.get(c).map_or("", String::as_str), &cell).map_err(e)?;
            }
            row += 1;
        }
        row += 1;
        for r in &self.footer {
            for (c, v) in r.iter().enumerate() {
                let col = u16::try_from(c).map_err(|x| x.to_string())?;
                ws.write_string_with_format(row, col, v, &plain).map_err(e)?;
            }
            row += 1;
        }
        book.save_to_buffer().map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(t: &mut Table) -> Vec<SourceRow> {
        let mut out = Vec::new();
        while let Some(r) = t.next_row() {
            out.push(r.unwrap());
        }
        out
    }

    #[test]
    fn gbk_csv_from_chinese_excel_is_detected_and_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,手机\r\n张三,13812345678\r\n");
        let mut t = Table::open(&bytes, None).unwrap();
        assert_eq!(t.encoding, Some(Encoding::Gb18030));
        assert_eq!(t.headers, ["姓名", "手机"]);
        let rows = all(&mut t);
        assert_eq!(rows[0].cells, ["张三", "13812345678"]);
        assert_eq!(rows[0].number, 2);
    }

    #[test]
    fn utf8_with_bom_utf16_and_semicolons_are_read() {
        let mut t = Table::open("\u{feff}姓名;手机\n李四;0871-63123456\n".as_bytes(), None).unwrap();
        assert_eq!(t.encoding, Some(Encoding::Utf8));
        assert_eq!(t.headers, ["姓名", "手机"]);
        assert_eq!(all(&mut t)[0].cells, ["李四", "0871-63123456"]);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "姓名\t手机\r\n王五\t139\r\n".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let mut t = Table::open(&utf16, None).unwrap();
        assert_eq!(t.encoding, Some(Encoding::Utf16));
        assert_eq!(all(&mut t)[0].cells, ["王五", "139"]);
    }

    #[test]
    fn a_forced_encoding_that_does_not_fit_is_refused() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名\r\n张三\r\n");
        assert!(matches!(Table::open(&bytes, Some(Encoding::Utf8)), Err(TableError::Encoding(_))));
    }

    #[test]
    fn blank_rows_are_skipped_and_numbers_stay_the_spreadsheets() {
        let mut t = Table::open("姓名,备注\n\n张三,\"多行\n备注\"\n,\n李四,=1+1\n".as_bytes(), None).unwrap();
        let rows = all(&mut t);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].cells, ["张三", "多行\n备注"]);
        assert_eq!(rows[1].number, 5);
        assert_eq!(rows[1].formulas, [1]);
    }

    #[test]
    fn our_own_csv_comes_back_unchanged() {
        let rows = vec![vec!["=HYPERLINK(\"x\")".to_owned(), "+86 138".to_owned(), "a,\"b\"".to_owned()]];
        let text = csv_file(&["名称", "电话", "备注"], &rows);
        let mut t = Table::open(text.as_bytes(), None).unwrap();
        let back = all(&mut t);
        assert_eq!(back[0].cells, rows[0]);
        assert!(back[0].formulas.is_empty());
    }

    #[test]
    fn an_xlsx_written_here_reads_back_with_text_intact() {
        let rows = vec![vec!["张三".to_owned(), "013812345678".to_owned()], vec!["李四".to_owned(), String::new()]];
        let bytes = xlsx_file("联系人", &["姓名", "手机"], &rows).unwrap();
        assert_eq!(sniff(&bytes), Format::Workbook);
        let mut t = Table::open(&bytes, None).unwrap();
        assert_eq!(t.headers, ["姓名", "手机"]);
        let back = all(&mut t);
        assert_eq!(back[0].cells, rows[0]);
        assert_eq!(back[1].cells, ["李四", ""]);
        assert_eq!(back[1].number, 3);
    }

    #[test]
    fn formulas_and_numbers_in_workbooks() {
        use rust_xlsxwriter::{Formula, Workbook};
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "姓名").unwrap();
        ws.write_string(0, 1, "手机").unwrap();
        ws.write_string(1, 0, "张三").unwrap();
        ws.write_number(1, 1, 13812345678.0).unwrap();
        ws.write_string(2, 0, "李四").unwrap();
        ws.write_formula(2, 1, Formula::new("=B2+1")).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let mut t = Table::open(&bytes, None).unwrap();
        let rows = all(&mut t);
        assert_eq!(rows[0].cells, ["张三", "13812345678"]);
        assert!(rows[0].formulas.is_empty());
        assert_eq!(rows[1].formulas, [1]);
    }
}
