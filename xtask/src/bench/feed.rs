//! Synthetic ThreatFox CSV exports for the benchmark: `n` rows, each a distinct indicator, in
//! the export's exact shape (comment header, `", "` separators, `None` for null).
//!
//! The mix follows a real week of ThreatFox: mostly ip:port pairs, domains and URLs, some
//! hashes. Values are made from the row number and a fixed-seed generator, so the same `n`
//! always gives the same bytes. Addresses avoid private and reserved ranges, which the readers
//! would flag one warning at a time: a benchmark of warnings is not what we want to measure.

use std::fmt::Write as _;
use std::io::{self, Write};

/// xorshift64*: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// First octets of public unicast space, none of them special-purpose.
const FIRST_OCTETS: &[u8] = &[
    23, 31, 37, 45, 46, 62, 77, 80, 85, 89, 91, 94, 103, 104, 141, 146, 156, 167, 176, 178, 185,
    193, 194, 195, 212, 213,
];
const TLDS: &[&str] = &[
    "com", "net", "org", "xyz", "top", "ru", "info", "online", "site",
];
const WORDS: &[&str] = &[
    "update",
    "cdn",
    "secure",
    "mail",
    "login",
    "cloud",
    "static",
    "api",
    "files",
    "portal",
    "sync",
    "data",
    "service",
    "verify",
    "account",
    "office",
    "microsoft",
    "drive",
    "dns",
    "web",
];
const PATHS: &[&str] = &[
    "bins", "gate.php", "panel", "download", "x86", "load", "img", "wp",
];
const FAMILIES: &[(&str, &str)] = &[
    ("win.cobalt_strike", "Cobalt Strike"),
    ("win.asyncrat", "AsyncRAT"),
    ("elf.mirai", "Mirai"),
    ("win.remcos", "Remcos"),
    ("win.lumma", "Lumma Stealer"),
    ("js.clearfake", "ClearFake"),
];

/// The kinds in the mix, out of 20 rows: 6 ip:port, 5 domain, 5 url, 2 md5, 1 sha1, 1 sha256.
const MIX: [&str; 20] = [
    "ip:port",
    "domain",
    "url",
    "ip:port",
    "md5_hash",
    "domain",
    "url",
    "ip:port",
    "domain",
    "url",
    "sha256_hash",
    "ip:port",
    "domain",
    "url",
    "ip:port",
    "md5_hash",
    "domain",
    "url",
    "ip:port",
    "sha1_hash",
];

/// One row's value for row `i` of kind `kind`. Each row number gives a different value.
pub fn value(i: u64, kind: &str, rng: &mut Rng) -> String {
    match kind {
        "ip:port" => {
            let first = FIRST_OCTETS[(i % FIRST_OCTETS.len() as u64) as usize];
            let rest = i / FIRST_OCTETS.len() as u64;
            let port = 1024 + rng.next() % 64_000;
            format!(
                "{first}.{}.{}.{}:{port}",
                rest >> 16 & 0xff,
                rest >> 8 & 0xff,
                rest & 0xff
            )
        }
        "domain" => host(i, rng),
        "url" => {
            let scheme = if rng.next().is_multiple_of(3) {
                "http"
            } else {
                "https"
            };
            let path = rng.pick(PATHS);
            let host = host(i, rng);
            format!("{scheme}://{host}/{path}/{:x}", rng.next() >> 40)
        }
        "md5_hash" => format!("{i:016x}{:016x}", rng.next()),
        "sha1_hash" => format!("{i:016x}{:016x}{:08x}", rng.next(), rng.next() >> 32),
        _ => format!(
            "{i:016x}{:016x}{:016x}{:016x}",
            rng.next(),
            rng.next(),
            rng.next()
        ),
    }
}

/// A host name that embeds the row number, so no two rows share one.
fn host(i: u64, rng: &mut Rng) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    let tld = rng.pick(TLDS);
    if rng.next().is_multiple_of(4) {
        format!("{a}.{b}-{i:x}.{tld}")
    } else {
        format!("{a}-{b}{i:x}.{tld}")
    }
}

/// Writes an export of `n` rows to `out`.
pub fn write(n: u64, out: &mut impl Write) -> io::Result<()> {
    out.write_all(
        b"################################################################\n\
          # ThreatFox IOCs: synthetic export for the ioc-emit benchmark   #\n\
          ################################################################\n\
          #\n\
          # \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\
          \"fk_malware\",\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\
          \"confidence_level\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\n",
    )?;
    let mut rng = Rng::new(0x1dc0_ffee_u64 ^ n);
    let mut row = String::with_capacity(400);
    for i in 0..n {
        let kind = MIX[(i % 20) as usize];
        let value = value(i, kind, &mut rng);
        let (fk, family) = FAMILIES[(rng.next() % FAMILIES.len() as u64) as usize];
        let threat = match kind {
            "ip:port" | "domain" => "botnet_cc",
            "url" => "payload_delivery",
            _ => "payload",
        };
        let day = 1 + i % 28;
        let confidence = [50, 75, 100][(rng.next() % 3) as usize];
        row.clear();
        let _ = writeln!(
            row,
            "\"2026-02-{day:02} {:02}:{:02}:{:02}\", \"{}\", \"{value}\", \"{kind}\", \
             \"{threat}\", \"{fk}\", \"None\", \"{family}\", \"None\", \"{confidence}\", \
             \"None\", \"{},{}\", \"0\", \"bench\"",
            i % 24,
            i % 60,
            (i / 60) % 60,
            1_000_000 + i,
            family.to_lowercase().replace(' ', "-"),
            threat,
        );
        out.write_all(row.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_size_gives_the_same_bytes_and_distinct_values() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write(2000, &mut a).unwrap();
        write(2000, &mut b).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        let values: std::collections::BTreeSet<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split("\", \"").nth(2).unwrap())
            .collect();
        assert_eq!(values.len(), 2000);
    }
}
