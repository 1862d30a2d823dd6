//! A cheap lower bound on the length of a query part, so that splitting does not render parts
//! that are far too long just to learn that they are.
//!
//! [`crate::partition::split`] asks a backend's `fits` test once per level of splitting, and
//! the KQL and SPL tests render the whole part: a list of 10,000 values was rendered many
//! times over before the parts became small enough. Summing what the values alone must write
//! answers those cases at once, and gives the same answer, since a part whose values alone pass
//! the limit cannot fit; the parts, and so the output, do not change.
//!
//! The invariant a backend relies on when it asks the floor first: for every subset of the
//! items, the floor is at most the length of the query the backend renders for that subset.
//! It holds for a backend that writes every value it hunts in full (escaping only lengthens a
//! value), except that ip:port values are written as an address and a port, and every port on
//! one address shares a single copy of the address. The floor therefore counts an ip:port as
//! its port's digits plus a share of its address: the address's length divided among the
//! ports on it, rounded down, so that the shares in any subset add up to at most one copy.
//! The quotes, brackets and separators a query also writes are not counted.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::net::IpAddr;

use crate::IndicatorValue;

/// The least number of characters each item's value adds to a query that hunts it.
pub struct LengthFloor {
    /// By item (an index into the detection's indicators); 0 for items not given.
    lengths: Vec<usize>,
}

impl LengthFloor {
    /// `items` are the indices a backend splits (no two with the same value, as in a
    /// [`crate::Detection`]); `value` gives each one's value.
    pub fn new<'a>(items: &[usize], value: impl Fn(usize) -> &'a IndicatorValue) -> Self {
        // How many ports each address has among the items, to share its length out.
        let mut ports_on: HashMap<IpAddr, usize> = HashMap::new();
        for &i in items {
            if let IndicatorValue::IpPort { ip, .. } = value(i) {
                *ports_on.entry(*ip).or_default() += 1;
            }
        }

        let mut lengths = vec![0; items.iter().max().map_or(0, |&m| m + 1)];
        for &i in items {
            lengths[i] = match value(i) {
                IndicatorValue::IpPort { ip, port } => {
                    let address = chars(ip) / ports_on[ip];
                    chars(port) + address
                }
                other => chars(other),
            };
        }
        LengthFloor { lengths }
    }

    /// Whether the values of `subset` could still fit in `limit` characters.
    pub fn at_most(&self, subset: &[usize], limit: usize) -> bool {
        let mut total = 0usize;
        for i in subset {
            total += self.lengths.get(*i).copied().unwrap_or(0);
            if total > limit {
                return false;
            }
        }
        true
    }
}

/// The length of `value` as displayed, in characters, without building the text.
fn chars(value: &impl fmt::Display) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 += s.chars().count();
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = write!(count, "{value}");
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IndicatorKind::{self, Domain, IpPort};

    fn values(given: &[(IndicatorKind, &str)]) -> Vec<IndicatorValue> {
        given
            .iter()
            .map(|(kind, text)| IndicatorValue::parse((*kind).into(), text).unwrap())
            .collect()
    }

    #[test]
    fn the_length_floor_refuses_only_what_cannot_fit() {
        let values = values(&[
            (Domain, "a.example"),
            (Domain, "bb.example"),
            (IpPort, "1.2.3.4:80"),
        ]);
        let floor = LengthFloor::new(&[0, 1, 2], |i| &values[i]);
        // The ip:port counts its port and its address, not the colon.
        assert!(floor.at_most(&[0, 1, 2], 9 + 10 + 2 + 7));
        assert!(!floor.at_most(&[0, 1, 2], 9 + 10 + 2 + 7 - 1));
        assert!(floor.at_most(&[2], 9));
        assert!(!floor.at_most(&[2], 8));
        assert!(floor.at_most(&[], 0));
        // An item it was not given counts for nothing: never a reason to refuse.
        assert!(floor.at_most(&[7], 0));
    }

    #[test]
    fn ports_on_one_address_count_the_address_once() {
        // `[2001:db8::1]:443` and `[2001:db8::1]:8443` are written as one address,
        // `2001:db8::1` (11 characters), and the ports 443 and 8443. Each port counts half
        // the address, rounded down: 5.
        let values = values(&[
            (IpPort, "[2001:db8::1]:443"),
            (IpPort, "[2001:db8::1]:8443"),
        ]);
        let floor = LengthFloor::new(&[0, 1], |i| &values[i]);
        assert!(floor.at_most(&[0, 1], 5 + 5 + 3 + 4));
        assert!(!floor.at_most(&[0, 1], 5 + 5 + 3 + 4 - 1));
        // Alone, each counts its half of the address, which the query still writes in full.
        assert!(floor.at_most(&[0], 5 + 3));
        assert!(!floor.at_most(&[0], 5 + 3 - 1));
    }
}
