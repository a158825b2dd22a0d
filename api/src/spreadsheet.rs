//! The province's spreadsheets: reading a table from CSV (UTF-8 with or without BOM,
//! or GB18030) or XLSX, and writing one as CSV (UTF-8 with BOM, for Excel) or XLSX.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use domain::{FieldError, Violation};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::error::ApiError;

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A sheet's rows as text, the header first.
pub type Table = Vec<Vec<String>>;

fn unreadable(what: &str, cause: impl std::fmt::Display) -> ApiError {
    ApiError::Validation(vec![FieldError::rule(
        "body",
        "unreadable_file",
        &format!("无法读取{what}文件：{cause}"),
        &format!("the {what} file cannot be read: {cause}"),
    )])
}

/// Reads the first sheet of an upload, by its media type.
pub fn read_table(media_type: &str, bytes: &[u8]) -> Result<Table, ApiError> {
    match media_type {
        CSV | "application/csv" | "text/plain" => read_csv(bytes),
        XLSX => read_xlsx(bytes),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// CSV text: UTF-8 (a BOM is dropped), or else GB18030 (which covers GBK and GB2312).
pub fn decode_text(bytes: &[u8]) -> Result<String, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(unreadable("CSV", "neither UTF-8 nor GB18030"));
    }
    Ok(text.into_owned())
}

fn read_csv(bytes: &[u8]) -> Result<Table, ApiError> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(|cell| cell.trim().to_owned()).collect())
                .map_err(|e| unreadable("CSV", e))
        })
        .collect()
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ApiError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable("XLSX", e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("XLSX", "it has no sheet"))?
        .map_err(|e| unreadable("XLSX", e))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

/// A cell as the text a person reads in it: whole numbers without ".0", dates as
/// YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            excel_serial_date(d.as_f64()).map_or_else(|| d.as_f64().to_string(), |d| d.to_string())
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e:?}"),
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

impl Cell {
    fn as_text(&self) -> String {
        match self {
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

    #[test]
    fn csv_in_utf8_with_bom_and_gb18030() {
        let utf8 = "\u{feff}组织名称,县\n促进会,五华区\n".as_bytes();
        assert_eq!(read_table(CSV, utf8).unwrap()[1], ["促进会", "五华区"]);
        let (gb, _, _) = encoding_rs::GB18030.encode("组织名称,县\n促进会,五华区\n");
        assert!(std::str::from_utf8(&gb).is_err());
        assert_eq!(read_table(CSV, &gb).unwrap()[1], ["促进会", "五华区"]);
        assert_eq!(
            read_table("image/png", b"x").unwrap_err().status().as_u16(),
            415
        );
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
        let table = read_table(XLSX, &bytes).unwrap();
        assert_eq!(table[0], ["名称", "批次", "日期", "空"]);
        assert_eq!(table[1][..3], ["促进会", "1", "2024-05-06"]);
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
