//! The cost of protecting one household's personal data: sealing its three values
//! plus the ID number's blind index (a write), and opening the three (a reveal).
//!
//!     cargo run --release -p persistence --example seal_cost [households]

use std::hint::black_box;
use std::time::{Duration, Instant};

use persistence::personal_data::{PiiKey, Vault};

fn main() {
    let households: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let vault = Vault::new(PiiKey::generate(), vec![PiiKey::generate()]);
    let fields = [
        (
            "household/0190a4c2-7d1e-7000-8000-000000000001/head_name",
            "欧阳建国",
        ),
        (
            "household/0190a4c2-7d1e-7000-8000-000000000001/id_number",
            "11010119900307123X",
        ),
        (
            "household/0190a4c2-7d1e-7000-8000-000000000001/phone",
            "13800138000",
        ),
    ];

    let start = Instant::now();
    let mut sealed = Vec::new();
    for _ in 0..households {
        sealed.clear();
        for (context, value) in fields {
            sealed.push(vault.seal(black_box(value), context));
        }
        black_box(vault.blind_index(black_box(fields[1].1)));
    }
    let seal = start.elapsed();

    let start = Instant::now();
    let mut opened = 0usize;
    for _ in 0..households {
        for ((context, _), value) in fields.iter().zip(&sealed) {
            opened += black_box(vault.open(black_box(value), context)).map_or(0, |v| v.len());
        }
    }
    let open = start.elapsed();

    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(households);
    println!(
        "{households} households: seal 3 values + 1 blind index {:.2} µs each; open 3 values \
         {:.2} µs each ({opened} bytes opened)",
        per(seal),
        per(open)
    );
}
