//! Splitting a long indicator list into parts that each fit a size limit, stably.
//!
//! SIEMs cap a query's length (a Sentinel analytics rule holds at most 10,000 characters) and
//! its nesting (Kusto rejects an `or` chain of about 490 terms). A backend that overflows
//! splits its indicators into parts by a hash of each canonical value: a part that does not fit
//! splits on the next bit of the hash, and only that part. Adding an indicator therefore changes
//! only the part it lands in; every other part, its name and its rule id stay as they were.

/// FNV-1a, 64-bit: small, stable across platforms and releases, which is all a bucket needs.
pub fn stable_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A part: the hash-prefix label (empty when nothing was split) and its items in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<T> {
    pub label: String,
    pub items: Vec<T>,
}

/// Splits `items` into parts for which `fits` holds, by the bits of `stable_hash(key(item))`,
/// most significant first. A single item that does not fit becomes a part of its own; the caller
/// decides what to say about it.
pub fn split<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> String,
    fits: impl Fn(&[T]) -> bool,
) -> Vec<Part<T>> {
    let hashed: Vec<(u64, T)> = items
        .iter()
        .map(|i| (stable_hash(&key(i)), i.clone()))
        .collect();
    let mut out = Vec::new();
    split_into(&hashed, 0, String::new(), &fits, &mut out);
    out
}

/// Items with the hash of their key.
type Hashed<T> = Vec<(u64, T)>;

fn split_into<T: Clone>(
    items: &[(u64, T)],
    depth: u32,
    label: String,
    fits: &impl Fn(&[T]) -> bool,
    out: &mut Vec<Part<T>>,
) {
    if items.is_empty() {
        return;
    }
    let plain: Vec<T> = items.iter().map(|(_, t)| t.clone()).collect();
    if depth == 64 || items.len() == 1 || fits(&plain) {
        out.push(Part {
            label,
            items: plain,
        });
        return;
    }
    let bit = 63 - depth;
    let (zeros, ones): (Hashed<T>, Hashed<T>) = items
        .iter()
        .cloned()
        .partition(|(h, _)| (h >> bit) & 1 == 0);
    split_into(&zeros, depth + 1, format!("{label}0"), fits, out);
    split_into(&ones, depth + 1, format!("{label}1"), fits, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("host{i}.example")).collect()
    }

    #[test]
    fn everything_fits_in_one_unlabelled_part() {
        let parts = split(&names(5), |s| s.clone(), |_| true);
        assert_eq!(
            parts,
            [Part {
                label: String::new(),
                items: names(5)
            }]
        );
    }

    #[test]
    fn parts_fit_and_cover_each_item_once() {
        let items = names(1000);
        let parts = split(&items, |s| s.clone(), |p| p.len() <= 100);
        assert!(parts.iter().all(|p| p.items.len() <= 100));
        let mut all: Vec<String> = parts.iter().flat_map(|p| p.items.clone()).collect();
        all.sort();
        let mut want = items.clone();
        want.sort();
        assert_eq!(all, want);
    }

    #[test]
    fn adding_an_item_changes_only_its_own_part() {
        let items = names(1000);
        let before = split(&items, |s| s.clone(), |p| p.len() <= 100);
        let mut more = items.clone();
        more.push("newcomer.example".to_string());
        let after = split(&more, |s| s.clone(), |p| p.len() <= 100);
        let changed = after.iter().filter(|p| !before.contains(p)).count();
        assert!(changed <= 2, "{changed} parts changed");
        let home = after
            .iter()
            .find(|p| p.items.contains(&"newcomer.example".to_string()));
        assert!(home.is_some());
    }

    #[test]
    fn the_hash_is_fixed() {
        // FNV-1a test vector: a change of hash function would move every part.
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
