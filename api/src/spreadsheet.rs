//! The province's spreadsheets: reading a table from CSV (UTF-8 with or without BOM,
//! or GB18030) or XLSX, and writing one as CSV (UTF-8 with BOM, for Excel) or XLSX.

use std::io::Cursor;

use actix_web::http::header;
use actix_web::HttpResponse;
use calamine::{DataRef, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use domain::Rule;
use domain::{FieldError, Violation};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::error::ApiError;

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn unreadable(what: &str, cause: impl std::fmt::Display) -> ApiError {
    ApiError::Validation(vec![FieldError::rule(
        "body",
        Rule::UnreadableFile {
            format: what.to_owned(),
            cause: cause.to_string(),
        },
    )])
}

/// The ceilings on one uploaded sheet, besides its size in bytes (`MAX_IMPORT_BYTES`,
/// enforced while the upload is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Data rows below the header (`MAX_IMPORT_ROWS`).
    pub rows: usize,
    /// Bytes an XLSX may unpack to, all its parts together (`MAX_IMPORT_UNPACKED_BYTES`):
    /// a ZIP bomb is refused before anything is parsed.
    pub unpacked_bytes: u64,
}

/// Columns read, counted from the sheet's left edge: cells further right are never
/// looked at, so a cell at column XFD costs nothing.
pub const COLUMNS_MAX: usize = 64;

/// Characters in one cell of a column the import knows: no field of an import takes
/// more (the longest, a note, takes 1,000), so a longer cell is refused, not kept.
pub const CELL_CHARS_MAX: usize = 5_000;

/// Parts (files) in an XLSX package; Excel writes about a dozen.
pub const XLSX_PARTS_MAX: usize = 1_000;

/// A sheet as an import reads it: the header cells of the columns the import knows,
/// and below them each row's cells in those columns only. `rows[i]` is the sheet's
/// row `i + 2` counted from the header (which is row 1); blank rows stay in place, as
/// empty rows, so that row numbers match what the user sees.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Not one cell held anything (within the columns read).
    pub blank: bool,
}

/// Reads the first sheet of an upload, by its media type, keeping only the columns
/// whose header `known` accepts (in their order in the sheet).
pub fn read_table(
    media_type: &str,
    bytes: &[u8],
    limits: SheetLimits,
    known: &dyn Fn(&str) -> bool,
) -> Result<Table, ApiError> {
    let mut table = TableBuilder::new(limits, known);
    match media_type {
        CSV | "application/csv" | "text/plain" => read_csv(bytes, &mut table)?,
        XLSX => {
            check_xlsx_package(bytes, limits.unpacked_bytes)?;
            // A parser of untrusted input that panics is a bug in it, and the file is
            // as unreadable to us as a corrupt one: a 422, not a 500.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                read_xlsx(bytes, &mut table)
            }))
            .map_err(|_| unreadable("XLSX", "its contents are malformed"))??;
        }
        _ => return Err(ApiError::UnsupportedMediaType),
    }
    table.finish()
}

/// Every column of the first sheet, the header first: for reading back a sheet this
/// server wrote (an export), not for uploads, which go through `read_table` and the
/// configured ceilings.
pub fn read_all(media_type: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, ApiError> {
    let limits = SheetLimits {
        rows: 1_000_000,
        unpacked_bytes: 1 << 30,
    };
    let table = read_table(media_type, bytes, limits, &|_| true)?;
    Ok(std::iter::once(table.header).chain(table.rows).collect())
}

/// Collects a sheet cell by cell, within the ceilings. Cells arrive row by row, left
/// to right; the header is the first row that holds anything.
struct TableBuilder<'k> {
    limits: SheetLimits,
    known: &'k dyn Fn(&str) -> bool,
    /// The header's sheet row, and its cells while that row is still being read.
    header_row: Option<u32>,
    header_cells: Vec<(usize, String)>,
    /// Per sheet column (up to `COLUMNS_MAX`), the column's place in the table, once
    /// the header is complete.
    places: Option<Vec<Option<usize>>>,
    table: Table,
    /// Cells that hold characters no database column may store.
    bad_cells: Vec<FieldError>,
}

