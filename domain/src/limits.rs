//! The ceilings on what one request may carry. Each is enforced where the input is
//! read (request bodies through `validator`, spreadsheets in the sheet reader, money
//! at input) and stated in the OpenAPI document and the README, so a client knows
//! them before it hits them.

/// The largest amount of money one field may hold: 10^12 fen (¥10 billion), far above
/// any assistance project, and low enough that sums over millions of rows stay exact.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000;

/// The largest head count one field may hold (beneficiaries, people trained): more
/// than the population of the province.
pub const MAX_PEOPLE: i64 = 100_000_000;

/// Short names and titles (an organization, a project, a person), in characters.
pub const NAME_MAX: usize = 200;
/// A note, a reason or a comment, in characters.
pub const NOTE_MAX: usize = 1_000;
/// A description or summary, in characters.
pub const DESCRIPTION_MAX: usize = 5_000;
/// A long text (a typical case's write-up, a report section), in characters.
pub const LONG_TEXT_MAX: usize = 50_000;

/// Items in one array of a request body (ids cited, tags, lines of a plan).
pub const ITEMS_MAX: usize = 1_000;

/// Nesting depth of a JSON request body; no request of this API needs more than a few.
pub const JSON_DEPTH_MAX: usize = 32;

/// Problems listed in one error response; past this the response says how many there
/// were in all (`errors_total`), so a sheet of a million bad rows answers in kilobytes.
pub const ERRORS_LISTED_MAX: usize = 200;