impl<'k> TableBuilder<'k> {
    fn new(limits: SheetLimits, known: &'k dyn Fn(&str) -> bool) -> Self {
        TableBuilder {
            limits,
            known,
            header_row: None,
            header_cells: Vec::new(),
            places: None,
            table: Table::default(),
            bad_cells: Vec::new(),
        }
    }

    /// Ends the header: the known columns get their places.
    fn close_header(&mut self) {
        if self.places.is_some() {
            return;
        }
        let mut places = vec![None; COLUMNS_MAX];
        for (col, text) in std::mem::take(&mut self.header_cells) {
            if (self.known)(&text) {
                places[col] = Some(self.table.header.len());
                self.table.header.push(text);
            }
        }
        self.places = Some(places);
    }

    /// One cell at the sheet's `row` and `col`.
    fn cell(&mut self, row: u32, col: usize, text: String) -> Result<(), ApiError> {
        if col >= COLUMNS_MAX || text.is_empty() {
            return Ok(());
        }
        let text = unquote_formula(text);
        let header_row = match self.header_row {
            None => {
                self.header_row = Some(row);
                row
            }
            Some(header_row) => header_row,
        };
        if row == header_row {
            self.header_cells.push((col, text));
            return Ok(());
        }
        self.close_header();
        let Some(Some(place)) = self.places.as_ref().and_then(|p| p.get(col)).copied() else {
            return Ok(());
        };
        let index = row.saturating_sub(header_row + 1) as usize;
        if index >= self.limits.rows {
            return Err(too_many_rows(self.limits.rows));
        }
        if text.len() > CELL_CHARS_MAX && text.chars().count() > CELL_CHARS_MAX {
            self.bad_cells.push(FieldError::new(
                format!("rows[{}].{}", index + 2, self.table.header[place]),
                Violation::TooLong {
                    max: CELL_CHARS_MAX,
                },
            ));
            return Ok(());
        }
        if text.contains('\0') {
            self.bad_cells.push(FieldError::rule(
                format!("rows[{}].{}", index + 2, self.table.header[place]),
                Rule::InvalidCharacter,
            ));
            return Ok(());
        }
        let width = self.table.header.len();
        while self.table.rows.len() <= index {
            self.table.rows.push(vec![String::new(); width]);
        }
        self.table.rows[index][place] = text;
        Ok(())
    }

    fn finish(mut self) -> Result<Table, ApiError> {
        self.close_header();
        self.table.blank = self.header_row.is_none();
        if !self.bad_cells.is_empty() {
            return Err(ApiError::Validation(self.bad_cells));
        }
        Ok(self.table)
    }
}

fn too_many_rows(max: usize) -> ApiError {
    ApiError::TooLarge(vec![FieldError::rule(
        "body",
        Rule::TooManyRows { max, export: false },
    )])
}

/// CSV text: UTF-8 (a BOM is dropped), or else GB18030 (which covers GBK and GB2312).
/// UTF-8 is read in place, not copied.
pub fn decode_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(unreadable("CSV", "neither UTF-8 nor GB18030"));
    }
    Ok(text)
}

fn read_csv(bytes: &[u8], table: &mut TableBuilder) -> Result<(), ApiError> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    // One record at a time; only the columns the import knows are kept from it.
    while reader
        .read_record(&mut record)
        .map_err(|e| unreadable("CSV", e))?
    {
        for (col, cell) in record.iter().take(COLUMNS_MAX).enumerate() {
            table.cell(row, col, cell.trim().to_owned())?;
        }
        row = row.saturating_add(1);
        // Blank records count too: a file of a million empty lines is not read to
        // its end either.
        if row as usize > table.limits.rows.saturating_add(1) {
            return Err(too_many_rows(table.limits.rows));
        }
    }
    Ok(())
}

/// Refuses an XLSX package whose parts would unpack to more than `limit` bytes, or
/// that has more parts than any workbook needs. The sizes a ZIP declares can lie, so
/// every part is inflated (into nothing) and what comes out is counted.
fn check_xlsx_package(bytes: &[u8], limit: u64) -> Result<(), ApiError> {
    if zip_declared_entries(bytes).is_some_and(|n| n > XLSX_PARTS_MAX) {
        return Err(too_many_parts());
    }
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable("XLSX", e))?;
    if archive.len() > XLSX_PARTS_MAX {
        return Err(too_many_parts());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(|e| unreadable("XLSX", e))?;
        let budget = limit.saturating_sub(total).saturating_add(1);
        let mut bounded = std::io::Read::take(part, budget);
        total +=
            std::io::copy(&mut bounded, &mut std::io::sink()).map_err(|e| unreadable("XLSX", e))?;
        if total > limit {
            return Err(ApiError::TooLarge(vec![FieldError::rule(
                "body",
                Rule::UnpackedTooLarge { limit },
            )]));
        }
    }
    Ok(())
}

fn too_many_parts() -> ApiError {
    ApiError::TooLarge(vec![FieldError::rule(
        "body",
        Rule::TooManyParts {
            max: XLSX_PARTS_MAX,
        },
    )])
}

/// The entry count a ZIP's end-of-central-directory record declares, read before the
/// directory itself is parsed (which costs memory per entry). `None` when there is no
/// such record (the ZIP reader then refuses the file) or it defers to ZIP64 (0xFFFF).
fn zip_declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_from = bytes.len().saturating_sub(22 + usize::from(u16::MAX));
    let at = bytes[tail_from..].windows(4).rposition(|w| w == EOCD)? + tail_from;
    let count = bytes.get(at + 10..at + 12)?;
    let count = u16::from_le_bytes([count[0], count[1]]);
    (count != u16::MAX).then_some(usize::from(count))
}

fn read_xlsx(bytes: &[u8], table: &mut TableBuilder) -> Result<(), ApiError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable("XLSX", e))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("XLSX", "it has no sheet"))?;
    // Cell by cell, never the dense used range: one cell at A1 and one at XFD1048576
    // cost two cells, not 17 billion.
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable("XLSX", e))?;
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable("XLSX", e))? {
        let (row, col) = cell.get_position();
        table.cell(row, col as usize, cell_text(cell.get_value()))?;
    }
    Ok(())
}

/// A cell as the text a person reads in it: whole numbers without ".0", dates as
/// YYYY-MM-DD.
fn cell_text(cell: &DataRef) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            s.trim().to_owned()
        }
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => {
            excel_serial_date(d.as_f64()).map_or_else(|| d.as_f64().to_string(), |d| d.to_string())
        }
        DataRef::Error(e) => format!("{e:?}"),
    }
}

/// Excel's day number (1900 system) as a date.
fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// A value in an exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

/// True when a spreadsheet program would take this text for a formula (the OWASP
/// CSV-injection rule): it starts with `=`, `+`, `-`, `@`, a tab or a carriage return.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Undoes the export's neutralizing quote, so that an export imports back as it was.
fn unquote_formula(text: String) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest.to_owned(),
        _ => text,
    }
}

impl Cell {
    fn as_text(&self) -> String {
        match self {
            // A leading apostrophe keeps the text text in every spreadsheet program.
            Cell::Text(s) if looks_like_formula(s) => format!("'{s}"),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// CSV in UTF-8 with a BOM, so that Excel opens Chinese text correctly.
pub fn write_csv(headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let internal = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
        writer.write_record(headers).map_err(internal)?;
        for row in rows {
            writer
                .write_record(row.iter().map(Cell::as_text))
                .map_err(internal)?;
        }
        writer
            .flush()
            .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))?;
    }
    Ok(out)
}

/// An XLSX workbook of one sheet: a bold header, dates as real dates.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, ApiError> {
    let internal = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("writing XLSX: {e}"));
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name).map_err(internal)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // Excel's own "this is text" mark (a hidden leading apostrophe): the cell shows
    // as it was written and is never taken for a formula, even when edited.
    let text = Format::new().set_quote_prefix();
    for (col, header) in headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|e| ApiError::Internal(e.to_string()))?;
        sheet
            .write_string_with_format(0, col, *header, &bold)
            .map_err(internal)?;
        sheet.set_column_width(col, 14).map_err(internal)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|e| ApiError::Internal(e.to_string()))?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| ApiError::Internal(e.to_string()))?;
            match cell {
                Cell::Text(s) if looks_like_formula(s) => {
                    sheet
                        .write_string_with_format(r, c, s, &text)
                        .map_err(internal)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).map_err(internal)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).map_err(internal)?;
                }
                Cell::Date(d) => {
                    let when = ExcelDateTime::from_ymd(
                        u16::try_from(d.year()).map_err(|e| ApiError::Internal(e.to_string()))?,
                        u8::try_from(d.month()).map_err(|e| ApiError::Internal(e.to_string()))?,
                        u8::try_from(d.day()).map_err(|e| ApiError::Internal(e.to_string()))?,
                    )
                    .map_err(internal)?;
                    sheet
                        .write_datetime_with_format(r, c, &when, &date)
                        .map_err(internal)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer().map_err(internal)
}

/// A file download: its media type, and the name a browser saves it under.
pub fn attachment(media_type: &str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}"),
        ))
        .body(bytes)
}

/// A header cell's canonical column, from the Chinese or English names in use.
pub fn column_of<'a>(header: &str, columns: &[(&'a str, &[&str])]) -> Option<&'a str> {
    let normalized: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '，' => ',',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    columns
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == normalized))
        .map(|(canonical, _)| *canonical)
}

/// 422 for required columns the header lacks.
pub fn missing_columns(missing: &[&str]) -> ApiError {
    ApiError::Validation(
        missing
            .iter()
            .map(|c| FieldError::new(format!("header.{c}"), Violation::Required))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: SheetLimits = SheetLimits {
        rows: 1_000,
        unpacked_bytes: 16 * 1024 * 1024,
    };

    fn read(media_type: &str, bytes: &[u8]) -> Result<Table, ApiError> {
        read_table(media_type, bytes, ROOMY, &|_| true)
    }

    fn refusal(err: ApiError) -> (u16, String) {
        let p = err.problem(domain::Lang::En, "", "");
        (
            p.status,
            p.errors.first().map(|e| e.code.clone()).unwrap_or_default(),
        )
    }

    #[test]
    fn csv_in_utf8_with_bom_and_gb18030() {
        let utf8 = "\u{feff}组织名称,县\n促进会,五华区\n".as_bytes();
        assert_eq!(read(CSV, utf8).unwrap().rows[0], ["促进会", "五华区"]);
        let (gb, _, _) = encoding_rs::GB18030.encode("组织名称,县\n促进会,五华区\n");
        assert!(std::str::from_utf8(&gb).is_err());
        assert_eq!(read(CSV, &gb).unwrap().rows[0], ["促进会", "五华区"]);
        assert_eq!(read("image/png", b"x").unwrap_err().status().as_u16(), 415);
    }

    #[test]
    fn xlsx_round_trips() {
        let rows = vec![vec![
            Cell::Text("促进会".into()),
            Cell::Number(1.0),
            Cell::Date(NaiveDate::from_ymd_opt(2024, 5, 6).unwrap()),
            Cell::Empty,
        ]];
        let bytes = write_xlsx("结对", &["名称", "批次", "日期", "空"], &rows).unwrap();
        let table = read(XLSX, &bytes).unwrap();
        assert_eq!(table.header, ["名称", "批次", "日期", "空"]);
        assert_eq!(table.rows[0][..3], ["促进会", "1", "2024-05-06"]);
    }

    #[test]
    fn only_known_columns_are_kept_and_blank_rows_keep_their_place() {
        let csv = "备注,名称,批次\nx,甲,1\n\n,,\ny,乙,2\n";
        let table = read_table(CSV, csv.as_bytes(), ROOMY, &|h| h != "备注").unwrap();
        assert_eq!(table.header, ["名称", "批次"]);
        // The empty line is no record at all (as before); ",," is a blank row.
        assert_eq!(table.rows, [vec!["甲", "1"], vec!["", ""], vec!["乙", "2"]]);
    }

    /// The sheet that stopped the server: one cell at A1, one at XFD1048576. Its
    /// dense range would be 2^34 cells.
    #[test]
    fn a_sparse_sheet_costs_its_cells_not_its_range() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "名称").unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let table = read(XLSX, &bytes).unwrap();
        assert_eq!(table.header, ["名称"]);
        assert!(table.rows.is_empty());
        // Far down in a known column: refused by the row ceiling, not allocated.
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "名称").unwrap();
        sheet.write_string(1_048_575, 0, "far").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(
            refusal(read(XLSX, &bytes).unwrap_err()),
            (413, "too_many_rows".into())
        );
    }

    #[test]
    fn rows_beyond_the_ceiling_are_refused() {
        let limits = SheetLimits { rows: 3, ..ROOMY };
        let csv = |n: usize| format!("名称\n{}", "甲\n".repeat(n));
        assert_eq!(
            read_table(CSV, csv(3).as_bytes(), limits, &|_| true)
                .unwrap()
                .rows
                .len(),
            3
        );
        assert_eq!(
            refusal(read_table(CSV, csv(4).as_bytes(), limits, &|_| true).unwrap_err()),
            (413, "too_many_rows".into())
        );
        let blank_lines = format!("名称\n{}", ",\n".repeat(10));
        assert_eq!(
            refusal(read_table(CSV, blank_lines.as_bytes(), limits, &|_| true).unwrap_err()),
            (413, "too_many_rows".into())
        );
    }

    /// An XLSX with one more part that inflates far beyond its compressed size.
    fn with_extra_part(name: &str, size: usize) -> Vec<u8> {
        use std::io::Write;
        let valid = write_xlsx("结对", &["名称"], &[vec![Cell::Text("甲".into())]]).unwrap();
        let mut source = zip::ZipArchive::new(Cursor::new(valid)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..source.len() {
            out.raw_copy_file(source.by_index(i).unwrap()).unwrap();
        }
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file(name, options).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..size / zeros.len() {
            out.write_all(&zeros).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_parsed() {
        let limits = SheetLimits {
            unpacked_bytes: 4 * 1024 * 1024,
            ..ROOMY
        };
        let bomb = with_extra_part("xl/bomb.bin", 8 * 1024 * 1024);
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        assert_eq!(
            refusal(read_table(XLSX, &bomb, limits, &|_| true).unwrap_err()),
            (413, "unpacked_too_large".into())
        );
        let small = with_extra_part("xl/small.bin", 1024 * 1024);
        assert!(read_table(XLSX, &small, limits, &|_| true).is_ok());
    }

    #[test]
    fn malformed_packages_are_unreadable_not_fatal() {
        assert_eq!(refusal(read(XLSX, b"not a zip").unwrap_err()).0, 422);
        let valid = write_xlsx("结对", &["名称"], &[]).unwrap();
        assert_eq!(
            refusal(read(XLSX, &valid[..valid.len() / 2]).unwrap_err()).0,
            422
        );
    }

    #[test]
    fn a_huge_cell_is_refused_not_kept() {
        let csv = format!("名称,批次\n{},1\n", "长".repeat(CELL_CHARS_MAX + 1));
        let p = read(CSV, csv.as_bytes())
            .unwrap_err()
            .problem(domain::Lang::En, "", "");
        assert_eq!(
            (p.status, p.errors[0].field.as_str()),
            (422, "rows[2].名称")
        );
        assert_eq!(p.errors[0].code, "too_long");
        let csv = format!("名称,批次\n{},1\n", "长".repeat(CELL_CHARS_MAX));
        assert!(read(CSV, csv.as_bytes()).is_ok());
    }

    #[test]
    fn nul_in_a_cell_is_refused_naming_it() {
        let err = read(CSV, "名称,批次\n甲,1\n乙\0,2\n".as_bytes()).unwrap_err();
        let p = err.problem(domain::Lang::En, "", "");
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "rows[3].名称");
        assert_eq!(p.errors[0].code, "invalid_character");
    }

    #[test]
    fn formula_cells_leave_as_text_and_come_back_as_they_were() {
        let names = [
            "=HYPERLINK(\"http://x\",\"协议\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "安全",
        ];
        let rows: Vec<Vec<Cell>> = names
            .iter()
            .map(|n| vec![Cell::Text((*n).into())])
            .collect();
        let csv = write_csv(&["名称"], &rows).unwrap();
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        for line in text.lines().skip(1) {
            let cell = line.trim_start_matches('"');
            assert!(cell.starts_with('\'') || cell == "安全", "{line}");
        }
        let back = read(CSV, &csv).unwrap();
        let back: Vec<&str> = back.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(back, names);

        let xlsx = write_xlsx("结对", &["名称"], &rows).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&xlsx)).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(!sheet.contains("<f>"), "{sheet}");
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/styles.xml").unwrap(), &mut styles)
            .unwrap();
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
        let back = read(XLSX, &xlsx).unwrap();
        assert_eq!(back.rows[0][0], "=HYPERLINK(\"http://x\",\"协议\")");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// A fuzz of the readers (cargo fuzz needs a nightly toolchain this workspace
        /// does not use): any damage to a valid XLSX or any bytes as CSV give a table
        /// or a 4xx, never a panic or a 5xx.
        #[test]
        fn damaged_sheets_are_refused_not_fatal(
            flips in proptest::collection::vec((0usize..1_000_000, proptest::prelude::any::<u8>()), 1..8),
            cut in 0usize..1_000_000,
            csv in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2_000),
        ) {
            let rows: Vec<Vec<Cell>> = (0..20)
                .map(|i| vec![Cell::Text(format!("协会{i}")), Cell::Number(f64::from(i))])
                .collect();
            let mut xlsx = write_xlsx("结对", &["名称", "批次"], &rows).unwrap();
            for (at, byte) in flips {
                let at = at % xlsx.len();
                xlsx[at] = byte;
            }
            xlsx.truncate(xlsx.len() - cut % (xlsx.len() / 4));
            for (media_type, bytes) in [(XLSX, xlsx.as_slice()), (CSV, csv.as_slice())] {
                if let Err(e) = read(media_type, bytes) {
                    let status = e.status().as_u16();
                    proptest::prop_assert!((400..500).contains(&status), "{media_type}: {status} {e}");
                }
            }
        }
    }

    #[test]
    fn headers_match_in_either_language() {
        let columns: &[(&str, &[&str])] = &[("county", &["县(市、区)", "county"])];
        assert_eq!(column_of("县（市、区）", columns), Some("county"));
        assert_eq!(column_of(" County ", columns), Some("county"));
        assert_eq!(column_of("乡镇", columns), None);
    }

    #[test]
    fn csv_export_opens_in_excel() {
        let bytes = write_csv(
            &["名称", "日期"],
            &[vec![
                Cell::Text("a,b".into()),
                Cell::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
            ]],
        )
        .unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(
            std::str::from_utf8(&bytes[3..]).unwrap(),
            "名称,日期\r\n\"a,b\",2024-01-02\r\n"
        );
    }
}
